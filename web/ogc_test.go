package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/ogc"
	"github.com/diming/diming/web"
)

// ogcFixture is a database of its own with the demo county (divisions,
// lines, markers, place names, heritage, streets and doorplates), one
// town renamed on 2020-06-01 and a few markers published, served on a
// real port so that GDAL can read it.
type ogcFixture struct {
	db                 *data.DB
	url                string // the server's base URL
	town, old, renamed string
}

func newOGCFixture(t *testing.T) *ogcFixture {
	t.Helper()
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Fatal("ogrinfo is missing: `make test` installs gdal-bin")
	}
	db, _ := dbtest.Fresh(t, true)
	ctx := t.Context()
	if _, err := boundaries.New(db).LoadDemo(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoadGazetteerDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.DemoDoorplates(ctx, boundaries.DemoCountyCode); err != nil {
		t.Fatal(err)
	}
	f := &ogcFixture{db: db}
	var version int
	if err := db.Pool.QueryRow(ctx, `SELECT code, name, version FROM divisions WHERE level = 4 AND code LIKE '330699%' ORDER BY code LIMIT 1`).
		Scan(&f.town, &f.old, &version); err != nil {
		t.Fatal(err)
	}
	f.renamed = "新" + f.old
	if _, err := db.RenameDivision(ctx, f.town, f.renamed, time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC), version); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE boundary_markers SET published = true WHERE id IN (SELECT id FROM boundary_markers ORDER BY id LIMIT 5)`); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	f.url = "http://" + srv.Listener.Addr().String()
	srv.Config.Handler = web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: f.url},
		web.Deps{Accounts: db, Health: db, Features: db})
	srv.Start()
	t.Cleanup(srv.Close)
	return f
}

// TestOGC runs the OGC API and export checks on one fixture: GDAL
// (ogrinfo, ogr2ogr) against the running server, paging, datetime, CQL2,
// CRS, errors, exports and the staff collections (last: it adds a grid).
func TestOGC(t *testing.T) {
	f := newOGCFixture(t)
	t.Run("GDAL", func(t *testing.T) { ogcWithGDAL(t, f) })
	t.Run("Paging", func(t *testing.T) { ogcPaging(t, f) })
	t.Run("Queries", func(t *testing.T) { ogcQueries(t, f) })
	t.Run("Exports", func(t *testing.T) { ogcExports(t, f) })
	t.Run("StaffCollections", func(t *testing.T) { ogcStaffCollections(t, f) })
}

// expectedCounts are the public collections' sizes counted by hand.
func (f *ogcFixture) expectedCounts(t *testing.T) map[string]int {
	t.Helper()
	sqls := map[string]string{
		"boundary_lines":   `SELECT count(*) FROM boundary_lines WHERE valid_to IS NULL`,
		"boundary_markers": `SELECT count(*) FROM boundary_markers WHERE published AND status <> 'retired'`,
		"places":           `SELECT count(*) FROM places WHERE status = 'current'`,
		"heritage":         `SELECT count(*) FROM heritage_entries`,
		"streets":          `SELECT count(*) FROM streets WHERE valid_to IS NULL`,
		"doorplates":       `SELECT count(*) FROM plates WHERE status = 'active'`,
	}
	for i, l := range []string{"province", "prefecture", "county", "township", "village"} {
		sqls["divisions_"+l] = fmt.Sprintf(`SELECT count(*) FROM divisions WHERE level = %d AND valid_to IS NULL`, i+1)
	}
	out := map[string]int{}
	for id, q := range sqls {
		var n int
		if err := f.db.Pool.QueryRow(t.Context(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	if out["boundary_markers"] == 0 || out["doorplates"] == 0 || out["heritage"] == 0 || out["divisions_village"] == 0 {
		t.Fatalf("fixture is missing data: %v", out)
	}
	return out
}

func runGDAL(t *testing.T, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=60", "CPL_VSIL_CURL_USE_CACHE=NO")
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s\n%s", name, strings.Join(args, " "), err, o.String(), e.String())
	}
	return o.String(), e.String()
}

// ogcWithGDAL reads every public collection with ogrinfo (the OAPIF
// driver QGIS also uses) and copies one to a GeoPackage with ogr2ogr.
func ogcWithGDAL(t *testing.T, f *ogcFixture) {
	want := f.expectedCounts(t)
	api := "OAPIF:" + f.url + "/ogc"

	out, errOut := runGDAL(t, "ogrinfo", "-ro", "-q", api)
	for id := range want {
		if !regexp.MustCompile(`(?m)^\d+: ` + id + `\b`).MatchString(out) {
			t.Errorf("ogrinfo does not list collection %s:\n%s", id, out)
		}
	}
	for _, staff := range []string{"grids", "contacts", "drafts"} {
		if strings.Contains(out, ": "+staff) {
			t.Errorf("anonymous ogrinfo lists the staff collection %s", staff)
		}
	}
	if strings.TrimSpace(errOut) != "" {
		t.Errorf("ogrinfo listing warned: %s", errOut)
	}

	for id, n := range want {
		out, errOut := runGDAL(t, "ogrinfo", "-ro", "-q", api, id)
		got := strings.Count(out, "OGRFeature("+id+"):")
		if got != n {
			t.Errorf("ogrinfo read %d features from %s, want %d", got, id, n)
		}
		if strings.TrimSpace(errOut) != "" {
			t.Errorf("ogrinfo %s warned: %s", id, errOut)
		}
	}

	gpkg := filepath.Join(t.TempDir(), "streets.gpkg")
	runGDAL(t, "ogr2ogr", "-f", "GPKG", gpkg, api, "doorplates")
	out, _ = runGDAL(t, "ogrinfo", "-ro", "-so", gpkg, "doorplates")
	if m := regexp.MustCompile(`Feature Count: (\d+)`).FindStringSubmatch(out); m == nil || m[1] != fmt.Sprint(want["doorplates"]) {
		t.Errorf("GeoPackage copy of doorplates: %v, want %d features\n%s", m, want["doorplates"], out)
	}
}

func getJSON(t *testing.T, url string, auth string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "application/geo+json")
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("GET %s: %d, body is not JSON: %v", url, res.StatusCode, err)
	}
	return res.StatusCode, out
}

func featureIDs(fc map[string]any) []string {
	var ids []string
	for _, f := range fc["features"].([]any) {
		ids = append(ids, fmt.Sprint(f.(map[string]any)["id"]))
	}
	return ids
}

func nextLink(fc map[string]any) string {
	for _, l := range fc["links"].([]any) {
		l := l.(map[string]any)
		if l["rel"] == "next" {
			return l["href"].(string)
		}
	}
	return ""
}

// ogcPaging follows next links through every page: each feature comes
// exactly once and numberMatched is the total.
func ogcPaging(t *testing.T, f *ogcFixture) {
	want := f.expectedCounts(t)
	for _, id := range []string{"doorplates", "divisions_village", "places"} {
		seen := map[string]bool{}
		next := f.url + "/ogc/collections/" + id + "/items?limit=7"
		pages := 0
		for next != "" {
			st, fc := getJSON(t, next, "")
			if st != 200 {
				t.Fatalf("GET %s = %d %v", next, st, fc)
			}
			if int(fc["numberMatched"].(float64)) != want[id] {
				t.Fatalf("%s numberMatched = %v, want %d", id, fc["numberMatched"], want[id])
			}
			for _, fid := range featureIDs(fc) {
				if seen[fid] {
					t.Fatalf("%s: feature %s came twice (page %d)", id, fid, pages)
				}
				seen[fid] = true
			}
			next = nextLink(fc)
			pages++
		}
		if len(seen) != want[id] {
			t.Errorf("%s: paging returned %d features, want %d", id, len(seen), want[id])
		}
		if pages != (want[id]+6)/7 {
			t.Errorf("%s: %d pages of 7 for %d features", id, pages, want[id])
		}
	}
}

func ogcQueries(t *testing.T, f *ogcFixture) {
	items := f.url + "/ogc/collections/divisions_township/items"

	// datetime: the renamed town's name on a day before the rename.
	_, fc := getJSON(t, items+"?code="+f.town, "")
	if p := fc["features"].([]any)[0].(map[string]any)["properties"].(map[string]any); p["name"] != f.renamed {
		t.Errorf("today's name = %v, want %s", p["name"], f.renamed)
	}
	_, fc = getJSON(t, items+"?code="+f.town+"&datetime=2015-01-01", "")
	if fs := fc["features"].([]any); len(fs) != 1 || fs[0].(map[string]any)["properties"].(map[string]any)["name"] != f.old {
		t.Errorf("datetime=2015-01-01 gives %v, want the old name %s", fc["features"], f.old)
	}
	_, fc = getJSON(t, items+"?code="+f.town+"&datetime=2021-01-01T00:00:00Z", "")
	if p := fc["features"].([]any)[0].(map[string]any)["properties"].(map[string]any); p["name"] != f.renamed {
		t.Errorf("datetime 2021 gives %v, want %s", p["name"], f.renamed)
	}

	// One feature by its id.
	st, one := getJSON(t, items+"/"+f.town, "")
	if p, _ := one["properties"].(map[string]any); st != 200 || one["id"] != f.town || p["name"] != f.renamed || len(p) != 8 {
		t.Errorf("GET items/%s = %d %v", f.town, st, one)
	}
	if st, out := getJSON(t, items+"/330699999", ""); st != 404 || out["code"] != "NotFound" {
		t.Errorf("GET a missing feature = %d %v, want 404", st, out)
	}

	// CQL2 text and bbox.
	var names int
	_ = f.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM places
		WHERE division_code LIKE '330699%' AND category = 2 AND name <> '若耶县' AND status = 'current'`).Scan(&names)
	_, fc = getJSON(t, f.url+"/ogc/collections/places/items?limit=1000&filter="+urlq("division_code LIKE '330699%' AND category = 2 AND NOT (name = '若耶县')"), "")
	for _, x := range fc["features"].([]any) {
		p := x.(map[string]any)["properties"].(map[string]any)
		if p["name"] == "若耶县" || p["category"].(float64) != 2 {
			t.Errorf("filter let through %v", p)
		}
	}
	if n := len(fc["features"].([]any)); n != names || n == 0 {
		t.Errorf("CQL2 filter found %d division names in the demo county, want %d", n, names)
	}
	_, fc = getJSON(t, items+"?bbox=120.2,29.7,120.5,30.0&filter="+urlq("code IN ('"+f.town+"') OR level BETWEEN 9 AND 10"), "")
	if ids := featureIDs(fc); len(ids) != 1 || ids[0] != f.town {
		t.Errorf("bbox + IN filter = %v, want [%s]", ids, f.town)
	}
	_, fc = getJSON(t, items+"?bbox=0,0,1,1", "")
	if len(fc["features"].([]any)) != 0 {
		t.Errorf("a box in the Gulf of Guinea found %d towns", len(fc["features"].([]any)))
	}
	// EPSG:4490 puts latitude first.
	_, a := getJSON(t, f.url+"/ogc/collections/doorplates/items?limit=1", "")
	_, b := getJSON(t, f.url+"/ogc/collections/doorplates/items?limit=1&crs="+urlq(ogc.EPSG4490), "")
	pa := a["features"].([]any)[0].(map[string]any)["geometry"].(map[string]any)["coordinates"].([]any)
	pb := b["features"].([]any)[0].(map[string]any)["geometry"].(map[string]any)["coordinates"].([]any)
	if g := a["features"].([]any)[0].(map[string]any)["geometry"].(map[string]any); g["crs"] != nil {
		t.Errorf("GeoJSON geometry carries a crs member (RFC 7946 has none): %v", g)
	}
	if pa[0] != pb[1] || pa[1] != pb[0] || pa[0].(float64) < 100 {
		t.Errorf("CRS84 %v and EPSG:4490 %v are not the same point with axes swapped", pa, pb)
	}

	// Bad requests: OGC exception JSON naming what to fix.
	for _, c := range []struct{ path, field string }{
		{"/ogc/collections/divisions_township/items?bbox=1,2,3", "bbox"},
		{"/ogc/collections/divisions_township/items?bbox=120,91,121,92", "bbox"},
		{"/ogc/collections/divisions_township/items?datetime=yesterday", "datetime"},
		{"/ogc/collections/divisions_township/items?limit=0", "limit"},
		{"/ogc/collections/divisions_township/items?limit=100001", "limit"},
		{"/ogc/collections/divisions_township/items?crs=EPSG:3857", "crs"},
		{"/ogc/collections/divisions_township/items?colour=red", "colour"},
		{"/ogc/collections/divisions_township/items?level=four", "level"},
		{"/ogc/collections/divisions_township/items?filter=" + urlq("name = 3"), "filter"},
		{"/ogc/collections/divisions_township/items?filter=" + urlq("height > 3"), "filter"},
		{"/ogc/collections/boundary_markers/items?datetime=2015-01-01", "datetime"},
		{"/api/v1/exports/doorplates?format=shp", "format"},
	} {
		st, out := getJSON(t, f.url+c.path, "")
		desc, _ := out["description"].(string)
		if st != 400 || out["code"] != "InvalidParameterValue" || !strings.Contains(desc, strings.SplitN(c.field, "=", 2)[0]) {
			t.Errorf("GET %s = %d %v, want 400 InvalidParameterValue naming %s", c.path, st, out, c.field)
		}
	}
	if st, out := getJSON(t, f.url+"/ogc/collections/rivers/items", ""); st != 404 || out["code"] != "NotFound" || !strings.Contains(out["description"].(string), "divisions_county") {
		t.Errorf("unknown collection = %d %v, want 404 listing the collections", st, out)
	}
}

