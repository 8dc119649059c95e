package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/diming/diming"
	"github.com/diming/diming/gazetteer"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

type placeRefDTO struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Romanization string `json:"romanization"`
	Category     int    `json:"category"`
	DivisionCode string `json:"division_code"`
	Status       string `json:"status"`
}

func toPlaceRefDTO(r gazetteer.PlaceRef) placeRefDTO {
	return placeRefDTO{ID: r.ID, Name: r.Name, Romanization: r.Romanization, Category: int(r.Category), DivisionCode: r.DivisionCode, Status: string(r.Status)}
}

// hitDTO is one search result. Point ([lon, lat]), BBox ([west, south,
// east, north]) and Chain are those of the name the result opens: Current
// for a historical name or an old division name, the hit itself otherwise.
type hitDTO struct {
	placeRefDTO
	CategoryName string       `json:"category_name"`
	Current      *placeRefDTO `json:"current,omitempty"`
	Distance     *float64     `json:"distance_m,omitempty"`
	Match        string       `json:"match,omitempty"`
	OldName      *oldNameDTO  `json:"old_name,omitempty"`
	locusDTO
}

type oldNameDTO struct {
	Code    string  `json:"code"`
	Name    string  `json:"name"`
	ValidTo *string `json:"valid_to,omitempty"`
}

// locusDTO is where a place is: Point and BBox are null for a name
// without geometry; Chain lists the divisions it lies in, province first.
type locusDTO struct {
	Point *[2]float64    `json:"point"`
	BBox  *[4]float64    `json:"bbox"`
	Chain []chainLinkDTO `json:"chain"`
}

type chainLinkDTO struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level int    `json:"level"`
}

func toLocusDTO(l gazetteer.Locus) locusDTO {
	d := locusDTO{Chain: make([]chainLinkDTO, 0, len(l.Chain))}
	if l.Point != nil {
		d.Point = &[2]float64{l.Point[0], l.Point[1]}
	}
	if l.Bound != nil {
		d.BBox = &[4]float64{l.Bound.Min[0], l.Bound.Min[1], l.Bound.Max[0], l.Bound.Max[1]}
	}
	for _, c := range l.Chain {
		d.Chain = append(d.Chain, chainLinkDTO{Code: c.Code, Name: c.Name, Level: c.Level})
	}
	return d
}

func toHitDTOs(hs []gazetteer.Hit) []hitDTO {
	out := make([]hitDTO, 0, len(hs))
	for _, h := range hs {
		d := hitDTO{placeRefDTO: toPlaceRefDTO(h.PlaceRef), CategoryName: gazetteer.CategoryNames[h.Category], Distance: h.Distance,
			Match: h.Match, locusDTO: toLocusDTO(h.Locus)}
		if h.Current != nil {
			c := toPlaceRefDTO(*h.Current)
			d.Current = &c
		}
		if h.Old != nil {
			d.OldName = &oldNameDTO{Code: h.Old.Code, Name: h.Old.Name, ValidTo: day(h.Old.ValidTo)}
		}
		out = append(out, d)
	}
	return out
}

type placeDTO struct {
	ID             int64             `json:"id"`
	PlaceCode      string            `json:"place_code,omitempty"`
	Name           string            `json:"name"`
	Specific       string            `json:"specific"`
	Generic        string            `json:"generic"`
	Category       int               `json:"category"`
	CategoryName   string            `json:"category_name"`
	Subcategory    string            `json:"subcategory,omitempty"`
	Romanization   string            `json:"romanization"`
	Toned          string            `json:"romanization_toned"`
	Readings       map[string]string `json:"readings,omitempty"`
	Unread         []int             `json:"unread,omitempty"`
	DivisionCode   string            `json:"division_code"`
	SourceDivision string            `json:"source_division,omitempty"`
	Meaning        string            `json:"meaning"`
	Origin         string            `json:"origin"`
	History        string            `json:"history"`
	Description    string            `json:"description"`
	Geometry       *geojson.Geometry `json:"geometry,omitempty"`
	ApprovedBy     string            `json:"approved_by,omitempty"`
	ApprovedOn     *string           `json:"approved_on,omitempty"`
	ApprovalDoc    string            `json:"approval_doc,omitempty"`
	Status         string            `json:"status"`
	ValidFrom      *string           `json:"valid_from,omitempty"`
	ValidTo        *string           `json:"valid_to,omitempty"`
	Supersedes     *int64            `json:"supersedes,omitempty"`
	SupersededBy   *int64            `json:"superseded_by,omitempty"`
	Current        *placeRefDTO      `json:"current,omitempty"`
	Heritage       []heritageDTO     `json:"heritage,omitempty"`
	Generated      bool              `json:"generated,omitempty"`
	Version        int               `json:"version"`
	locusDTO
}

