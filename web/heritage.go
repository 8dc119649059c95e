package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/diming/diming"
	"github.com/diming/diming/gazetteer"
	"github.com/labstack/echo/v4"
)

// heritageEntryDTO is one entry of the place-name heritage lists. MapURL
// opens the map at its place (or its division when no place is linked).
type heritageEntryDTO struct {
	ID                 int64   `json:"id"`
	Name               string  `json:"name"`
	ListName           string  `json:"list_name"`
	Category           string  `json:"category"`
	Criteria           string  `json:"criteria,omitempty"`
	Level              string  `json:"level"`
	LevelName          string  `json:"level_name"`
	Issuer             string  `json:"issuer,omitempty"`
	Batch              int     `json:"batch,omitempty"`
	Announced          *string `json:"announced,omitempty"`
	Province           string  `json:"province"`
	City               string  `json:"city"`
	County             string  `json:"county"`
	DivisionCode       string  `json:"division_code,omitempty"`
	PlaceID            *int64  `json:"place_id,omitempty"`
	Shortlist          bool    `json:"shortlist"`
	ProtectionMeasures string  `json:"protection_measures,omitempty"`
	Completeness       string  `json:"completeness,omitempty"`
	SourceURL          string  `json:"source_url,omitempty"`
	MapURL             string  `json:"map_url,omitempty"`
}

func toHeritageEntryDTO(h gazetteer.HeritageEntry) heritageEntryDTO {
	return heritageEntryDTO{ID: h.ID, Name: h.Name, ListName: h.ListName, Category: h.Category, Criteria: gazetteer.HeritageCriteria(h.Category),
		Level: string(h.Level), LevelName: h.Level.Name(), Issuer: h.Issuer, Batch: h.Batch, Announced: day(h.Announced),
		Province: h.Province, City: h.City, County: h.County, DivisionCode: h.DivisionCode, PlaceID: h.PlaceID, Shortlist: h.Shortlist,
		ProtectionMeasures: h.ProtectionMeasures, Completeness: h.Completeness, SourceURL: h.SourceURL, MapURL: heritageMapURL(h)}
}

// heritageMapURL is the map page opened at the entry's place.
func heritageMapURL(h gazetteer.HeritageEntry) string {
	switch {
	case h.PlaceID != nil:
		return "/?sel=place:" + strconv.FormatInt(*h.PlaceID, 10)
	case h.DivisionCode != "":
		return "/?sel=division:" + h.DivisionCode
	}
	return ""
}

type heritageBatchDTO struct {
	ListName   string   `json:"list_name"`
	Level      string   `json:"level"`
	LevelName  string   `json:"level_name"`
	Issuer     string   `json:"issuer,omitempty"`
	Batch      int      `json:"batch,omitempty"`
	Announced  *string  `json:"announced,omitempty"`
	Shortlist  bool     `json:"shortlist"`
	Count      int      `json:"count"`
	Categories []string `json:"categories"`
	Href       string   `json:"-"` // the page filtered to this batch
}

func toHeritageBatchDTO(b gazetteer.HeritageBatch) heritageBatchDTO {
	q := url.Values{"list": {b.ListName}}
	if b.Batch != 0 {
		q.Set("batch", strconv.Itoa(b.Batch))
	}
	return heritageBatchDTO{ListName: b.ListName, Level: string(b.Level), LevelName: b.Level.Name(), Issuer: b.Issuer, Batch: b.Batch,
		Announced: day(b.Announced), Shortlist: b.Shortlist, Count: b.Count, Categories: b.Categories, Href: "/heritage?" + q.Encode()}
}

// parseHeritageFilter reads ?list=&batch=&level=&category=&division=
// &limit=&offset= once; the service checks the values.
func parseHeritageFilter(c echo.Context) (gazetteer.HeritageFilter, error) {
	f := gazetteer.HeritageFilter{ListName: c.QueryParam("list"), Level: gazetteer.HeritageLevel(c.QueryParam("level")),
		Category: c.QueryParam("category"), DivisionCode: strings.TrimSpace(c.QueryParam("division"))}
	fe := diming.FieldErrors{}
	for name, dst := range map[string]*int{"batch": &f.Batch, "limit": &f.Limit, "offset": &f.Offset} {
		if v := c.QueryParam(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				fe.Add(name, "应为整数")
			}
			*dst = n
		}
	}
	if len(fe) > 0 {
		return f, diming.E("web.heritageFilter", diming.Invalid, "名录筛选条件有误，请按提示修改", map[string]string(fe))
	}
	return f.Valid()
}