func urlq(s string) string {
	return strings.NewReplacer("%", "%25", " ", "%20", "'", "%27", "&", "%26", "+", "%2B", "#", "%23", ":", "%3A", "/", "%2F").Replace(s)
}

// TestOGCStaffCollections: grids, contacts and drafts need a token and
// follow the caller's scope.
func ogcStaffCollections(t *testing.T, f *ogcFixture) {
	if st, out := getJSON(t, f.url+"/ogc/collections/grids/items", ""); st != 401 || out["code"] != "NotAuthorized" {
		t.Fatalf("anonymous grids = %d %v, want 401", st, out)
	}
	var community string
	if err := f.db.Pool.QueryRow(t.Context(), `SELECT code FROM divisions WHERE level = 5 AND code LIKE '330699%' ORDER BY code LIMIT 1`).Scan(&community); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Pool.Exec(t.Context(), `INSERT INTO grids (community_code, name, geom) SELECT $1, '一号网格', ST_Multi(ST_Buffer(ST_PointOnSurface(division_geom($1)), 0.0005))`, community); err != nil {
		t.Fatal(err)
	}
	inside := mustUser(t, f.db, "ogc-inside", community, diming.RoleCommunityAdmin)
	other := mustUser(t, f.db, "ogc-other", "110000", diming.RoleCommunityAdmin)
	tok := func(u diming.UserRecord) string {
		tk, err := f.db.CreateToken(t.Context(), u.ID, "ogc")
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	var grids int
	_ = f.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM grids WHERE community_code = $1 AND valid_to IS NULL`, community).Scan(&grids)
	st, fc := getJSON(t, f.url+"/ogc/collections/grids/items", tok(inside))
	if st != 200 || len(fc["features"].([]any)) != grids {
		t.Errorf("grids for the community's admin = %d %v, want its %d grids", st, fc, grids)
	}
	st, fc = getJSON(t, f.url+"/ogc/collections/grids/items", tok(other))
	if st != 200 || len(fc["features"].([]any)) != 0 {
		t.Errorf("grids for Beijing's admin = %d %v, want none", st, fc)
	}
	_, cols := getJSON(t, f.url+"/ogc/collections", tok(other))
	var ids []string
	for _, c := range cols["collections"].([]any) {
		ids = append(ids, c.(map[string]any)["id"].(string))
	}
	if !strings.Contains(strings.Join(ids, ","), "drafts") {
		t.Errorf("signed-in collections = %v, want the staff ones too", ids)
	}
}

// ogcExports downloads a division's data in every format and opens
// each file with ogrinfo: no warnings, every feature there.
func ogcExports(t *testing.T, f *ogcFixture) {
	dir := t.TempDir()
	var plates, villages int
	_ = f.db.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM plates p JOIN addresses a ON a.id = p.address_id WHERE p.status = 'active' AND a.division_code LIKE '330699%'),
		(SELECT count(*) FROM divisions WHERE level = 5 AND code LIKE '330699%' AND valid_to IS NULL)`).Scan(&plates, &villages)
	for _, c := range []struct {
		coll string
		n    int
	}{{"doorplates", plates}, {"divisions_village", villages}, {"boundary_lines", -1}} {
		for _, fm := range ogc.Formats {
			res, err := http.Get(f.url + "/api/v1/exports/" + c.coll + "?division=330699&format=" + fm.Name)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, c.coll+"."+fm.Ext)
			out, _ := os.Create(path)
			_, _ = io.Copy(out, res.Body)
			res.Body.Close()
			out.Close()
			if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "330699."+fm.Ext) {
				t.Fatalf("export %s %s = %d %v", c.coll, fm.Name, res.StatusCode, res.Header)
			}
			info, warn := runGDAL(t, "ogrinfo", "-ro", "-al", "-so", path)
			if strings.TrimSpace(warn) != "" {
				t.Errorf("ogrinfo %s.%s warned: %s", c.coll, fm.Ext, warn)
			}
			if strings.Contains(info, "Geometry: None") {
				t.Errorf("ogrinfo finds no geometry in %s.%s:\n%s", c.coll, fm.Ext, info)
			}
			m := regexp.MustCompile(`Feature Count: (\d+)`).FindStringSubmatch(info)
			if m == nil || (c.n >= 0 && m[1] != fmt.Sprint(c.n)) || m[1] == "0" {
				t.Errorf("%s.%s: %v features, want %d\n%s", c.coll, fm.Ext, m, c.n, info)
			}
		}
	}
}
