package boundaries_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/paulmach/orb"
)

func countRows(t *testing.T, n national, sql string, args ...any) int {
	t.Helper()
	var c int
	if err := n.db.Pool.QueryRow(t.Context(), sql, args...).Scan(&c); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return c
}

func TestImportAllFiveLevels(t *testing.T) {
	n := mustNational(t)
	if n.nbs.Read != 665276 || n.nbs.Rejected != 0 {
		t.Errorf("nbs report read %d rejected %d, want 665276 read and none rejected", n.nbs.Read, n.nbs.Rejected)
	}
	// Levels 4 and 5 come only from the NBS; levels 1–3 also hold the
	// MCA's retired and 2024 codes.
	want := map[int]int{1: 31, 2: 342, 3: 2975, 4: 41352, 5: 620573}
	for level, w := range want {
		got := countRows(t, n, `SELECT count(*) FROM divisions WHERE level = $1`, level)
		if (level >= 4 && got != w) || got < w {
			t.Errorf("level %d: %d divisions, want %d", level, got, w)
		}
	}
	// The three 不设区的地级市 are one row, reported, not rejected.
	if p, ok := n.nbs.Find("441900"); !ok || p.Kind != "warning" {
		t.Errorf("441900 东莞市 problem = %+v, want a warning", p)
	}
}

func TestFocusAreaChains(t *testing.T) {
	n := mustNational(t)
	ctx := t.Context()
	tests := []struct {
		code  string
		chain []string
	}{
		{"330602001004", []string{"330000", "330600", "330602", "330602001"}}, // 绍兴 越城区 塔山街道
		{"330402007024", []string{"330000", "330400", "330402", "330402007"}}, // 嘉兴 南湖区 百福弄社区
		{"331022001001", []string{"330000", "331000", "331022", "331022001"}}, // 三门县 心湖社区
		{"421221103001", []string{"420000", "421200", "421221", "421221103"}}, // 嘉鱼县 东街社区
	}
	for _, tt := range tests {
		d, err := n.svc.Division(ctx, tt.code)
		if err != nil {
			t.Fatalf("Division(%s) = %v", tt.code, err)
		}
		var got []string
		for _, a := range d.Ancestors {
			got = append(got, a.Code)
		}
		if strings.Join(got, ",") != strings.Join(tt.chain, ",") {
			t.Errorf("Division(%s).Ancestors = %v, want %v", tt.code, got, tt.chain)
		}
	}
	for _, code := range []string{"330600", "330400", "331022", "421221"} {
		d, err := n.svc.Division(ctx, code)
		if err != nil || len(d.Children) == 0 || !d.HasGeom && code != "330400" {
			t.Errorf("Division(%s) = %d children, geometry %v, %v; want children and a polygon", code, len(d.Children), d.HasGeom, err)
		}
	}
	// The focus-area village counts of nbs-2023-divisions/SOURCES.md.
	for prefix, w := range map[string]int{"3306": 2168, "3304": 1202, "331022": 295, "421221": 105} {
		if got := countRows(t, n, `SELECT count(*) FROM divisions WHERE level = 5 AND starts_with(code, $1)`, prefix); got != w {
			t.Errorf("villages in %s = %d, want %d", prefix, got, w)
		}
	}
}

func TestNameSearch(t *testing.T) {
	n := mustNational(t)
	ds, err := n.svc.SearchDivisions(t.Context(), boundaries.DivisionFilter{Query: "三门县"})
	if err != nil || len(ds) == 0 || ds[0].Code != "331022" {
		t.Fatalf("SearchDivisions(三门县) = %v, %v; want 331022 first", ds, err)
	}
	ds, err = n.svc.SearchDivisions(t.Context(), boundaries.DivisionFilter{Query: "心湖", Within: "331022", Level: boundaries.Village})
	if err != nil || len(ds) == 0 || ds[0].Code != "331022001001" {
		t.Fatalf("SearchDivisions(心湖 in 331022) = %v, %v", ds, err)
	}
}

func TestReverseLookupAfterGCJ02(t *testing.T) {
	n := mustNational(t)
	// DataV's own centre of 三门县 is a GCJ-02 position; converted, it
	// resolves through the converted polygons.
	p := boundaries.GCJ02ToWGS84(orb.Point{121.376429, 29.118955})
	chain, err := n.svc.DivisionsAt(t.Context(), p)
	if err != nil {
		t.Fatalf("DivisionsAt(%v) = %v", p, err)
	}
	var codes []string
	for _, d := range chain {
		codes = append(codes, d.Code)
	}
	if got := strings.Join(codes, ","); got != "330000,331000,331022" {
		t.Errorf("DivisionsAt(三门) = %s, want 330000,331000,331022", got)
	}
	if _, err := n.svc.DivisionsAt(t.Context(), orb.Point{-30, 40}); diming.KindOf(err) != diming.NotFound {
		t.Errorf("DivisionsAt(Atlantic) = %v, want NotFound", err)
	}
}

