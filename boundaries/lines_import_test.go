package boundaries_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// lineFixture is a database of its own holding the NBS provinces,
// prefectures and counties, the MCA code history and the polygons of the
// 15 focus counties (GCJ-02 in the file, CGCS2000 once imported): enough
// for lines between real neighbours, with no lines yet. It is a copy of
// dbtest.CountiesSet, imported once per `make test`.
type lineFixture struct {
	db  *data.DB
	svc *boundaries.Service
}

func mustLineFixture(t *testing.T) lineFixture {
	t.Helper()
	db, _ := dbtest.Copy(t, dbtest.CountiesSet)
	return lineFixture{db: db, svc: boundaries.New(db)}
}

func (f lineFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.Pool.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// sharedEdge returns the longest stretch of a's polygon boundary that runs
// within 200 m of b's (CGCS2000), and its length on the ellipsoid.
func (f lineFixture) sharedEdge(t *testing.T, a, b string) (orb.LineString, float64) {
	t.Helper()
	var g []byte
	var m float64
	err := f.db.Pool.QueryRow(t.Context(), `SELECT ST_AsBinary(g), ST_Length(g::geography) FROM (
		SELECT (ST_Dump(ST_LineMerge(ST_CollectionExtract(ST_Intersection(ST_Boundary(a.geom),
			ST_SetSRID(ST_Buffer(ST_Boundary(b.geom)::geography, 200)::geometry, 4490)), 2)))).geom AS g
		FROM divisions a, divisions b WHERE a.code = $1 AND b.code = $2) x
		ORDER BY ST_Length(g::geography) DESC LIMIT 1`, a, b).Scan(&g, &m)
	if err != nil {
		t.Fatalf("shared edge %s—%s: %v", a, b, err)
	}
	geom, err := wkb.Unmarshal(g)
	ls, ok := geom.(orb.LineString)
	if err != nil || !ok || len(ls) < 10 {
		t.Fatalf("shared edge %s—%s = %T of %d points, %v", a, b, geom, len(ls), err)
	}
	return ls, m
}

// toGCJ02 returns a copy of ls as a commercial map would give it.
func toGCJ02(ls orb.LineString) orb.LineString {
	out := make(orb.LineString, len(ls))
	for i, p := range ls {
		out[i] = boundaries.WGS84ToGCJ02(p)
	}
	return out
}

// feature is one GeoJSON feature of a test file; geometry is any value
// encoding/json turns into a GeoJSON geometry.
type feature map[string]any

func lineFeature(geomType string, coords any, props map[string]any) feature {
	return feature{"type": "Feature", "geometry": map[string]any{"type": geomType, "coordinates": coords}, "properties": props}
}

func writeFeatures(t *testing.T, name string, fs ...feature) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs})
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, name, string(b))
}

func (f lineFixture) line(t *testing.T, left, right string) boundaries.Line {
	t.Helper()
	ls, err := f.svc.Lines(t.Context(), boundaries.LineFilter{Code: left})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.LeftCode == left && l.RightCode == right {
			return l
		}
	}
	t.Fatalf("no current line %s—%s among %d", left, right, len(ls))
	return boundaries.Line{}
}