type heritageDTO struct {
	ListName           string  `json:"list_name"`
	Category           string  `json:"category"`
	Level              string  `json:"level"`
	Batch              int     `json:"batch,omitempty"`
	Announced          *string `json:"announced,omitempty"`
	ProtectionMeasures string  `json:"protection_measures,omitempty"`
	Shortlist          bool    `json:"shortlist,omitempty"`
	SourceURL          string  `json:"source_url,omitempty"`
}

func toPlaceDTO(p gazetteer.Place) placeDTO {
	d := placeDTO{ID: p.ID, PlaceCode: p.PlaceCode, Name: p.Name, Specific: p.Specific, Generic: p.Generic, Category: int(p.Category),
		CategoryName: gazetteer.CategoryNames[p.Category], Subcategory: p.Subcategory, Romanization: p.Romanization.Text,
		Toned: p.Romanization.Toned, Unread: p.Unread, DivisionCode: p.DivisionCode, SourceDivision: p.SourceDivision,
		Meaning: p.Meaning, Origin: p.Origin, History: p.History, Description: p.Description, ApprovedBy: p.ApprovedBy,
		ApprovedOn: day(p.ApprovedOn), ApprovalDoc: p.ApprovalDoc, Status: string(p.Status), ValidFrom: day(p.ValidFrom),
		ValidTo: day(p.ValidTo), Supersedes: p.Supersedes, SupersededBy: p.SupersededBy, Generated: p.Generated, Version: p.Version}
	if p.Geometry != nil {
		d.Geometry = geojson.NewGeometry(p.Geometry)
	}
	if len(p.Readings) > 0 {
		d.Readings = map[string]string{}
		for k, v := range p.Readings {
			d.Readings[strconv.Itoa(k)] = v
		}
	}
	if p.Current != nil {
		c := toPlaceRefDTO(*p.Current)
		d.Current = &c
	}
	for _, h := range p.Heritage {
		d.Heritage = append(d.Heritage, heritageDTO{ListName: h.ListName, Category: h.Category, Level: string(h.Level), Batch: h.Batch,
			Announced: day(h.Announced), ProtectionMeasures: h.ProtectionMeasures, Shortlist: h.Shortlist, SourceURL: h.SourceURL})
	}
	return d
}

// parsePlaceSearch reads GET /api/v1/places?q=&category=&division=
// &near=lon,lat,metres&historical=true&limit=&offset= into a filter once;
// Invalid naming each field that does not parse.
func parsePlaceSearch(c echo.Context) (gazetteer.Filter, error) {
	f := gazetteer.Filter{Query: c.QueryParam("q"), DivisionCode: c.QueryParam("division"), Historical: c.QueryParam("historical") == "true"}
	fe := diming.FieldErrors{}
	atoi := func(name string, dst *int) {
		if v := c.QueryParam(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				fe.Add(name, "应为整数")
			}
			*dst = n
		}
	}
	var cat int
	atoi("category", &cat)
	atoi("limit", &f.Limit)
	atoi("offset", &f.Offset)
	f.Category = gazetteer.Category(cat)
	if v := c.QueryParam("near"); v != "" {
		var xs []float64
		for _, p := range strings.Split(v, ",") {
			if x, err := strconv.ParseFloat(strings.TrimSpace(p), 64); err == nil {
				xs = append(xs, x)
			}
		}
		if len(xs) != 3 {
			fe.Add("near", "应为“经度,纬度,半径（米）”")
		} else {
			f.Near = &gazetteer.Near{Lon: xs[0], Lat: xs[1], Radius: xs[2]}
		}
	}
	if len(fe) > 0 {
		return f, diming.E("web.placeSearch", diming.Invalid, "搜索条件有误，请按提示修改", map[string]string(fe))
	}
	return f, nil
}

// handlePlaceSearch: GET /api/v1/places (see parsePlaceSearch).
func handlePlaceSearch(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := parsePlaceSearch(c)
		if err != nil {
			return err
		}
		hits, err := g.Search(c.Request().Context(), f)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"places": toHitDTOs(hits)})
	}
}

// handlePlaceAutocomplete: GET /api/v1/places/autocomplete?q=&limit= —
// the suggestions the map shows as a user types.
func handlePlaceAutocomplete(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit, err := queryLimit(c, gazetteer.MaxSuggestions)
		if err != nil {
			return err
		}
		hits, err := g.Autocomplete(c.Request().Context(), c.QueryParam("q"), limit)
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=60")
		return c.JSON(http.StatusOK, map[string]any{"places": toHitDTOs(hits)})
	}
}

