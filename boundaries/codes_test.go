package boundaries_test

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data/dbtest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/geojson"
)

var (
	dataVOnce sync.Once
	dataV     map[string]dataVRaw
	dataVErr  error
)

// dataVRaw is one DataV county as the file has it, its geometry still
// JSON: decoding the geometry of all 2,900 counties (under the race
// detector, a minute) for the few a test asks for is wasted.
type dataVRaw struct {
	Properties geojson.Properties `json:"properties"`
	Geometry   json.RawMessage    `json:"geometry"`
}

// dataVFeature returns the DataV county feature with adcode code, as the
// file has it (GCJ-02); the file is read once per test binary.
func dataVFeature(t *testing.T, code string) *geojson.Feature {
	t.Helper()
	path := dbtest.SharedData(t, "datav-geoatlas-v3-2024/china_county_level_gcj02.geojson.gz")
	dataVOnce.Do(func() {
		f, err := os.Open(path)
		if err != nil {
			dataVErr = err
			return
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			dataVErr = err
			return
		}
		var fc struct {
			Features []dataVRaw `json:"features"`
		}
		if dataVErr = json.NewDecoder(gz).Decode(&fc); dataVErr != nil {
			return
		}
		dataV = map[string]dataVRaw{}
		for _, ft := range fc.Features {
			if c, _ := ft.Properties["adcode"].(string); c != "" {
				dataV[c] = ft
			}
		}
	})
	if dataVErr != nil {
		t.Fatal(dataVErr)
	}
	raw, ok := dataV[code]
	if !ok {
		t.Fatalf("DataV has no county %s", code)
	}
	// A feature of its own, so that tests changing it do not change the others'.
	g, err := geojson.UnmarshalGeometry(raw.Geometry)
	if err != nil {
		t.Fatalf("DataV county %s: %v", code, err)
	}
	out := geojson.NewFeature(g.Geometry())
	out.Properties = raw.Properties.Clone()
	return out
}

func itoa6(n int) string {
	b := []byte("000000")
	for i := 5; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

// writeFeature writes one feature as a GeoJSON file and returns its path.
func writeFeature(t *testing.T, name string, f *geojson.Feature) string {
	t.Helper()
	fc := geojson.NewFeatureCollection()
	fc.Append(f)
	b, err := fc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, name, string(b))
}

// transformed returns a copy of f with every point passed through fn.
func transformed(f *geojson.Feature, fn func(orb.Point) orb.Point) *geojson.Feature {
	g := orb.Clone(f.Geometry)
	var mp orb.MultiPolygon
	switch x := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{x}
	case orb.MultiPolygon:
		mp = x
	}
	for _, poly := range mp {
		for _, ring := range poly {
			for i := range ring {
				ring[i] = fn(ring[i])
			}
		}
	}
	out := geojson.NewFeature(mp)
	out.Properties = f.Properties.Clone()
	return out
}

func chainAt(t *testing.T, n national, p orb.Point) string {
	t.Helper()
	chain, err := n.svc.DivisionsAt(t.Context(), p)
	if err != nil {
		return err.Error()
	}
	var codes []string
	for _, d := range chain {
		codes = append(codes, d.Code)
	}
	return strings.Join(codes, ",")
}

func TestSuccessorPolygons(t *testing.T) {
	n := mustNational(t)
	for _, tt := range []struct{ old, successor string }{
		{"320602 崇川区", "320613"}, // 崇川区 and 港闸区 merged into the new 崇川区 320613
		{"320684 海门区", "320614"}, // 海门市 became 海门区 under a new code
	} {
		p, ok := n.polys.Find(tt.old)
		if !ok || p.Kind != "successor" || !strings.Contains(p.Reason, tt.successor) {
			t.Errorf("%s problem = %+v, want its polygon given to the successor %s", tt.old, p, tt.successor)
		}
	}
	// DataV's own centroids of the two districts (GCJ-02) resolve to the
	// current codes.
	for code, chain := range map[string]string{"320602": "320000,320600,320613", "320684": "320000,320600,320614"} {
		p := centroid(t, code)
		if got := chainAt(t, n, p); got != chain {
			t.Errorf("DivisionsAt(DataV centroid of %s %v) = %s, want %s", code, p, got, chain)
		}
	}
}

// centroid is DataV's centroid of a county, converted from GCJ-02.
func centroid(t *testing.T, code string) orb.Point {
	t.Helper()
	c, _ := dataVFeature(t, code).Properties["centroid"].([]any)
	if len(c) != 2 {
		t.Fatalf("DataV %s has no centroid", code)
	}
	lon, _ := c[0].(float64)
	lat, _ := c[1].(float64)
	return boundaries.GCJ02ToWGS84(orb.Point{lon, lat})
}

