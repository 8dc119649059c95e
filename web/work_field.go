package web

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// The field workspace: boundary work for inspectors (/work/boundaries),
// doorplates for their issuer (/work/plates, work_field_plates.go) and
// community grids for community admins (/work/grids, work_field_grids.go).
// Pages read through the services with the signed-in user's context;
// their forms write through the JSON API.

// addFieldPages registers the field workspace's pages.
func addFieldPages(w *echo.Group, p *pages, d Deps) {
	// doorplateHTML marks the routes as pages: a refusal renders as one.
	if d.Boundaries != nil {
		w.GET("/boundaries", handleBoundariesPage(p, d.Boundaries), doorplateHTML)
		w.GET("/boundaries/lines/:id", handleLinePage(p, d.Boundaries), doorplateHTML)
	}
	if d.Doorplate != nil {
		w.GET("/plates", handlePlatesPage(p, d), doorplateHTML)
		w.GET("/grids", handleGridsPage(p, d), doorplateHTML)
	}
}

// lineRow is a line as the boundary list shows it.
type lineRow struct {
	Line     boundaries.Line
	Overdue  bool
	DueSince *time.Time
	Latest   *boundaries.Inspection
	Markers  int
}

type boundariesPage struct {
	Division     string
	DivisionName string
	Lines        []lineRow
	Overdue      int
	Cycle        int
	Map          *geojson.FeatureCollection
	Truncated    bool
}

// pageLineLimit bounds the lines one page lists with markers and
// inspections; a narrower division lists the rest.
const pageLineLimit = 200

func handleBoundariesPage(p *pages, svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := p.signedIn(c)
		if u == nil {
			return err
		}
		ctx := c.Request().Context()
		data := boundariesPage{Division: c.QueryParam("division"), Cycle: boundaries.InspectionCycle}
		if data.Division == "" {
			data.Division = u.Scope
		}
		if data.Division != "" {
			d, err := svc.Division(ctx, data.Division)
			if err != nil {
				return err
			}
			data.DivisionName = d.Name
			if data.Lines, data.Truncated, err = lineRows(c, svc, data.Division); err != nil {
				return err
			}
			data.Map = linesMap(c, svc, data.Lines)
		}
		for _, r := range data.Lines {
			if r.Overdue {
				data.Overdue++
			}
		}
		return p.render(c, http.StatusOK, "field_boundaries", pageData{Title: "界线联检", Active: "boundaries", Data: data})
	}
}

// lineRows lists the current lines of a division, overdue ones first,
// with their markers and latest inspection.
func lineRows(c echo.Context, svc *boundaries.Service, division string) ([]lineRow, bool, error) {
	ctx := c.Request().Context()
	ls, err := svc.Lines(ctx, boundaries.LineFilter{Code: division, Limit: pageLineLimit + 1})
	if err != nil {
		return nil, false, err
	}
	truncated := len(ls) > pageLineLimit
	if truncated {
		ls = ls[:pageLineLimit]
	}
	overdue, err := svc.OverdueLines(ctx, division, time.Time{})
	if err != nil {
		return nil, false, err
	}
	due := map[int64]boundaries.OverdueLine{}
	for _, o := range overdue {
		due[o.Line.ID] = o
	}
	var rows, fine []lineRow
	for _, l := range ls {
		if l.Status == boundaries.LineRetired {
			continue
		}
		r := lineRow{Line: l}
		if o, ok := due[l.ID]; ok {
			r.Overdue, r.DueSince = true, o.DueSince
		}
		if r.Latest, err = svc.LatestInspection(ctx, l.ID); err != nil {
			return nil, false, err
		}
		ms, err := svc.Markers(ctx, l.ID)
		if err != nil {
			return nil, false, err
		}
		r.Markers = len(ms)
		if r.Overdue {
			rows = append(rows, r)
		} else {
			fine = append(fine, r)
		}
	}
	return append(rows, fine...), truncated, nil
}

// linesMap is the lines and their markers as GeoJSON for the page's map;
// overdue lines carry overdue=true so the map draws them apart.
func linesMap(c echo.Context, svc *boundaries.Service, rows []lineRow) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, r := range rows {
		f := geojson.NewFeature(r.Line.Geom)
		f.Properties = geojson.Properties{"kind": "line", "id": r.Line.ID, "name": r.Line.Name, "overdue": r.Overdue}
		fc.Append(f)
		ms, err := svc.Markers(c.Request().Context(), r.Line.ID)
		if err != nil {
			continue // the list above already read them; a failure here only thins the map
		}
		for _, m := range ms {
			fc.Append(markerFeature(m))
		}
	}
	return fc
}

func markerFeature(m boundaries.Marker) *geojson.Feature {
	f := geojson.NewFeature(orb.Point(m.Position))
	f.Properties = geojson.Properties{"kind": "marker", "id": m.ID, "line_id": m.LineID, "number": m.Number,
		"status": m.Status, "label": markerStatusLabel(m.Status)}
	return f
}

var markerStatusLabels = map[string]string{
	boundaries.MarkerPlanned: "规划", boundaries.MarkerActive: "正常", boundaries.MarkerDamaged: "损坏",
	boundaries.MarkerRepaired: "已修复", boundaries.MarkerMoved: "已移位", boundaries.MarkerRetired: "已废止",
}

