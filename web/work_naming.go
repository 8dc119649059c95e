package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/gazetteer"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"
)

// addNamingPages adds the naming workspace: the proposal form, the review
// queue and one application's page. They read through the gazetteer
// service with the signed-in user's context; every write goes through the
// JSON API, so the service decides roles, scope and states.
func addNamingPages(w *echo.Group, p *pages, d Deps) {
	g := d.Gazetteer
	if g == nil {
		return
	}
	w.GET("/propose", handleProposePage(p, d))
	w.GET("/queue", handleQueuePage(p, g))
	w.GET("/applications/:id", handleApplicationPage(p, g))
	w.GET("/duplicates", handleDuplicatesPage(p, g), doorplateHTML)
}

// option is one choice of a select.
type option struct{ Value, Label string }

func categoryOptions() []option {
	var out []option
	for c := gazetteer.Natural; c <= gazetteer.Other; c++ {
		out = append(out, option{Value: strconv.Itoa(int(c)), Label: gazetteer.CategoryNames[c]})
	}
	return out
}

func reportOptions() []option {
	var out []option
	for _, k := range gazetteer.ReportKinds() {
		out = append(out, option{Value: string(k), Label: k.Label()})
	}
	return out
}

type proposePage struct {
	Center     string // "lon,lat" of the user's division, "" when unknown
	Categories []option
	Divisions  []option // the user's division and its children; empty: type a code
	Reports    []option
}

func handleProposePage(p *pages, d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := p.signedIn(c)
		if u == nil {
			return err
		}
		if !u.Has(diming.RoleCommittee) {
			return diming.E("web.propose", diming.Forbidden, "地名申报需要地名委员会委员角色")
		}
		return p.render(c, http.StatusOK, "propose", pageData{Title: "地名申报", Active: "propose",
			Data: proposePage{Center: scopeCenter(c, d, u), Categories: categoryOptions(), Divisions: scopeDivisions(c, d, u),
				Reports: reportOptions()}})
	}
}

// scopeDivisions lists the user's division and the ones below it, to pick
// from; nil when the user's scope is the country or divisions are unknown.
func scopeDivisions(c echo.Context, d Deps, u *diming.User) []option {
	if d.Boundaries == nil || u.Scope == "" {
		return nil
	}
	det, err := d.Boundaries.Division(c.Request().Context(), u.Scope)
	if err != nil {
		return nil
	}
	out := []option{{Value: det.Code, Label: det.Name + "（" + det.Code + "）"}}
	for _, ch := range det.Children {
		out = append(out, option{Value: ch.Code, Label: "　" + ch.Name + "（" + ch.Code + "）"})
	}
	return out
}

// scopeCenter is where the proposal map opens: the middle of the boundary
// lines within the user's division, "" when there are none to go by.
func scopeCenter(c echo.Context, d Deps, u *diming.User) string {
	if d.Boundaries == nil || u.Scope == "" {
		return ""
	}
	ls, err := d.Boundaries.Lines(c.Request().Context(), boundaries.LineFilter{Code: u.Scope, Limit: 200})
	if err != nil || len(ls) == 0 {
		return ""
	}
	b := ls[0].Geom.Bound()
	for _, l := range ls[1:] {
		b = b.Union(l.Geom.Bound())
	}
	ctr := b.Center()
	return strconv.FormatFloat(ctr[0], 'f', 5, 64) + "," + strconv.FormatFloat(ctr[1], 'f', 5, 64)
}

// queueRow is one line of the review queue.
type queueRow struct {
	ID       int64
	Name     string
	Category string
	Division string
	State    string
	Todo     []string
	DueWhat  string
	Due      string
	DaysLate int
}

func handleQueuePage(p *pages, g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := p.signedIn(c)
		if u == nil {
			return err
		}
		items, err := g.Queue(c.Request().Context())
		if err != nil {
			return err
		}
		rows := []queueRow{}
		for _, q := range items {
			a := q.Application
			r := queueRow{ID: a.ID, Name: a.Name, Category: gazetteer.CategoryNames[a.Category], Division: p.divisions.name(c.Request().Context(), a.DivisionCode),
				State: a.State.Label(), DueWhat: gazetteer.DeadlineLabel(q.DueWhat), DaysLate: q.DaysLate}
			if q.Due != nil {
				r.Due = q.Due.Format(time.DateOnly)
			}
			for _, act := range q.Actions {
				r.Todo = append(r.Todo, act.Label())
			}
			for _, k := range q.Reports {
				r.Todo = append(r.Todo, "附"+k.Label())
			}
			rows = append(rows, r)
		}
		return p.render(c, http.StatusOK, "queue", pageData{Title: "待办审核", Active: "queue", Data: rows})
	}
}