func TestPolygonNameMustAgree(t *testing.T) {
	n := mustNational(t)
	p, ok := n.polys.Find("460302 南沙区")
	if !ok || p.Kind != "rejected" || !strings.Contains(p.Reason, "西沙区") {
		t.Errorf("460302 南沙区 problem = %+v, want rejected: the name disagrees with 460302 西沙区", p)
	}
	// DataV's own 西沙区 carries 460301, a code no division has; its name
	// names one division of 三沙市, which gets it.
	p, ok = n.polys.Find("460301 西沙区")
	if !ok || p.Kind != "successor" || !strings.Contains(p.Reason, "460302 西沙区") {
		t.Errorf("460301 西沙区 problem = %+v, want given by name to 460302 西沙区", p)
	}
	d, err := n.svc.Division(t.Context(), "460302")
	if err != nil || !d.HasGeom {
		t.Errorf("Division(460302 西沙区) has polygon %v, %v; want DataV's 西沙区", d.HasGeom, err)
	}
}

func TestRepairKeepsWholeArea(t *testing.T) {
	n := mustNational(t)
	if p, ok := n.polys.Find("652701 博乐市"); !ok || p.Kind != "repaired" {
		t.Errorf("博乐市 problem = %+v, want repaired", p)
	}
	// Where 博乐市's parts overlap in the file, the area is still 博乐市's:
	// the linework repair made a 3.58 km² hole there that no county covers.
	src := orb.Clone(dataVFeature(t, "652701").Geometry).(orb.MultiPolygon)
	boundaries.ToCGCS2000(src, boundaries.GCJ02)
	b, err := wkb.Marshal(src)
	if err != nil {
		t.Fatal(err)
	}
	var overlap, uncovered float64
	// lost is what the default (linework) repair leaves out of the file's
	// polygon: areas the file covers twice.
	if err := n.db.Pool.QueryRow(t.Context(), `WITH src AS (SELECT ST_SetSRID(ST_GeomFromWKB($1), 4490) AS g),
		lost AS (SELECT ST_CollectionExtract(ST_Difference(ST_MakeValid(g, 'method=structure'), ST_MakeValid(g)), 3) AS g FROM src)
		SELECT coalesce(ST_Area(lost.g::geography), 0), coalesce(ST_Area(ST_Difference(lost.g, d.geom)::geography), 0)
		FROM lost, divisions d WHERE d.code = '652701'`, b).Scan(&overlap, &uncovered); err != nil {
		t.Fatal(err)
	}
	if overlap < 1e6 || uncovered > 1e4 {
		t.Errorf("博乐市: the file covers %.2f km² twice, of which %.2f km² is outside its repaired polygon; want all inside",
			overlap/1e6, uncovered/1e6)
	}
	// A point of that area, read off DataV's map (GCJ-02), is in 博乐市.
	if got := chainAt(t, n, boundaries.GCJ02ToWGS84(orb.Point{82.17151, 44.79693})); !strings.HasSuffix(got, "652701") {
		t.Errorf("DivisionsAt(a point 博乐市's file covers twice) = %s, want 博乐市 652701", got)
	}
}

