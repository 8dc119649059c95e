package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/gazetteer"
	"github.com/paulmach/orb"
)

// demoApplication is a generated naming application and how far along the
// workflow it has gone, so the review queue has something for each role.
type demoApplication struct {
	name     string
	category gazetteer.Category
	dx, dy   float64 // from the demo road 人民路, in degrees
	steps    []gazetteer.Action
	reports  []gazetteer.ReportKind
	daysAgo  int // approval date, for approved ones
	reasons  string
}

var demoApplications = []demoApplication{
	{name: "秦望路", category: gazetteer.Street, dx: 0.006, dy: 0.006, steps: []gazetteer.Action{gazetteer.ActSubmit},
		reasons: "城北新建道路，需命名；以秦望山得名。"},
	{name: "兰亭路", category: gazetteer.Street, dx: -0.008, dy: -0.006,
		steps:   []gazetteer.Action{gazetteer.ActSubmit, gazetteer.ActAccept, gazetteer.ActStartEvaluation},
		reports: []gazetteer.ReportKind{gazetteer.ReportExpert}, reasons: "通往兰亭的道路，沿用兰亭之名。"},
	{name: "稽山路", category: gazetteer.Street, dx: 0.01, dy: -0.004,
		steps:   []gazetteer.Action{gazetteer.ActSubmit, gazetteer.ActAccept, gazetteer.ActStartEvaluation, gazetteer.ActCompleteEval},
		reasons: "南部新区主干路，以会稽山得名。"},
	{name: "若耶溪桥", category: gazetteer.Facility, dx: -0.004, dy: 0.008,
		steps: []gazetteer.Action{gazetteer.ActSubmit, gazetteer.ActAccept, gazetteer.ActStartEvaluation, gazetteer.ActCompleteEval,
			gazetteer.ActApprove}, daysAgo: 20, reasons: "跨若耶溪新建桥梁。"},
	{name: "会稽路", category: gazetteer.Street, dx: 0.002, dy: -0.009,
		steps: []gazetteer.Action{gazetteer.ActSubmit, gazetteer.ActAccept, gazetteer.ActStartEvaluation, gazetteer.ActCompleteEval,
			gazetteer.ActApprove, gazetteer.ActFile, gazetteer.ActAnnounce}, daysAgo: 10, reasons: "城南道路，以会稽古称命名。"},
}

// loadDemoNaming files the demo applications through the naming workflow
// (its rules and audit apply), once: a submitted one, one under evaluation
// waiting for the expert, one waiting for approval, and one approved 20
// days ago whose filing is overdue. A failure is logged, not fatal: the
// demo serves without them.
func loadDemoNaming(ctx context.Context, db *data.DB, logger *slog.Logger) {
	g := gazetteer.NewService(db, nil)
	clerk := &diming.User{Username: "演示委员", Roles: []diming.Role{diming.RoleAdmin}, Scope: boundaries.DemoCountyCode}
	actx := diming.WithUser(ctx, clerk)
	existing, err := g.FindApplications(actx, "")
	if err != nil || len(existing) > 0 {
		return
	}
	hits, err := g.Search(ctx, gazetteer.Filter{Query: "人民路", DivisionCode: boundaries.DemoCountyCode, Category: gazetteer.Street, Limit: 1})
	if err != nil || len(hits) == 0 {
		return
	}
	road, err := g.FindPlace(ctx, hits[0].ID)
	if err != nil || road.Geometry == nil {
		return
	}
	at := road.Geometry.Bound().Center()
	for _, d := range demoApplications {
		if err := fileDemoApplication(actx, g, d, road.DivisionCode, at); err != nil {
			logger.Warn("demo naming application skipped", "name", d.name, "err", err)
		}
	}
	logger.Info("demo naming applications loaded", "applications", len(demoApplications))
}

func fileDemoApplication(ctx context.Context, g *gazetteer.Service, d demoApplication, division string, at orb.Point) error {
	x, y := at[0]+d.dx, at[1]+d.dy
	days := 7 // the consultation of the ones still under evaluation runs on
	for _, act := range d.steps {
		if act == gazetteer.ActCompleteEval {
			days = 0
		}
	}
	var geom orb.Geometry = orb.LineString{{x - 0.003, y}, {x + 0.003, y + 0.0015}}
	a, err := g.CreateApplication(ctx, gazetteer.NewApplication{Name: d.name, Category: d.category, DivisionCode: division,
		Applicant: "若耶县住房和城乡建设局", Reasons: d.reasons, Location: "若耶县城区（演示数据）", SizeNature: "长约 600 米（演示数据）",
		Geometry: geom, RequiredReports: d.reports, ConsultationDays: days})
	if err != nil {
		return err
	}
	for _, act := range d.steps {
		in := gazetteer.ActInput{Version: a.Version}
		approved := time.Now().UTC().AddDate(0, 0, -d.daysAgo)
		switch act {
		case gazetteer.ActCompleteEval:
			if _, err := g.AttachReport(ctx, a.ID, gazetteer.Report{Kind: gazetteer.ReportConsultation, Title: d.name + "命名征求意见情况",
				Body: "公示 7 日，收到意见 2 条，均已答复（演示数据）。"}); err != nil {
				return err
			}
			if a, err = g.FindApplication(ctx, a.ID); err != nil {
				return err
			}
			in.Version = a.Version
		case gazetteer.ActApprove:
			in.ApprovingBody, in.ApprovalDoc, in.GovernmentApproved, in.Date = "若耶县人民政府", "若政复〔2026〕"+fmt.Sprint(10+d.daysAgo)+"号", true, &approved
		case gazetteer.ActFile:
			day := approved.AddDate(0, 0, 3)
			in.Date = &day
		case gazetteer.ActAnnounce:
			day := approved.AddDate(0, 0, 5)
			in.Date = &day
		}
		if a, err = g.Act(ctx, a.ID, act, in); err != nil {
			return fmt.Errorf("%s: %w", act, err)
		}
	}
	return nil
}
