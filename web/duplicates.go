package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/romanize"
	"github.com/labstack/echo/v4"
)

type duplicateGroupDTO struct {
	Kind     string        `json:"kind"` // same_name or same_sound
	Category int           `json:"category"`
	Sound    string        `json:"sound"`
	Scope    string        `json:"scope"`
	Source   string        `json:"source"`
	Prefixes []string      `json:"prefixes"`
	Reason   string        `json:"reason"` // in Chinese
	Places   []placeRefDTO `json:"places"`
}

type duplicateReportDTO struct {
	Division string              `json:"division"`
	Groups   []duplicateGroupDTO `json:"groups"`
	Names    int                 `json:"names"`
}

// handleDuplicates is the clean-up report (不规范地名清理整治) of a division:
// ?division=CODE, JSON by default, CSV with format=csv.
func handleDuplicates(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		rep, err := g.Duplicates(c.Request().Context(), c.QueryParam("division"))
		if err != nil {
			return err
		}
		if c.QueryParam("format") == "csv" {
			return duplicatesCSV(c, rep)
		}
		out := duplicateReportDTO{Division: rep.Division, Groups: []duplicateGroupDTO{}, Names: rep.Names}
		for _, gr := range rep.Groups {
			d := duplicateGroupDTO{Kind: gr.Kind, Category: int(gr.Category), Sound: gr.Sound, Scope: string(gr.Scope),
				Source: gr.Source, Prefixes: gr.Prefixes, Reason: gr.Reason()}
			for _, p := range gr.Places {
				d.Places = append(d.Places, toPlaceRefDTO(p))
			}
			out.Groups = append(out.Groups, d)
		}
		return c.JSON(http.StatusOK, out)
	}
}

func duplicatesCSV(c echo.Context, rep gazetteer.DuplicateReport) error {
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // spreadsheet programs read UTF-8 with its mark
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"组号", "类型", "地名类别", "读音", "范围", "依据", "地名ID", "地名", "罗马字母拼写", "行政区划代码"})
	for i, gr := range rep.Groups {
		kind := "重名"
		if gr.Kind == gazetteer.RuleSameSound {
			kind = "同音"
		}
		for _, p := range gr.Places {
			_ = w.Write([]string{strconv.Itoa(i + 1), kind, gazetteer.CategoryNames[gr.Category], gr.Sound,
				string(gr.Scope) + ":" + strings.Join(gr.Prefixes, "|"), gr.Source, strconv.FormatInt(p.ID, 10), p.Name,
				p.Romanization, p.DivisionCode})
		}
	}
	w.Flush()
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="duplicates-`+rep.Division+`.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

type standardizeRequest struct {
	PlaceID int64  `json:"place_id"`
	Name    string `json:"name"`
	Reasons string `json:"reasons"`
}

func (r standardizeRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if r.PlaceID <= 0 {
		p["place_id"] = "必填：要更名的地名"
	}
	if strings.TrimSpace(r.Name) == "" {
		p["name"] = "必填：新名称"
	}
	return p
}

// handleStandardize starts the renaming of a clashing name as a rename
// application of the normal workflow.
func handleStandardize(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, err := decodeValid[standardizeRequest](c)
		if err != nil {
			return err
		}
		a, err := g.Standardize(c.Request().Context(), req.PlaceID, strings.TrimSpace(req.Name), req.Reasons)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, toApplicationDTO(a))
	}
}

type readingDTO struct {
	Word   string `json:"word"`
	Pinyin string `json:"pinyin"`
	Source string `json:"source"`
}

func (r readingDTO) Valid(context.Context) map[string]string {
	if _, err := (romanize.Reading{Word: r.Word, Pinyin: r.Pinyin, Source: r.Source}).Syllables(); err != nil {
		return fieldsOf(err)
	}
	return nil
}

func toReadingDTOs(rs []romanize.Reading) []readingDTO {
	out := []readingDTO{}
	for _, r := range rs {
		out = append(out, readingDTO{Word: r.Word, Pinyin: r.Pinyin, Source: r.Source})
	}
	return out
}

func handleReadingsList(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		shipped, local, err := g.Readings(c.Request().Context())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"shipped": toReadingDTOs(shipped), "local": toReadingDTOs(local)})
	}
}

// handleReadingSave records an admin's reading and answers what the
// re-spelling of stored names changed.
func handleReadingSave(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, err := decodeValid[readingDTO](c)
		if err != nil {
			return err
		}
		rep, err := g.SaveReading(c.Request().Context(), romanize.Reading{Word: req.Word, Pinyin: req.Pinyin, Source: req.Source})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"reading": req, "places_changed": rep.Changed, "streets": rep.Streets,
			"addresses": rep.Addresses, "examples": rep.Examples})
	}
}