func TestDerivedParentPolygons(t *testing.T) {
	n := mustNational(t)
	ctx := t.Context()
	// No prefecture file for 江苏: 南通市 is the union of its counties.
	d, err := n.svc.Division(ctx, "320600")
	if err != nil || !d.HasGeom || !d.GeomDerived {
		t.Fatalf("Division(320600 南通市) polygon %v derived %v, %v; want a derived polygon", d.HasGeom, d.GeomDerived, err)
	}
	// 绍兴市 has its own polygon from the prefecture file.
	if d, err := n.svc.Division(ctx, "330600"); err != nil || !d.HasGeom || d.GeomDerived {
		t.Errorf("Division(330600 绍兴市) polygon %v derived %v, %v; want its imported polygon", d.HasGeom, d.GeomDerived, err)
	}
	area := func() float64 {
		var a float64
		if err := n.db.Pool.QueryRow(ctx, `SELECT ST_Area(geom::geography) FROM divisions WHERE code = '320600'`).Scan(&a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	before := area()
	// 如东县 grows by a square kilometre-sized piece at its eastern tip: the
	// derived 南通市 follows.
	orig := dataVFeature(t, "320623")
	grown := transformed(orig, func(p orb.Point) orb.Point { return p })
	b := grown.Geometry.(orb.MultiPolygon).Bound()
	e := b.Max[0]
	y := (b.Min[1] + b.Max[1]) / 2
	sq := orb.Polygon{{{e - 0.02, y - 0.02}, {e + 0.05, y - 0.02}, {e + 0.05, y + 0.02}, {e - 0.02, y + 0.02}, {e - 0.02, y - 0.02}}}
	grown.Geometry = append(grown.Geometry.(orb.MultiPolygon), sq)
	rep, err := n.svc.ImportPolygons(ctx, []string{writeFeature(t, "rudong.geojson", grown)}, boundaries.PolygonOptions{CRS: boundaries.GCJ02}, nil)
	if err != nil || rep.Imported != 1 || rep.Derived != 1 {
		t.Fatalf("ImportPolygons(grown 如东县) = %+v, %v; want imported and 南通市 derived again", rep, err)
	}
	if after := area(); after <= before+5e6 {
		t.Errorf("南通市 area %.1f km² → %.1f km², want it to follow 如东县's growth", before/1e6, after/1e6)
	}
	if _, err := n.svc.ImportPolygons(ctx, []string{writeFeature(t, "rudong0.geojson", orig)}, boundaries.PolygonOptions{CRS: boundaries.GCJ02}, nil); err != nil {
		t.Fatal(err)
	}
	if after := area(); after > before+1e5 || after < before-1e5 {
		t.Errorf("南通市 area after restoring 如东县 = %.1f km², want %.1f", after/1e6, before/1e6)
	}
}

func TestImplausiblePolygonsRejected(t *testing.T) {
	n := mustNational(t)
	ctx := t.Context()
	var before string
	if err := n.db.Pool.QueryRow(ctx, `SELECT md5(ST_AsBinary(geom)) FROM divisions WHERE code = '330602'`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	north := transformed(dataVFeature(t, "330602"), func(p orb.Point) orb.Point { return orb.Point{p[0], p[1] + 10} })
	swapped := transformed(dataVFeature(t, "653101"), func(p orb.Point) orb.Point { return orb.Point{p[1], p[0]} })
	tests := []struct {
		name, file, ref string
		f               *geojson.Feature
		want            []string
	}{
		{"越城区 10° north", "yuecheng.geojson", "330602 越城区", north, []string{"千米", "-moved 330602"}},
		{"喀什市 swapped", "kashi.geojson", "653101 喀什市", swapped, []string{"千米", "经纬度似乎颠倒"}},
	}
	for _, tt := range tests {
		rep, err := n.svc.ImportPolygons(ctx, []string{writeFeature(t, tt.file, tt.f)}, boundaries.PolygonOptions{CRS: boundaries.GCJ02}, nil)
		if err != nil {
			t.Fatalf("%s: ImportPolygons = %v", tt.name, err)
		}
		p, ok := rep.Find(tt.ref)
		if !ok || p.Kind != "rejected" || rep.Imported != 0 || rep.Rejected != 1 {
			t.Errorf("%s: report %+v, want the polygon rejected", tt.name, rep.Problems)
		}
		for _, w := range tt.want {
			if !strings.Contains(p.Reason, w) {
				t.Errorf("%s: reason %q does not say %q", tt.name, p.Reason, w)
			}
		}
	}
	var after string
	if err := n.db.Pool.QueryRow(ctx, `SELECT md5(ST_AsBinary(geom)) FROM divisions WHERE code = '330602'`).Scan(&after); err != nil || after != before {
		t.Errorf("越城区's polygon changed by a rejected import (%v)", err)
	}
	if got := chainAt(t, n, orb.Point{116.40, 39.91}); strings.Contains(got, "330602") {
		t.Errorf("DivisionsAt(Beijing) = %s", got)
	}
	// The operator says it moved: the polygon imports, with a warning.
	rep, err := n.svc.ImportPolygons(ctx, []string{writeFeature(t, "yuecheng.geojson", north)},
		boundaries.PolygonOptions{CRS: boundaries.GCJ02, Moved: []string{"330602"}}, nil)
	if err != nil || rep.Imported != 1 {
		t.Fatalf("ImportPolygons(越城区 declared moved) = %+v, %v; want imported", rep, err)
	}
	if p, ok := rep.Find("330602 越城区"); !ok || p.Kind != "warning" {
		t.Errorf("declared move: %+v, want a warning with the distance", rep.Problems)
	}
	rep, err = n.svc.ImportPolygons(ctx, []string{writeFeature(t, "yuecheng0.geojson", dataVFeature(t, "330602"))},
		boundaries.PolygonOptions{CRS: boundaries.GCJ02, Moved: []string{"330602"}}, nil)
	if err != nil || rep.Imported != 1 {
		t.Fatalf("restoring 越城区 = %+v, %v", rep, err)
	}
	if _, err := n.svc.ImportPolygons(ctx, []string{"x"}, boundaries.PolygonOptions{CRS: boundaries.GCJ02, Moved: []string{"越城"}}, nil); diming.KindOf(err) != diming.Invalid {
		t.Errorf("ImportPolygons(-moved 越城) = %v, want Invalid", err)
	}
}

func TestMCASuccessorKinds(t *testing.T) {
	n := mustNational(t)
	h, err := n.svc.History(t.Context(), "330621")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range h.Successors {
		got = append(got, s.SuccessorCode+"/"+itoa6(s.Year)[2:]+"/"+s.Kind)
	}
	want := "330602/2001/transfer,330602/2013/retired,330603/2013/retired"
	if strings.Join(got, ",") != want {
		t.Errorf("successors of 330621 = %v, want %s", got, want)
	}
	// Every successor dated in its code's retirement year is a retirement.
	if c := countRows(t, n, `SELECT count(*) FROM division_successors s JOIN divisions d USING (code)
		WHERE s.kind = 'transfer' AND d.valid_to IS NOT NULL AND s.year = extract(year FROM d.valid_to)`); c != 0 {
		t.Errorf("%d successor rows of the retirement year are labelled transfer", c)
	}
}

func TestMCARejectsReusedCode(t *testing.T) {
	n := mustNational(t)
	ctx := t.Context()
	f := writeFile(t, "reuse.csv", "代码,一级行政区,二级行政区,名称,级别,状态,启用时间,变更/弃用时间,新代码\n"+
		"330621,浙江省,绍兴市,柯岩县,县级,在用,2025,,\n")
	rep, err := n.svc.ImportMCAHistory(ctx, []string{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := rep.Find("reuse.csv:2 330621 柯岩县")
	if rep.Rejected != 1 || rep.Imported != 0 || !ok || !strings.Contains(p.Reason, "废码不用") {
		t.Errorf("reuse of 330621: rejected %d imported %d, %+v; want the row rejected with the reason", rep.Rejected, rep.Imported, rep.Problems)
	}
	h, err := n.svc.History(ctx, "330621")
	if err != nil {
		t.Fatal(err)
	}
	if got := h.NameAt(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)); got != "" {
		t.Errorf("330621 NameAt(2025-06-01) = %q, want none: the code was retired in 2013", got)
	}
}

func TestRenameAfterHistory(t *testing.T) {
	n := mustNational(t)
	ctx := diming.WithUser(t.Context(), &diming.User{Username: "admin", Roles: []diming.Role{diming.RoleAdmin}})
	d, err := n.svc.Division(ctx, "110105")
	if err != nil {
		t.Fatal(err)
	}
	on := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := n.svc.Rename(ctx, "110105", "朝阳新区", on, d.Version); err != nil {
		t.Fatalf("Rename(110105 after the MCA history) = %v", err)
	}
	h, err := n.svc.History(ctx, "110105")
	if err != nil {
		t.Fatal(err)
	}
	for day, want := range map[string]string{"2020-06-01": "朝阳区", "2026-06-01": "朝阳新区"} {
		at, _ := time.Parse(time.DateOnly, day)
		if got := h.NameAt(at); got != want {
			t.Errorf("110105 NameAt(%s) = %q, want %q", day, got, want)
		}
	}
	// A one-row NBS import renames it back; the yearly import must not roll back.
	f := writeFile(t, "areas.csv", "code,name,cityCode,provinceCode\n110105,朝阳区,1101,11\n")
	rep, err := n.svc.ImportNBS(ctx, []string{f}, nil)
	if err != nil || rep.Updated != 1 {
		t.Fatalf("ImportNBS(rename 110105 back) = %+v, %v; want one update", rep, err)
	}
	if h, _ = n.svc.History(ctx, "110105"); h.Division.Name != "朝阳区" || h.NameAt(time.Now()) != "朝阳区" ||
		h.NameAt(on.AddDate(0, 3, 0)) != "朝阳新区" {
		t.Errorf("110105 after the NBS rename: name %q, names %+v", h.Division.Name, h.Names)
	}
}