func handlePlaceGet(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		p, err := g.FindPlace(c.Request().Context(), id)
		if err != nil {
			return err
		}
		d := toPlaceDTO(p)
		// The panel shows where the name is and flies there.
		target := p.ID
		if p.Current != nil {
			target = p.Current.ID
		}
		l, err := g.Locate(c.Request().Context(), target)
		if err != nil {
			return err
		}
		d.locusDTO = toLocusDTO(l)
		return c.JSON(http.StatusOK, d)
	}
}

type placeCreateRequest struct {
	Name         string            `json:"name"`
	Specific     string            `json:"specific"`
	Generic      string            `json:"generic"`
	Category     int               `json:"category"`
	Subcategory  string            `json:"subcategory"`
	Readings     map[string]string `json:"readings"`
	DivisionCode string            `json:"division_code"`
	Meaning      string            `json:"meaning"`
	Origin       string            `json:"origin"`
	History      string            `json:"history"`
	Description  string            `json:"description"`
	Geometry     json.RawMessage   `json:"geometry"`
}

// Parse turns the request into the gazetteer's command, checking the
// readings and the geometry once.
func (r placeCreateRequest) Parse(context.Context) (gazetteer.NewPlace, map[string]string) {
	p := map[string]string{}
	readings, geom := parseReadingsGeometry(r.Readings, r.Geometry, p)
	return gazetteer.NewPlace{Name: r.Name, Specific: r.Specific, Generic: r.Generic,
		Category: gazetteer.Category(r.Category), Subcategory: r.Subcategory, Readings: readings, DivisionCode: r.DivisionCode,
		Meaning: r.Meaning, Origin: r.Origin, History: r.History, Description: r.Description, Geometry: geom}, p
}

// Messages for the fields a place request parses itself.
const (
	msgReadings = "读音的键应为从 0 起的字序号，如 {\"0\": \"zhòng\"}"
	msgGeometry = "应为 GeoJSON 几何（CGCS2000 经纬度）"
)

// parseReadingsGeometry parses the two fields every name request shares,
// adding a message per field to p for what does not parse.
func parseReadingsGeometry(rs map[string]string, g json.RawMessage, p map[string]string) (gazetteer.Readings, orb.Geometry) {
	readings, err := parseReadings(rs)
	if err != nil {
		p["readings"] = msgReadings
	}
	geom, err := parseGeometry(g)
	if err != nil {
		p["geometry"] = msgGeometry
	}
	return readings, geom
}

func parseReadings(m map[string]string) (gazetteer.Readings, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := gazetteer.Readings{}
	for k, v := range m {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 {
			return nil, diming.Errorf(diming.Invalid, "bad position %q", k)
		}
		out[i] = v
	}
	return out, nil
}

func parseGeometry(raw json.RawMessage) (orb.Geometry, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, err
	}
	return g.Geometry(), nil
}

func handlePlaceCreate(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		np, err := decodeCommand[placeCreateRequest](c)
		if err != nil {
			return err
		}
		p, err := g.CreatePlace(c.Request().Context(), np)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, toPlaceDTO(p))
	}
}

type placeUpdateRequest struct {
	Meaning     *string            `json:"meaning"`
	Origin      *string            `json:"origin"`
	History     *string            `json:"history"`
	Description *string            `json:"description"`
	Readings    *map[string]string `json:"readings"`
	Geometry    json.RawMessage    `json:"geometry"`
	Version     int                `json:"version"`
}

// Parse turns the request into the gazetteer's update, checking the
// version, the readings and the geometry once.
func (r placeUpdateRequest) Parse(context.Context) (gazetteer.PlaceUpdate, map[string]string) {
	p := map[string]string{}
	up := gazetteer.PlaceUpdate{Meaning: r.Meaning, Origin: r.Origin, History: r.History, Description: r.Description, Version: r.Version}
	if r.Version <= 0 {
		p["version"] = diming.MsgVersion
	}
	if r.Readings != nil {
		readings, err := parseReadings(*r.Readings)
		if err != nil {
			p["readings"] = msgReadings
		}
		up.Readings = &readings
	}
	geom, err := parseGeometry(r.Geometry)
	if err != nil {
		p["geometry"] = msgGeometry
	}
	up.Geometry = geom
	return up, p
}

func handlePlaceUpdate(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		up, err := decodeCommand[placeUpdateRequest](c)
		if err != nil {
			return err
		}
		p, err := g.UpdatePlace(c.Request().Context(), id, up)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toPlaceDTO(p))
	}
}
