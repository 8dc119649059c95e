package boundaries_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/paulmach/orb"
)

func inspector(scope string) *diming.User {
	return &diming.User{Username: "inspector" + scope, Roles: []diming.Role{diming.RoleInspector}, Scope: scope}
}

// mustLine derives the lines of a level around a division and returns the
// one between left and right.
func mustLine(t *testing.T, n national, level boundaries.Level, within, left, right string) boundaries.Line {
	t.Helper()
	ctx := diming.WithUser(t.Context(), inspector(""))
	if _, err := n.svc.DeriveLines(ctx, boundaries.DeriveOptions{Level: level, Within: within}); err != nil {
		t.Fatalf("DeriveLines(%d, %s) = %v", level, within, err)
	}
	ls, err := n.svc.Lines(ctx, boundaries.LineFilter{Code: left, Level: level})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.LeftCode == left && l.RightCode == right {
			return l
		}
	}
	t.Fatalf("no line %s—%s among %d lines", left, right, len(ls))
	return boundaries.Line{}
}

func TestNamedLinesFromSharedEdges(t *testing.T) {
	n := mustNational(t)
	tests := []struct {
		level        boundaries.Level
		within, l, r string
		name         string
		minKm, maxKm float64
	}{
		// The exact shared edge of 越城区 and 上虞区 is under 100 m long (the
		// polygons share 17 vertices); with the tolerance the line is whole.
		{boundaries.County, "330602", "330602", "330604", "越城区—上虞区线", 60, 130},
		{boundaries.Prefecture, "330600", "330600", "330700", "绍兴市—金华市线", 80, 300},
	}
	for _, tt := range tests {
		l := mustLine(t, n, tt.level, tt.within, tt.l, tt.r)
		t.Logf("%s: %.1f km in %d pieces", l.Name, l.LengthM/1000, len(l.Geom))
		if l.Name != tt.name || l.LengthM < tt.minKm*1000 || l.LengthM > tt.maxKm*1000 {
			t.Errorf("line %s—%s = %q, %.1f km; want %q of %g–%g km", tt.l, tt.r, l.Name, l.LengthM/1000, tt.name, tt.minKm, tt.maxKm)
		}
		if len(l.Number) != 4 || l.Source != "derived" || l.Status != boundaries.LineDerived || len(l.Geom) == 0 {
			t.Errorf("line %s: number %q source %q status %q pieces %d; want a derived line, not a surveyed one",
				l.Name, l.Number, l.Source, l.Status, len(l.Geom))
		}
	}
	// Deriving again updates in place rather than duplicating.
	again := mustLine(t, n, boundaries.County, "330602", "330602", "330604")
	if again.Version < 2 {
		t.Errorf("re-derived line version = %d, want an update", again.Version)
	}
}

