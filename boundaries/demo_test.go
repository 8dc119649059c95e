package boundaries_test

import (
	"testing"
	"time"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data/dbtest"
	"github.com/paulmach/orb"
)

func TestDemoCounty(t *testing.T) {
	db, _ := dbtest.Fresh(t, true)
	svc := boundaries.New(db)
	ctx := t.Context()
	created, err := svc.LoadDemo(ctx, db)
	if err != nil || !created {
		t.Fatalf("LoadDemo() = %v, %v; want created", created, err)
	}
	if again, err := svc.LoadDemo(ctx, db); err != nil || again {
		t.Fatalf("second LoadDemo() = %v, %v; want a no-op", again, err)
	}
	var towns, villages, overlaps int
	var tiled bool
	err = db.Pool.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE level = 4), count(*) FILTER (WHERE level = 5),
		(SELECT count(*) FROM divisions a JOIN divisions b ON a.code < b.code AND a.level = 5 AND b.level = 5
			AND ST_Area(ST_Intersection(a.geom, b.geom)) > 1e-12 WHERE starts_with(a.code, '330699') AND starts_with(b.code, '330699')),
		abs(sum(ST_Area(geom)) FILTER (WHERE level = 5) - (SELECT ST_Area(geom) FROM divisions WHERE code = '330699')) < 1e-9
		FROM divisions WHERE starts_with(code, '330699') AND generated`).Scan(&towns, &villages, &overlaps, &tiled)
	if err != nil || towns != 4 || villages != 20 || overlaps != 0 || !tiled {
		t.Fatalf("demo county: %d towns, %d villages, %d overlaps, tiles the county %v, %v", towns, villages, overlaps, tiled, err)
	}
	chain, err := svc.DivisionsAt(ctx, orb.Point{120.21, 29.91})
	if err != nil || len(chain) != 5 || chain[4].Code != "330699001001" || !chain[4].Generated {
		t.Fatalf("DivisionsAt(demo) = %v, %v; want the chain down to village 330699001001", chain, err)
	}
	lines, err := svc.Lines(ctx, boundaries.LineFilter{Code: boundaries.DemoCountyCode, Level: boundaries.Township})
	if err != nil || len(lines) != 4 {
		t.Fatalf("demo town lines = %d, %v; want 4", len(lines), err)
	}
	ms, err := svc.Markers(ctx, lines[0].ID)
	if err != nil || len(ms) != 3 {
		t.Fatalf("demo markers = %d, %v; want 3", len(ms), err)
	}
	// One line was jointly inspected and signed by both sides; the others are overdue.
	in, err := svc.LatestInspection(ctx, lines[1].ID)
	if err != nil || in == nil || !in.Complete() {
		t.Fatalf("demo inspection of %s = %+v, %v; want one signed by both sides", lines[1].Name, in, err)
	}
	overdue, err := svc.OverdueLines(ctx, boundaries.DemoCountyCode, time.Time{})
	if err != nil || len(overdue) != 3 {
		t.Errorf("demo overdue lines = %d, %v; want 3 of 4", len(overdue), err)
	}
}