func TestPolygonRepairAndUnmatched(t *testing.T) {
	n := mustNational(t)
	p, ok := n.polys.Find("421221 嘉鱼县")
	if !ok || p.Kind != "repaired" || !strings.Contains(p.Reason, "Self-intersection") {
		t.Errorf("嘉鱼县 problem = %+v, want repaired with the reason", p)
	}
	if n.polys.Repaired < 150 || n.polys.Imported < 2800 {
		t.Errorf("polygons: repaired %d imported %d; want the 174 invalid repaired and the rest imported", n.polys.Repaired, n.polys.Imported)
	}
	if got := countRows(t, n, `SELECT count(*) FROM divisions WHERE code = '421221' AND ST_IsValid(geom) AND ST_Area(geom::geography) > 9e8`); got != 1 {
		t.Error("嘉鱼县 has no valid polygon of about 1,025 km²")
	}
	u, ok := n.polys.Find("340211 繁昌区")
	if !ok || u.Kind != "successor" || !strings.Contains(u.Reason, "340212") {
		t.Errorf("340211 繁昌区 problem = %+v, want given by name to 340212 繁昌区 (340211 郊区 went to four codes)", u)
	}
}

func TestCodeHistory(t *testing.T) {
	n := mustNational(t)
	h, err := n.svc.History(t.Context(), "330621")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range h.Successors {
		got[s.SuccessorCode] = true
	}
	if h.Division.Current() || !got["330602"] || !got["330603"] {
		t.Errorf("History(330621) = retired %v, successors %v; want retired, replaced by 330602 and 330603", !h.Division.Current(), got)
	}
	h, err = n.svc.History(t.Context(), "320602")
	if err != nil {
		t.Fatal(err)
	}
	for year, want := range map[int]string{1985: "城区", 2015: "崇川区", 2023: ""} {
		if got := h.NameAt(time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC)); got != want {
			t.Errorf("320602 NameAt(%d) = %q, want %q", year, got, want)
		}
	}
}

func TestRetiredCodeNeverReused(t *testing.T) {
	n := mustNational(t)
	ctx := t.Context()
	if _, err := n.db.Pool.Exec(ctx, `UPDATE divisions SET valid_to = NULL WHERE code = '330621'`); err == nil {
		t.Error("un-retiring 330621 succeeded; the database must refuse it")
	}
	if _, err := n.db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level) VALUES ('330621', '新县', 3)`); err == nil {
		t.Error("inserting retired code 330621 again succeeded")
	}
	if _, err := n.db.Pool.Exec(ctx, `UPDATE divisions SET parent_code = '330700' WHERE code = '330602'`); err == nil {
		t.Error("moving 330602 to another parent kept its code")
	}
	// An import that reuses a retired code gets that row rejected.
	f := writeFile(t, "areas.csv", "code,name,cityCode,provinceCode\n330621,\"绍兴县\",3306,33\n")
	rep, err := n.svc.ImportNBS(ctx, []string{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := rep.Find("330621 绍兴县")
	if !ok || p.Kind != "rejected" || !strings.Contains(p.Reason, "废码不用") {
		t.Errorf("import of 330621: %+v, want rejected as retired", rep.Problems)
	}
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportFailingHalfWayLeavesNothing(t *testing.T) {
	n := mustNational(t)
	ctx := t.Context()
	var b strings.Builder
	b.WriteString("code,name,areaCode,provinceCode,cityCode\n")
	for i := 901; i <= 950; i++ {
		b.WriteString("330602" + itoa3(i) + ",\"测试" + itoa3(i) + "街道\",330602,33,3306\n")
	}
	b.WriteString("330602951,\"broken row,330602,33,3306\n") // an unterminated quote: the file is damaged
	f := writeFile(t, "streets.csv", b.String())
	before := countRows(t, n, `SELECT count(*) FROM audit_log`)
	if _, err := n.svc.ImportNBS(ctx, []string{f}, nil); diming.KindOf(err) != diming.Invalid {
		t.Fatalf("ImportNBS(damaged file) = %v, want Invalid", err)
	}
	if got := countRows(t, n, `SELECT count(*) FROM divisions WHERE code LIKE '3306029%'`); got != 0 {
		t.Errorf("%d rows of the failed import were left behind", got)
	}
	if got := countRows(t, n, `SELECT count(*) FROM audit_log`); got != before {
		t.Errorf("the failed import wrote %d audit rows", got-before)
	}
	// A cancelled import also leaves nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := n.svc.ImportNBS(cctx, []string{f}, nil); err == nil {
		t.Error("ImportNBS with a cancelled context succeeded")
	}
}

func itoa3(i int) string {
	return string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}
