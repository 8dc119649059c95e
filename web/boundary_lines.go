package web

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

type lineDTO struct {
	ID            int64             `json:"id"`
	Number        string            `json:"number"`
	Name          string            `json:"name"`
	LeftCode      string            `json:"left_code"`
	LeftName      string            `json:"left_name"`
	RightCode     string            `json:"right_code"`
	RightName     string            `json:"right_name"`
	Level         int               `json:"level"`
	LengthM       float64           `json:"length_m"`
	Status        string            `json:"status"`
	Source        string            `json:"source"`
	ToleranceM    float64           `json:"tolerance_m,omitempty"`
	EstablishedOn *string           `json:"established_on,omitempty"`
	Generated     bool              `json:"generated"`
	Version       int               `json:"version"`
	Geometry      *geojson.Geometry `json:"geometry,omitempty"`
}

func toLineDTO(l boundaries.Line, withGeom bool) lineDTO {
	d := lineDTO{ID: l.ID, Number: l.Number, Name: l.Name, LeftCode: l.LeftCode, LeftName: l.LeftName, RightCode: l.RightCode,
		RightName: l.RightName, Level: int(l.Level), LengthM: l.LengthM, Status: l.Status, Source: l.Source, ToleranceM: l.ToleranceM,
		EstablishedOn: day(l.EstablishedOn), Generated: l.Generated, Version: l.Version}
	if withGeom && l.Geom != nil {
		d.Geometry = geojson.NewGeometry(l.Geom)
	}
	return d
}

func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, diming.E("web.pathID", diming.NotFound, "no such record")
	}
	return id, nil
}

func lineFilter(c echo.Context) (boundaries.LineFilter, error) {
	f := boundaries.LineFilter{Code: c.QueryParam("division")}
	if s := c.QueryParam("level"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 5 {
			return f, diming.E("web.lineFilter", diming.Invalid, map[string]string{"level": "1 (province) to 5 (village)"})
		}
		f.Level = boundaries.Level(n)
	}
	var err error
	f.Limit, err = queryLimit(c, boundaries.MaxLinePage)
	return f, err
}

func handleLineList(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := lineFilter(c)
		if err != nil {
			return err
		}
		ls, err := svc.Lines(c.Request().Context(), f)
		if err != nil {
			return err
		}
		out := make([]lineDTO, 0, len(ls))
		for _, l := range ls {
			out = append(out, toLineDTO(l, false))
		}
		return c.JSON(http.StatusOK, map[string]any{"lines": out})
	}
}

func handleLineGet(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		l, err := svc.Line(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toLineDTO(l, true))
	}
}

type deriveRequest struct {
	Level      int     `json:"level"`
	Within     string  `json:"within"`
	ToleranceM float64 `json:"tolerance_m"`
}

func (r deriveRequest) Valid(context.Context) map[string]string {
	o := boundaries.DeriveOptions{Level: boundaries.Level(r.Level), Within: r.Within, ToleranceM: r.ToleranceM}
	return fieldsOf(o.Valid())
}

func fieldsOf(err error) map[string]string {
	var de *diming.Error
	if errors.As(err, &de) {
		return de.Fields
	}
	return nil
}

func handleLineDerive(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, err := decodeValid[deriveRequest](c)
		if err != nil {
			return err
		}
		rep, err := svc.DeriveLines(c.Request().Context(), boundaries.DeriveOptions{Level: boundaries.Level(req.Level),
			Within: req.Within, ToleranceM: req.ToleranceM})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]int{"pairs": rep.Pairs, "created": rep.Created, "updated": rep.Updated, "unchanged": rep.Unchanged})
	}
}

func handleLineOverdue(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		asOf, err := parseDay("as_of", c.QueryParam("as_of"))
		if err != nil {
			return err
		}
		var t time.Time
		if asOf != nil {
			t = *asOf
		}
		os, err := svc.OverdueLines(c.Request().Context(), c.QueryParam("division"), t)
		if err != nil {
			return err
		}
		out := []map[string]any{}
		for _, o := range os {
			out = append(out, map[string]any{"line": toLineDTO(o.Line, false), "last_inspected": day(o.LastInspected), "due_since": day(o.DueSince),
				"never_inspected": o.LastInspected == nil})
		}
		return c.JSON(http.StatusOK, map[string]any{"overdue": out, "cycle_years": boundaries.InspectionCycle})
	}
}

// handleLineExport serves one line (/boundary-lines/:id/export) or all
// lines of a division (?division=) as GeoJSON or KML (?format=kml).
func handleLineExport(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var id int64
		if c.Param("id") != "" {
			var err error
			if id, err = pathID(c); err != nil {
				return err
			}
		}
		es, err := svc.Export(c.Request().Context(), id, c.QueryParam("division"))
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		grade := exportGrader(c)
		name := "boundary-lines"
		if id != 0 {
			name = "boundary-line-" + strconv.FormatInt(id, 10)
		}
		switch c.QueryParam("format") {
		case "", "geojson":
			if err := boundaries.WriteGeoJSON(&buf, es, grade.record); err != nil {
				return err
			}
			if err := grade.done(c); err != nil {
				return err
			}
			c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.geojson"`)
			return c.Blob(http.StatusOK, "application/geo+json", buf.Bytes())
		case "kml":
			if err := boundaries.WriteKML(&buf, name, es, grade.record); err != nil {
				return err
			}
			if err := grade.done(c); err != nil {
				return err
			}
			c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.kml"`)
			return c.Blob(http.StatusOK, "application/vnd.google-earth.kml+xml", buf.Bytes())
		}
		return diming.E("web.lineExport", diming.Invalid, map[string]string{"format": "geojson or kml"})
	}
}