func TestImportLinesFromGCJ02File(t *testing.T) {
	f := mustLineFixture(t)
	ctx := t.Context()
	edge, edgeM := f.sharedEdge(t, "330602", "330604")
	// The sides come larger code first; the store orders them.
	file := writeFeatures(t, "yue-shangyu.geojson", lineFeature("LineString", toGCJ02(edge), map[string]any{
		"left_code": "330604", "right_code": "330602", "agreement": "绍越虞〔2023〕2号", "established_on": "2023-05-01",
		"approved_by": "浙江省人民政府"}))
	rep, err := f.svc.ImportLines(ctx, []string{file}, boundaries.GCJ02, nil)
	if err != nil || rep.Read != 1 || rep.Imported != 1 || rep.Updated != 0 || rep.Rejected != 0 {
		t.Fatalf("ImportLines = %+v, %v; want 1 read and imported", rep, err)
	}
	l := f.line(t, "330602", "330604")
	if l.Name != "越城区—上虞区线" || l.Source != "imported" || l.Level != boundaries.County || len(l.Number) != 4 || l.Version != 1 {
		t.Errorf("line = %q source %s level %d number %q version %d; want 越城区—上虞区线, imported, county, a number, version 1",
			l.Name, l.Source, l.Level, l.Number, l.Version)
	}
	if l.Agreement != "绍越虞〔2023〕2号" || l.ApprovedBy != "浙江省人民政府" || l.EstablishedOn == nil ||
		l.EstablishedOn.Format(time.DateOnly) != "2023-05-01" {
		t.Errorf("line attributes = %q, %q, %v; want the file's", l.Agreement, l.ApprovedBy, l.EstablishedOn)
	}
	// Never inspected, it falls due five years after it was established.
	for _, tt := range []struct {
		asOf    string
		overdue bool
	}{{"2028-04-30", false}, {"2028-05-02", true}} {
		asOf, _ := time.Parse(time.DateOnly, tt.asOf)
		os, err := f.svc.OverdueLines(ctx, "330602", asOf)
		if err != nil {
			t.Fatal(err)
		}
		found := slices.ContainsFunc(os, func(o boundaries.OverdueLine) bool {
			return o.Line.ID == l.ID && o.DueSince != nil && o.DueSince.Format(time.DateOnly) == "2028-05-01"
		})
		if found != tt.overdue {
			t.Errorf("line established 2023-05-01 overdue as of %s = %v, want %v (due 2028-05-01)", tt.asOf, found, tt.overdue)
		}
	}
	if math.Abs(l.LengthM-edgeM) > edgeM/1000 || l.LengthM < 30000 || l.LengthM > 130000 {
		t.Errorf("LengthM = %.0f, want the edge's %.0f m on the ellipsoid (30–130 km)", l.LengthM, edgeM)
	}
	// GCJ-02 in the file, CGCS2000 stored: the points are back where the
	// polygons have them, not 500 m off.
	if len(l.Geom) != 1 || len(l.Geom[0]) != len(edge) {
		t.Fatalf("stored geometry has %d parts, want 1 of %d points", len(l.Geom), len(edge))
	}
	for _, i := range []int{0, len(edge) / 2, len(edge) - 1} {
		got, want := l.Geom[0][i], edge[i]
		if math.Abs(got[0]-want[0]) > 1e-7 || math.Abs(got[1]-want[1]) > 1e-7 {
			t.Errorf("point %d = %v, want %v (CGCS2000)", i, got, want)
		}
	}
	trail, err := f.db.FindAudit(ctx, "boundary_line", strconv.FormatInt(l.ID, 10))
	if err != nil || len(trail) != 1 || trail[0].Action != "line.import" || trail[0].Before != nil {
		t.Errorf("audit of line %d = %+v, %v; want one line.import create", l.ID, trail, err)
	}
	if got := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'line.import' AND entity = 'import'`); got != 1 {
		t.Errorf("%d import summaries in the audit log, want 1", got)
	}
}

func TestImportLinesReplacesDerivedLine(t *testing.T) {
	f := mustLineFixture(t)
	ctx := diming.WithUser(t.Context(), inspector(""))
	if _, err := f.svc.DeriveLines(ctx, boundaries.DeriveOptions{Level: boundaries.County, Within: "330602"}); err != nil {
		t.Fatalf("DeriveLines = %v", err)
	}
	derived := f.line(t, "330602", "330604")
	if derived.Source != "derived" {
		t.Fatalf("before the import the line is %s, want derived", derived.Source)
	}
	// The survey covers the northern half of the derived line's longest part.
	part := derived.Geom[0]
	for _, p := range derived.Geom {
		if len(p) > len(part) {
			part = p
		}
	}
	half := part[:len(part)/2+1]
	file := writeFeatures(t, "surveyed.geojson", lineFeature("LineString", half, map[string]any{
		"left_code": "330602", "right_code": "330604", "number": "ZZZZ", "name": "越城区—上虞区线（勘定）"}))
	rep, err := f.svc.ImportLines(ctx, []string{file}, boundaries.CGCS2000, nil)
	if err != nil || rep.Updated != 1 || rep.Imported != 0 || rep.Rejected != 0 {
		t.Fatalf("ImportLines = %+v, %v; want the derived line updated", rep, err)
	}
	if p, ok := rep.Find("surveyed.geojson#0 330602—330604"); !ok || p.Kind != "warning" || !strings.Contains(p.Reason, derived.Number) {
		t.Errorf("problem = %+v, want a warning that number %s was kept", p, derived.Number)
	}
	l := f.line(t, "330602", "330604")
	if l.ID != derived.ID || l.Number != derived.Number || l.Source != "imported" || l.Version != derived.Version+1 ||
		l.Name != "越城区—上虞区线（勘定）" || l.ToleranceM != 0 {
		t.Errorf("replaced line = id %d number %s source %s version %d name %s tolerance %g; want id %d number %s imported version %d",
			l.ID, l.Number, l.Source, l.Version, l.Name, l.ToleranceM, derived.ID, derived.Number, derived.Version+1)
	}
	if len(l.Geom) != 1 || len(l.Geom[0]) != len(half) || l.LengthM >= derived.LengthM {
		t.Errorf("geometry = %d parts, %.0f m; want the %d-point half, shorter than %.0f m", len(l.Geom), l.LengthM, len(half), derived.LengthM)
	}
	trail, err := f.db.FindAudit(ctx, "boundary_line", strconv.FormatInt(l.ID, 10))
	if err != nil || len(trail) != 1 {
		t.Fatalf("audit of line %d = %d entries, %v; want one", l.ID, len(trail), err)
	}
	var before, after boundaries.Line
	if json.Unmarshal(trail[0].Before, &before) != nil || json.Unmarshal(trail[0].After, &after) != nil ||
		before.Source != "derived" || before.Version != derived.Version || len(before.Geom) == 0 || after.Source != "imported" {
		t.Errorf("audit %s: before %s v%d (%d parts), after %s; want the derived record with its geometry before, the imported after",
			trail[0].Action, before.Source, before.Version, len(before.Geom), after.Source)
	}
	// Deriving again leaves the imported line alone.
	dr, err := f.svc.DeriveLines(ctx, boundaries.DeriveOptions{Level: boundaries.County, Within: "330602"})
	if err != nil || dr.Unchanged != 1 {
		t.Fatalf("DeriveLines after the import = %+v, %v; want one line left alone", dr, err)
	}
	if again := f.line(t, "330602", "330604"); again.Version != l.Version || again.Source != "imported" {
		t.Errorf("after deriving again the line is version %d, %s; want %d, imported", again.Version, again.Source, l.Version)
	}
}

func TestImportLinesExportRoundTrip(t *testing.T) {
	f := mustLineFixture(t)
	ctx := diming.WithUser(t.Context(), inspector(""))
	edge, _ := f.sharedEdge(t, "330602", "330604")
	file := writeFeatures(t, "line.geojson", lineFeature("LineString", toGCJ02(edge), map[string]any{"codes": []string{"330602", "330604"}}))
	if _, err := f.svc.ImportLines(ctx, []string{file}, boundaries.GCJ02, nil); err != nil {
		t.Fatal(err)
	}
	l := f.line(t, "330602", "330604")
	if _, err := f.svc.AddMarker(ctx, l.ID, boundaries.NewMarker{Seq: 1, Type: "Q", Position: edge[len(edge)/2]}); err != nil {
		t.Fatalf("AddMarker = %v", err)
	}
	es, err := f.svc.Export(ctx, l.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := boundaries.WriteGeoJSON(&b, es); err != nil {
		t.Fatal(err)
	}
	exported := writeFile(t, "export.geojson", b.String())

	// Into the same database: the line is replaced by itself.
	rep, err := f.svc.ImportLines(ctx, []string{exported}, boundaries.CGCS2000, nil)
	if err != nil || rep.Read != 2 || rep.Updated != 1 || rep.Imported != 0 || rep.Rejected != 0 {
		t.Fatalf("re-import = %+v, %v; want the line updated and the marker skipped", rep, err)
	}
	if p, ok := rep.Find("export.geojson"); !ok || p.Kind != "warning" || !strings.Contains(p.Reason, "1 boundary marker") {
		t.Errorf("marker problem = %+v, want a warning that 1 marker was skipped", p)
	}
	again := f.line(t, "330602", "330604")
	if again.ID != l.ID || again.Number != l.Number || again.Name != l.Name || again.Version != l.Version+1 ||
		!orb.Equal(again.Geom, l.Geom) || math.Abs(again.LengthM-l.LengthM) > 0.01 {
		t.Errorf("round trip = %+v, want the same line at version %d", again, l.Version+1)
	}

	// Into an empty database: the line keeps its number, and lines derived
	// later draw other numbers.
	g := mustLineFixture(t)
	rep, err = g.svc.ImportLines(ctx, []string{exported}, boundaries.CGCS2000, nil)
	if err != nil || rep.Imported != 1 {
		t.Fatalf("import into a new database = %+v, %v", rep, err)
	}
	copied := g.line(t, "330602", "330604")
	if copied.Number != l.Number || copied.Name != l.Name || !orb.Equal(copied.Geom, l.Geom) {
		t.Errorf("copied line = %s %s, want %s %s with the same geometry", copied.Number, copied.Name, l.Number, l.Name)
	}
	dr, err := g.svc.DeriveLines(ctx, boundaries.DeriveOptions{Level: boundaries.County, Within: "330602"})
	if err != nil || dr.Created == 0 {
		t.Fatalf("DeriveLines after importing numbered lines = %+v, %v", dr, err)
	}
}

func TestImportLinesRejectsWithReasons(t *testing.T) {
	f := mustLineFixture(t)
	ctx := t.Context()
	yue, _ := f.sharedEdge(t, "330602", "330604")
	ke, _ := f.sharedEdge(t, "330602", "330603")
	p := yue[0]
	codes := func(a, b string) map[string]any { return map[string]any{"left_code": a, "right_code": b} }
	with := func(m map[string]any, k string, v any) map[string]any { m[k] = v; return m }
	tests := []struct {
		name   string
		f      feature
		reason string // "" for a feature that imports
	}{
		{"codes array", lineFeature("LineString", yue, map[string]any{"codes": []any{"330602", 330604.0}}), ""},
		{"left and right", lineFeature("MultiLineString", []orb.LineString{ke}, map[string]any{"left": "330603", "right": "330602"}), ""},
		{"no codes", lineFeature("LineString", yue, map[string]any{"name": "无名线"}), "does not name its sides"},
		{"one side", lineFeature("LineString", yue, map[string]any{"left_code": "330602"}), "give both left_code and right_code"},
		{"unknown code", lineFeature("LineString", yue, codes("330602", "339999")), "no division has code 339999"},
		{"retired code", lineFeature("LineString", yue, codes("330602", "330621")), "was retired on"},
		{"same code", lineFeature("LineString", yue, codes("330602", "330602")), "both sides are 330602"},
		{"different levels", lineFeature("LineString", yue, codes("330600", "330602")), "same level"},
		{"polygon", lineFeature("Polygon", [][]orb.Point{{p, {p[0] + 0.01, p[1]}, {p[0], p[1] + 0.01}, p}}, codes("330602", "330604")),
			"LineString or MultiLineString, not Polygon"},
		{"projected", lineFeature("LineString", [][]float64{{500000, 3300000}, {500100, 3300100}}, codes("330602", "330604")),
			"not longitude/latitude"},
		{"one point", lineFeature("LineString", []orb.Point{p}, codes("330602", "330604")), "fewer than 2 points"},
		{"no length", lineFeature("LineString", []orb.Point{p, p}, codes("330602", "330604")), "invalid line geometry"},
		{"far from both sides", lineFeature("LineString", yue, codes("330681", "330683")), "more than 1000 m from the boundary of 330681 诸暨市"},
		{"bad date", lineFeature("LineString", yue, with(codes("330602", "330604"), "established_on", "2023/05/01")), "not a date"},
		{"bad number", lineFeature("LineString", yue, with(codes("330602", "330604"), "number", "12345")), "not a line number"},
		{"second feature of a pair", lineFeature("LineString", yue, codes("330602", "330604")), "a second line for 330602—330604"},
	}
	var fs []feature
	for _, tt := range tests {
		fs = append(fs, tt.f)
	}
	file := writeFeatures(t, "mixed.geojson", fs...)
	rep, err := f.svc.ImportLines(ctx, []string{file}, boundaries.CGCS2000, nil)
	if err != nil {
		t.Fatalf("ImportLines = %v; rejected features do not fail the import", err)
	}
	if rep.Read != len(tests) || rep.Imported != 2 || rep.Rejected != len(tests)-2 {
		t.Errorf("report read %d imported %d rejected %d, want %d, 2, %d", rep.Read, rep.Imported, rep.Rejected, len(tests), len(tests)-2)
	}
	for i, tt := range tests {
		p, ok := problemAt(rep, "mixed.geojson#"+strconv.Itoa(i))
		switch {
		case tt.reason == "" && ok:
			t.Errorf("%s: %+v, want it imported", tt.name, p)
		case tt.reason != "" && (!ok || p.Kind != "rejected" || !strings.Contains(p.Reason, tt.reason)):
			t.Errorf("%s: problem %+v, want rejected with %q", tt.name, p, tt.reason)
		}
	}
	if got := f.count(t, `SELECT count(*) FROM boundary_lines WHERE source = 'imported'`); got != 2 {
		t.Errorf("%d imported lines stored, want the 2 good ones", got)
	}
	var out strings.Builder
	if _, err := rep.WriteTo(&out); err != nil || !strings.Contains(out.String(), "[rejected 拒绝] mixed.geojson#4 330602—339999：no division has code 339999") {
		t.Errorf("report text:\n%s\nwant the rejected feature with its reason", out.String())
	}
}

// problemAt returns the problem about feature ref ("file#i"), whatever
// codes follow it.
func problemAt(rep *boundaries.ImportReport, ref string) (boundaries.Problem, bool) {
	for _, p := range rep.Problems {
		if p.Ref == ref || strings.HasPrefix(p.Ref, ref+" ") {
			return p, true
		}
	}
	return boundaries.Problem{}, false
}

func TestImportLinesFailureWritesNothing(t *testing.T) {
	f := mustLineFixture(t)
	ctx := t.Context()
	yue, _ := f.sharedEdge(t, "330602", "330604")
	ke, _ := f.sharedEdge(t, "330602", "330603")
	good := writeFeatures(t, "good.geojson",
		lineFeature("LineString", yue, map[string]any{"left_code": "330602", "right_code": "330604"}),
		lineFeature("LineString", ke, map[string]any{"left_code": "330602", "right_code": "330603"}))
	damaged := writeFile(t, "damaged.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString",`)
	written := func() int {
		return f.count(t, `SELECT (SELECT count(*) FROM boundary_lines) + (SELECT count(*) FROM audit_log WHERE action LIKE 'line.%')`)
	}
	before := written()

	_, err := f.svc.ImportLines(ctx, []string{good, damaged}, boundaries.CGCS2000, nil)
	if diming.KindOf(err) != diming.Invalid || !strings.Contains(err.Error(), "damaged.geojson is not a GeoJSON FeatureCollection") {
		t.Errorf("ImportLines(good, damaged) = %v, want Invalid naming damaged.geojson", err)
	}
	if _, err := f.svc.ImportLines(ctx, []string{good}, "", nil); diming.KindOf(err) != diming.Invalid {
		t.Errorf("ImportLines without a CRS = %v, want Invalid", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.svc.ImportLines(cctx, []string{good}, boundaries.CGCS2000, nil); err == nil {
		t.Error("ImportLines with a cancelled context succeeded")
	}
	// A database failure on the second line, after the first was written.
	// Creating a trigger takes the owner; the import runs as the server's role.
	if err := dbtest.AsOwner(t, f.db, `CREATE FUNCTION fail_keqiao() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.right_code = '330603' THEN RAISE EXCEPTION 'simulated failure'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER fail_keqiao BEFORE INSERT ON boundary_lines FOR EACH ROW EXECUTE FUNCTION fail_keqiao()`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ImportLines(ctx, []string{good}, boundaries.CGCS2000, nil); err == nil || !strings.Contains(err.Error(), "simulated failure") {
		t.Errorf("ImportLines with a failing second insert = %v, want the failure", err)
	}
	if got := written(); got != before {
		t.Errorf("failed imports left %d lines and audit rows behind", got-before)
	}
}