// actionForm is one transition the user may take, with the fields it needs.
type actionForm struct {
	Action   string
	Label    string
	NeedNote bool
	Approve  bool // approving body, document, government flag
	Dated    bool
	Danger   bool
	Hint     string // why the action would be refused now, if it would
}

type applicationPage struct {
	App          applicationDTO
	Division     string       // the division's name and code
	RenameOf     *placeRefDTO // the name a rename replaces
	StateLabel   string
	Category     string
	Romanization string
	Geometry     string // GeoJSON, "" when none
	Findings     []findingDTO
	Missing      []string
	Required     []string
	Reports      []reportRow
	Events       []eventRow
	Actions      []actionForm
	ReportKinds  []option // the kinds the user may attach now
	Today        string
	Due          string
	DueWhat      string
}

type reportRow struct {
	Kind, Title, Body, Author, At string
	File                          *reportFileDTO
}

type eventRow struct {
	Action, From, To, Actor, At, Note string
}

func handleApplicationPage(p *pages, g *gazetteer.Service) echo.HandlerFunc {
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
		a, err := g.FindApplication(ctx, id)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		pg := applicationPage{App: toApplicationDTO(a), Division: p.divisions.name(ctx, a.DivisionCode), StateLabel: a.State.Label(), Category: gazetteer.CategoryNames[a.Category],
			Today: today.Format(time.DateOnly)}
		if prop, err := g.Proposal(ctx, a); err == nil {
			pg.Romanization = prop.Romanization.Text
		}
		if a.RenameOf != nil {
			old, err := g.FindPlace(ctx, *a.RenameOf)
			if err != nil {
				return err
			}
			ref := toPlaceRefDTO(old.Ref())
			pg.RenameOf = &ref
		}
		if a.Geometry != nil {
			if b, err := json.Marshal(geojson.NewGeometry(a.Geometry)); err == nil {
				pg.Geometry = string(b)
			}
		}
		if fs, err := g.Check(ctx, a); err == nil {
			pg.Findings = toFindingDTOs(fs)
		}
		for _, k := range a.MissingReports() {
			pg.Missing = append(pg.Missing, k.Label())
		}
		for _, k := range a.RequiredReports {
			pg.Required = append(pg.Required, k.Label())
		}
		if what, due, ok := a.Deadline(); ok {
			pg.DueWhat, pg.Due = gazetteer.DeadlineLabel(what), due.Format(time.DateOnly)
		}
		for _, r := range a.Reports {
			pg.Reports = append(pg.Reports, reportRow{Kind: r.Kind.Label(), Title: r.Title, Body: r.Body, Author: r.Author,
				At: r.CreatedAt.Format("2006-01-02 15:04"), File: toReportDTO(r).File})
		}
		for _, e := range a.Events {
			pg.Events = append(pg.Events, eventRow{Action: e.Action.Label(), From: e.From.Label(), To: e.To.Label(), Actor: e.Actor,
				At: e.At.Format("2006-01-02 15:04"), Note: e.Note})
		}
		for _, act := range a.ActionsFor(u) {
			t := gazetteer.Transitions[act]
			pg.Actions = append(pg.Actions, actionForm{Action: string(act), Label: act.Label(), NeedNote: t.NeedNote,
				Approve: act == gazetteer.ActApprove, Dated: act.Dated(),
				Danger: act == gazetteer.ActDeny || act == gazetteer.ActNotAccept})
			if act == gazetteer.ActCompleteEval {
				if err := a.EvaluationDone(today); err != nil {
					pg.Actions[len(pg.Actions)-1].Hint = diming.MessageOf(err)
				}
			}
		}
		for _, k := range a.ReportsFor(u) {
			pg.ReportKinds = append(pg.ReportKinds, option{Value: string(k), Label: k.Label()})
		}
		return p.render(c, http.StatusOK, "application", pageData{Title: "申请：" + a.Name, Active: "queue", Data: pg})
	}
}