func markerStatusLabel(s string) string {
	if l, ok := markerStatusLabels[s]; ok {
		return l
	}
	return s
}

func checkStatusLabel(s string) string {
	for _, c := range boundaries.CheckStatuses {
		if c.Code == s {
			return c.Label
		}
	}
	return s
}

// sideView is one side of a line on the line page: who signed the latest
// inspection for it, and whether the viewer may sign now (and if not, why).
type sideView struct {
	Code, Name string
	SignedBy   string
	SignedAt   *time.Time
	CanSign    bool
	Why        string
}

type linePage struct {
	Line       boundaries.Line
	Overdue    bool
	DueSince   *time.Time
	Markers    []boundaries.Marker
	Latest     *boundaries.Inspection
	Sides      [2]sideView
	CanAct     bool // may record an inspection now
	RoundDone  bool // the current round has its inspection
	Round      int
	Today      string
	Statuses   []struct{ Code, Label string }
	Map        *geojson.FeatureCollection
	GeoJSONURL string
	KMLURL     string
}

func handleLinePage(p *pages, svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := p.signedIn(c)
		if u == nil {
			return err
		}
		id, err := pathID(c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		l, err := svc.Line(ctx, id)
		if err != nil {
			return err
		}
		now := time.Now()
		data := linePage{Line: l, Round: boundaries.RoundOf(now), Today: now.Format(time.DateOnly), Statuses: boundaries.CheckStatuses,
			GeoJSONURL: "/api/v1/boundary-lines/" + c.Param("id") + "/export?format=geojson",
			KMLURL:     "/api/v1/boundary-lines/" + c.Param("id") + "/export?format=kml"}
		if data.Markers, err = svc.Markers(ctx, id); err != nil {
			return err
		}
		if data.Latest, err = svc.LatestInspection(ctx, id); err != nil {
			return err
		}
		overdue, err := svc.OverdueLines(ctx, l.LeftCode, time.Time{})
		if err != nil {
			return err
		}
		for _, o := range overdue {
			if o.Line.ID == l.ID {
				data.Overdue, data.DueSince = true, o.DueSince
			}
		}
		data.RoundDone = data.Latest != nil && data.Latest.Round == data.Round
		data.CanAct = boundaries.AuthorizeLine(u, l) == nil && l.Status != boundaries.LineRetired
		data.Sides = sides(u, l, data.Latest)
		data.Map = linesMap(c, svc, []lineRow{{Line: l, Overdue: data.Overdue}})
		return p.render(c, http.StatusOK, "field_line", pageData{Title: l.Name, Active: "boundaries", Data: data})
	}
}

// sides asks boundaries.AuthorizeSignature, the one rule, whether u may
// sign each side of the latest inspection.
func sides(u *diming.User, l boundaries.Line, in *boundaries.Inspection) [2]sideView {
	out := [2]sideView{{Code: l.LeftCode, Name: l.LeftName}, {Code: l.RightCode, Name: l.RightName}}
	if in == nil {
		return out
	}
	out[0].SignedBy, out[0].SignedAt = in.LeftSignedBy, in.LeftSignedAt
	out[1].SignedBy, out[1].SignedAt = in.RightSignedBy, in.RightSignedAt
	for i := range out {
		if out[i].SignedBy != "" {
			continue
		}
		if err := boundaries.AuthorizeSignature(u, l, *in, out[i].Code); err != nil {
			out[i].Why = messageOf(err)
		} else {
			out[i].CanSign = true
		}
	}
	return out
}

// messageOf is an error's message for people.
func messageOf(err error) string {
	if m := diming.MessageOf(err); m != "" {
		return m
	}
	return "操作失败"
}

// fieldFuncs are the template functions of the field pages.
func fieldFuncs(a *assets) template.FuncMap {
	return template.FuncMap{
		// mapCSS is MapLibre's stylesheet, which the map's controls need.
		"mapCSS": func() string {
			if files := a.Glob("vendor/maplibre-gl@*/maplibre-gl.css"); len(files) > 0 {
				return a.URL(files[len(files)-1])
			}
			return ""
		},
		"km":           func(m float64) string { return strconv.FormatFloat(m/1000, 'f', 1, 64) },
		"lineSource":   lineSourceLabel,
		"deref":        func(t *time.Time) time.Time { return *t },
		"markerStatus": markerStatusLabel,
		"checkStatus":  checkStatusLabel,
		"lonlat": func(p orb.Point) string {
			return strconv.FormatFloat(p[0], 'f', 6, 64) + ", " + strconv.FormatFloat(p[1], 'f', 6, 64)
		},
		"checkOf": func(in *boundaries.Inspection, markerID int64) *boundaries.MarkerCheck {
			if in == nil {
				return nil
			}
			for i := range in.Checks {
				if in.Checks[i].MarkerID == markerID {
					return &in.Checks[i]
				}
			}
			return nil
		},
		"datetime": func(t time.Time) string { return t.In(chinaTime).Format("2006-01-02 15:04") },
	}
}

// chinaTime is the time zone dates and times are shown in.
var chinaTime = time.FixedZone("CST", 8*3600)

func lineSourceLabel(s string) string {
	switch s {
	case "derived":
		return "由相邻区划边界推算（非实测）"
	case "imported":
		return "导入"
	case "surveyed":
		return "实测"
	}
	return s
}