func TestMarkersInspectionsAndExport(t *testing.T) {
	n := mustNational(t)
	l := mustLine(t, n, boundaries.County, "330602", "330602", "330604")
	yue := diming.WithUser(t.Context(), inspector("330602"))
	shangyu := diming.WithUser(t.Context(), inspector("330604"))
	other := diming.WithUser(t.Context(), inspector("330100"))
	on := l.Geom[0][len(l.Geom[0])/2]

	if _, err := n.svc.AddMarker(other, l.ID, boundaries.NewMarker{Seq: 1, Type: "Q", Position: on}); diming.KindOf(err) != diming.Forbidden {
		t.Errorf("AddMarker by a 杭州 inspector = %v, want Forbidden", err)
	}
	q := mustMarker(t, n, yue, l.ID, boundaries.NewMarker{Seq: 1, Type: "Q", Position: on, Form: "单立双面型",
		References: []boundaries.Reference{{Name: "石桥", AzimuthDeg: 30, DistanceM: 50}}})
	if q.Number != l.Number+"001Q" {
		t.Errorf("marker number = %s, want %s001Q", q.Number, l.Number)
	}
	mustMarker(t, n, yue, l.ID, boundaries.NewMarker{Seq: 2, Type: "A", Position: on})
	b := mustMarker(t, n, shangyu, l.ID, boundaries.NewMarker{Seq: 2, Type: "B", Position: on})
	if b.SideCode != "330604" {
		t.Errorf("B marker side = %s, want the larger code 330604", b.SideCode)
	}
	bad := []boundaries.NewMarker{
		{Seq: 2, Type: "C", Position: on},                     // a pair's number cannot take a triple letter
		{Seq: 2, Type: "A", Position: on},                     // A exists
		{Seq: 1, Type: "A", Position: on},                     // 001 is a single marker
		{Seq: 3, Type: "X", Position: on},                     // no such type
		{Seq: 3, Type: "A", SideCode: "330604", Position: on}, // A goes to the smaller code
	}
	for _, m := range bad {
		if _, err := n.svc.AddMarker(yue, l.ID, m); diming.KindOf(err) != diming.Invalid {
			t.Errorf("AddMarker(%03d%s side %q) = %v, want Invalid", m.Seq, m.Type, m.SideCode, err)
		}
	}

	// A marker never moves by a free edit.
	if _, err := n.db.Pool.Exec(t.Context(), `UPDATE boundary_markers SET geom = ST_SetSRID(ST_MakePoint(120.9, 30.0), 4490) WHERE id = $1`, q.ID); err == nil {
		t.Error("a free edit of a marker's position succeeded")
	}
	moved := orb.Point{on[0] + 0.0005, on[1]}
	mv := boundaries.Move{AgreementNo: "绍越虞〔2024〕1号", AgreedOn: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
		SignedBy: []string{"330602"}, To: moved, Reason: "road widening", Version: q.Version}
	if _, err := n.svc.MoveMarker(yue, q.ID, mv); diming.KindOf(err) != diming.Invalid {
		t.Errorf("a unilateral move = %v, want Invalid", err)
	}
	mv.SignedBy = []string{"330602", "330604"}
	m, err := n.svc.MoveMarker(yue, q.ID, mv)
	if err != nil || m.Status != boundaries.MarkerMoved || m.Position != moved {
		t.Fatalf("MoveMarker with both sides = %+v, %v", m, err)
	}
	st := boundaries.MarkerMoved
	if _, err := n.svc.UpdateMarker(yue, b.ID, boundaries.MarkerUpdate{Status: &st, Version: b.Version}); diming.KindOf(err) != diming.Invalid {
		t.Errorf("setting status moved by an edit = %v, want Invalid", err)
	}
	st = boundaries.MarkerDamaged
	if _, err := n.svc.UpdateMarker(yue, q.ID, boundaries.MarkerUpdate{Status: &st, Version: 1}); diming.KindOf(err) != diming.Conflict {
		t.Errorf("a stale marker update = %v, want Conflict", err)
	}

	// Joint inspection: overdue until both sides sign.
	if !overdue(t, n, l.ID, time.Now()) {
		t.Error("a never-inspected line is not listed as overdue")
	}
	in, err := n.svc.RecordInspection(yue, l.ID, boundaries.NewInspection{InspectedOn: time.Now().AddDate(0, 0, -1),
		Findings: "界桩 001Q 周边植被清理", Checks: []boundaries.MarkerCheck{{MarkerID: q.ID, Status: "intact"}, {MarkerID: b.ID, Status: "damaged", Findings: "桩面字迹褪色", Remediation: "描红"}}})
	if err != nil {
		t.Fatalf("RecordInspection = %v", err)
	}
	if in.Round != boundaries.RoundOf(time.Now().AddDate(0, 0, -1)) || len(in.Checks) != 2 {
		t.Errorf("inspection round %d checks %d", in.Round, len(in.Checks))
	}
	if _, err := n.svc.SignInspection(yue, in.ID, "330604", in.Version); diming.KindOf(err) != diming.Forbidden {
		t.Errorf("越城 signing for 上虞 = %v, want Forbidden", err)
	}
	in, err = n.svc.SignInspection(yue, in.ID, "330602", in.Version)
	if err != nil || !overdue(t, n, l.ID, time.Now()) {
		t.Fatalf("after one signature: %v, overdue %v; want still overdue", err, overdue(t, n, l.ID, time.Now()))
	}
	if in, err = n.svc.SignInspection(shangyu, in.ID, "330604", in.Version); err != nil || !in.Complete() {
		t.Fatalf("second signature = %+v, %v", in, err)
	}
	if overdue(t, n, l.ID, time.Now()) || !overdue(t, n, l.ID, time.Now().AddDate(5, 1, 0)) {
		t.Error("a signed inspection should clear the line for five years, and no longer")
	}
	checkExport(t, n, l.ID)
}

func mustMarker(t *testing.T, n national, ctx context.Context, lineID int64, m boundaries.NewMarker) boundaries.Marker {
	t.Helper()
	out, err := n.svc.AddMarker(ctx, lineID, m)
	if err != nil {
		t.Fatalf("AddMarker(%03d%s) = %v", m.Seq, m.Type, err)
	}
	return out
}

func overdue(t *testing.T, n national, lineID int64, asOf time.Time) bool {
	t.Helper()
	os, err := n.svc.OverdueLines(t.Context(), "330602", asOf)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range os {
		if o.Line.ID == lineID {
			return true
		}
	}
	return false
}

// checkExport writes the line as GeoJSON and KML and opens both with GDAL's
// ogrinfo, which must read every feature without a warning.
func checkExport(t *testing.T, n national, lineID int64) {
	t.Helper()
	// The markers are not published: an anonymous export has none of them,
	// the line's inspector's has all three.
	if es, err := n.svc.Export(t.Context(), lineID, ""); err != nil || len(es) != 1 || len(es[0].Markers) != 0 {
		t.Fatalf("anonymous Export = %v, %v; want the line without its unpublished markers", es, err)
	}
	es, err := n.svc.Export(diming.WithUser(t.Context(), inspector("330604")), lineID, "")
	if err != nil || len(es) != 1 || len(es[0].Markers) != 3 || es[0].Inspection == nil {
		t.Fatalf("Export = %d lines, %v", len(es), err)
	}
	dir := t.TempDir()
	for _, f := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"line.geojson", func(b *bytes.Buffer) error { return boundaries.WriteGeoJSON(b, es) }},
		{"line.kml", func(b *bytes.Buffer) error { return boundaries.WriteKML(b, "越城区—上虞区线", es) }},
	} {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			t.Fatalf("write %s: %v", f.name, err)
		}
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("ogrinfo", "-ro", "-al", "-so", p)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || stderr.Len() > 0 {
			t.Errorf("ogrinfo %s: %v; stderr %q", f.name, err, stderr.String())
		}
		if got := strings.Count(string(out), "Feature Count: "); got == 0 || !strings.Contains(string(out), "Feature Count: ") {
			t.Errorf("ogrinfo %s read no layer:\n%s", f.name, out)
		}
	}
}