// handleHeritageList: GET /api/v1/heritage — a page of the heritage lists
// with every batch (for filters).
func handleHeritageList(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := parseHeritageFilter(c)
		if err != nil {
			return err
		}
		page, err := g.Heritage(c.Request().Context(), f)
		if err != nil {
			return err
		}
		entries := make([]heritageEntryDTO, 0, len(page.Entries))
		for _, h := range page.Entries {
			entries = append(entries, toHeritageEntryDTO(h))
		}
		batches := make([]heritageBatchDTO, 0, len(page.Batches))
		for _, b := range page.Batches {
			batches = append(batches, toHeritageBatchDTO(b))
		}
		return c.JSON(http.StatusOK, map[string]any{"entries": entries, "total": page.Total, "limit": f.Limit, "offset": f.Offset,
			"batches": batches})
	}
}

// handleHeritageGet: GET /api/v1/heritage/:id.
func handleHeritageGet(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		h, err := g.HeritageEntry(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toHeritageEntryDTO(h))
	}
}

// heritagePage is what templates/heritage.html shows.
type heritagePage struct {
	Filter     gazetteer.HeritageFilter
	Total      int
	Entries    []heritageEntryDTO
	Batches    []heritageBatchDTO
	Categories []heritageCategory
	Levels     [][2]string
	Error      string
	Fields     map[string]string
	From, To   int
	Prev, Next string
}

type heritageCategory struct{ Name, Criteria string }

// addHeritagePages adds the public page of the heritage lists.
func addHeritagePages(e *echo.Echo, p *pages, cfg Config, d Deps) {
	if d.Gazetteer == nil {
		return
	}
	e.GET("/heritage", handleHeritagePage(p, d.Gazetteer), timeout(cfg.APITimeout))
}

// handleHeritagePage: GET /heritage — batches, categories with their
// criteria, and the entries (filtered like the API), each linked to the map.
func handleHeritagePage(p *pages, g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		data := heritagePage{Levels: [][2]string{{"national", "国家级"}, {"provincial", "省级"}, {"city", "市级"}, {"county", "县级"}}}
		status := http.StatusOK
		f, err := parseHeritageFilter(c)
		data.Filter = f
		if err != nil {
			if diming.KindOf(err) != diming.Invalid {
				return err
			}
			// Show the whole list with what to fix, rather than an error page.
			status, data.Error, data.Fields = http.StatusUnprocessableEntity, errMessage(err), fieldsOf(err)
			f = gazetteer.HeritageFilter{Limit: 50}
		}
		page, err := g.Heritage(c.Request().Context(), f)
		if err != nil {
			return err
		}
		data.Total = page.Total
		for _, h := range page.Entries {
			data.Entries = append(data.Entries, toHeritageEntryDTO(h))
		}
		seen := map[string]bool{}
		for _, b := range page.Batches {
			data.Batches = append(data.Batches, toHeritageBatchDTO(b))
			for _, cat := range b.Categories {
				if !seen[cat] {
					seen[cat] = true
					data.Categories = append(data.Categories, heritageCategory{Name: cat, Criteria: gazetteer.HeritageCriteria(cat)})
				}
			}
		}
		data.From, data.To = f.Offset+1, f.Offset+len(page.Entries)
		q := c.QueryParams()
		if f.Offset > 0 {
			q.Set("offset", strconv.Itoa(max(0, f.Offset-f.Limit)))
			data.Prev = "/heritage?" + q.Encode()
		}
		if f.Offset+len(page.Entries) < page.Total {
			q.Set("offset", strconv.Itoa(f.Offset+f.Limit))
			data.Next = "/heritage?" + q.Encode()
		}
		return p.render(c, status, "heritage", pageData{Title: "地名文化遗产保护名录", Active: "heritage", Data: data})
	}
}

func errMessage(err error) string {
	var e *diming.Error
	if errors.As(err, &e) && e.Msg != "" {
		return e.Msg
	}
	return "请求有误，请检查后重试"
}