type markerDTO struct {
	ID          int64                  `json:"id"`
	LineID      int64                  `json:"line_id"`
	Number      string                 `json:"number"`
	Seq         int                    `json:"seq"`
	Type        string                 `json:"type"`
	SideCode    string                 `json:"side_code,omitempty"`
	Position    [2]float64             `json:"position"`
	Form        string                 `json:"form"`
	Material    string                 `json:"material"`
	References  []boundaries.Reference `json:"references"`
	Description string                 `json:"description"`
	Status      string                 `json:"status"`
	Published   bool                   `json:"published"`
	Generated   bool                   `json:"generated"`
	Version     int                    `json:"version"`
}

func toMarkerDTO(m boundaries.Marker) markerDTO {
	return markerDTO{ID: m.ID, LineID: m.LineID, Number: m.Number, Seq: m.Seq, Type: m.Type, SideCode: m.SideCode,
		Position: [2]float64(m.Position), Form: m.Form, Material: m.Material, References: m.References, Description: m.Description,
		Status: m.Status, Published: m.Published, Generated: m.Generated, Version: m.Version}
}

func handleMarkerList(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		ms, err := svc.Markers(c.Request().Context(), id)
		if err != nil {
			return err
		}
		out := make([]markerDTO, 0, len(ms))
		for _, m := range ms {
			out = append(out, toMarkerDTO(m))
		}
		return c.JSON(http.StatusOK, map[string]any{"markers": out})
	}
}

func handleMarkerGet(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		m, err := svc.Marker(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toMarkerDTO(m))
	}
}

type markerCreateRequest struct {
	Seq         int                    `json:"seq"`
	Type        string                 `json:"type"`
	SideCode    string                 `json:"side_code"`
	Position    [2]float64             `json:"position"`
	Form        string                 `json:"form"`
	Material    string                 `json:"material"`
	References  []boundaries.Reference `json:"references"`
	Description string                 `json:"description"`
	Status      string                 `json:"status"`
	Published   bool                   `json:"published"`
}

// Valid leaves the rules that need the line to the service.
func (r markerCreateRequest) Valid(context.Context) map[string]string { return nil }

func handleMarkerCreate(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		r, err := decodeValid[markerCreateRequest](c)
		if err != nil {
			return err
		}
		m, err := svc.AddMarker(c.Request().Context(), id, boundaries.NewMarker{Seq: r.Seq, Type: r.Type, SideCode: r.SideCode,
			Position: orb.Point(r.Position), Form: r.Form, Material: r.Material, References: r.References, Description: r.Description,
			Status: r.Status, Published: r.Published})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, toMarkerDTO(m))
	}
}

// markerUpdateRequest has no position: a marker moves only through
// POST /boundary-markers/:id/moves, and an unknown "position" field is
// refused by the strict decoder.
type markerUpdateRequest struct {
	Status      *string                 `json:"status"`
	Form        *string                 `json:"form"`
	Material    *string                 `json:"material"`
	References  *[]boundaries.Reference `json:"references"`
	Description *string                 `json:"description"`
	Published   *bool                   `json:"published"`
	Version     int                     `json:"version"`
}

func (r markerUpdateRequest) Valid(context.Context) map[string]string {
	if r.Version < 1 {
		return map[string]string{"version": diming.MsgVersion}
	}
	return nil
}

func handleMarkerUpdate(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		r, err := decodeValid[markerUpdateRequest](c)
		if err != nil {
			return err
		}
		m, err := svc.UpdateMarker(c.Request().Context(), id, boundaries.MarkerUpdate{Status: r.Status, Form: r.Form, Material: r.Material,
			References: r.References, Description: r.Description, Published: r.Published, Version: r.Version})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toMarkerDTO(m))
	}
}

type moveRequest struct {
	AgreementNo string     `json:"agreement_no"`
	AgreedOn    string     `json:"agreed_on"`
	SignedBy    []string   `json:"signed_by"`
	To          [2]float64 `json:"to"`
	Reason      string     `json:"reason"`
	Version     int        `json:"version"`
}

func (r moveRequest) Parse(context.Context) (boundaries.Move, map[string]string) {
	mv := boundaries.Move{AgreementNo: r.AgreementNo, SignedBy: r.SignedBy, To: orb.Point(r.To), Reason: r.Reason, Version: r.Version}
	var err error
	if mv.AgreedOn, err = time.Parse(time.DateOnly, r.AgreedOn); err != nil {
		return mv, map[string]string{"agreed_on": "the day of the agreement, YYYY-MM-DD"}
	}
	return mv, nil
}

func handleMarkerMove(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		mv, err := decodeCommand[moveRequest](c)
		if err != nil {
			return err
		}
		m, err := svc.MoveMarker(c.Request().Context(), id, mv)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toMarkerDTO(m))
	}
}
