package web_test

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/tiles"
	"github.com/diming/diming/web"
	"github.com/paulmach/orb"
)

// searchDB is the tile test divisions around 绍兴 plus 柯桥区, the heir of
// the retired 绍兴县 (330621, 2013, part of it to 越城区), a boundary line
// between 越城区 and 上虞区 with a published marker, and every division's
// place name, as `diming import places-from-divisions` makes them.
func searchDB(t *testing.T) *data.DB {
	t.Helper()
	db := mapDB(t)
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `
		INSERT INTO divisions (code, name, level, kind, parent_code, valid_from, generated, geom) VALUES
		('330603', '柯桥区', 3, '市辖区', '330600', '2013-10-18', true,
		 ST_GeomFromText('MULTIPOLYGON(((120.30 29.80,120.45 29.80,120.45 30.10,120.30 30.10,120.30 29.80)))', 4490));
		INSERT INTO division_names (code, name, valid_from, valid_to, source) VALUES ('330621', '绍兴县', '1983-01-01', '2013-01-01', 'mca');
		INSERT INTO division_successors (code, successor_code, year, kind) VALUES
		('330621', '330602', 2001, 'transfer'), ('330621', '330602', 2013, 'retired'), ('330621', '330603', 2013, 'retired');
		INSERT INTO boundary_lines (left_code, right_code, level, name, geom, length_m, generated) VALUES
		('330602', '330604', 3, '越城区—上虞区线', ST_GeomFromText('MULTILINESTRING((120.72 29.92,120.75 30.12))', 4490), 22000, true);
		INSERT INTO boundary_markers (line_id, number, seq, type, geom, form, published, generated)
		SELECT id, number || '001Q', 1, 'Q', ST_SetSRID(ST_MakePoint(120.735, 30.02), 4490), '混凝土', true, true
		FROM boundary_lines WHERE left_code = '330602' AND right_code = '330604';`); err != nil {
		t.Fatalf("load search fixture: %v", err)
	}
	if _, err := db.ImportPlacesFromDivisions(ctx, ""); err != nil {
		t.Fatalf("import places: %v", err)
	}
	return db
}

// searchServer serves the whole product on db: gazetteer, divisions and
// lines, doorplates, tiles and the web map.
func searchServer(t *testing.T, db *data.DB, cfg web.Config) (*httptest.Server, *recorder) {
	t.Helper()
	tl, err := tiles.NewService(db, tiles.Options{}, tiles.Registry()...)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler
	rec := &recorder{}
	srv := httptest.NewServer(rec.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/test-base/") {
			serveBaseTile(w)
			return
		}
		h.ServeHTTP(w, r)
	})))
	keys, _ := doorplate.ParseKeys("k1:" + strings.Repeat("QUJD", 11))
	plates, err := doorplate.NewService(db, doorplate.Config{PublicURL: srv.URL, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	h = web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), cfg, web.Deps{Accounts: db, Health: db,
		Gazetteer: gazetteer.NewService(db, nil), Boundaries: boundaries.New(db), Tiles: tl, Doorplate: plates,
		Extent: func(ctx context.Context) (orb.Bound, error) { return db.TileExtent(ctx, "") }})
	t.Cleanup(srv.Close)
	return srv, rec
}

// TestPlaceSearchAPI asks the searches the map uses what a user types:
// initials, full pinyin, traditional characters and an old name, and
// checks that each result says where it is.
func TestPlaceSearchAPI(t *testing.T) {
	srv, _ := searchServer(t, searchDB(t), web.Config{})
	c := newClient(t, srv.URL)
	tests := []struct {
		path, name, chain string
	}{
		{"/api/v1/places/autocomplete?q=sx", "绍兴市", "浙江省"},
		{"/api/v1/places?q=sx", "绍兴市", "浙江省"},
		{"/api/v1/places/autocomplete?q=shaoxing", "绍兴市", "浙江省"},
		{"/api/v1/places/autocomplete?q=绍興", "绍兴市", "浙江省"},
		{"/api/v1/places?q=紹興市", "绍兴市", "浙江省"},
		{"/api/v1/places/autocomplete?q=绍兴县", "柯桥区", "浙江省 绍兴市"},
		{"/api/v1/places?q=绍兴县", "柯桥区", "浙江省 绍兴市"},
		{"/api/v1/places/autocomplete?q=fu", "府山社区", "浙江省 绍兴市 越城区 塔山街道"},
	}
	for _, tt := range tests {
		st, out := c.do("GET", tt.path, nil)
		places, _ := out["places"].([]any)
		if st != 200 || len(places) == 0 {
			t.Errorf("GET %s = %d %v, want results", tt.path, st, out)
			continue
		}
		first := places[0].(map[string]any)
		var chain []string
		for _, l := range first["chain"].([]any) {
			chain = append(chain, l.(map[string]any)["name"].(string))
		}
		if first["name"] != tt.name || strings.Join(chain, " ") != tt.chain {
			t.Errorf("GET %s: first = %v in %v, want %s in %s", tt.path, first["name"], chain, tt.name, tt.chain)
		}
		pt, _ := first["point"].([]any)
		bb, _ := first["bbox"].([]any)
		if len(pt) != 2 || len(bb) != 4 || pt[0].(float64) < bb[0].(float64) || pt[0].(float64) > bb[2].(float64) {
			t.Errorf("GET %s: point %v, bbox %v; want a point inside its box", tt.path, first["point"], first["bbox"])
		}
	}
	_, out := c.do("GET", "/api/v1/places/autocomplete?q=绍兴县", nil)
	first := out["places"].([]any)[0].(map[string]any)
	old, _ := first["old_name"].(map[string]any)
	if old["name"] != "绍兴县" || old["code"] != "330621" || first["match"] != "old_name" {
		t.Errorf("绍兴县 → %v, want it to say it was found by the old name 绍兴县 (330621)", first)
	}
	st, out := c.do("GET", "/api/v1/places?q=x&limit=abc", nil)
	if fields, _ := out["error"].(map[string]any)["fields"].(map[string]any); st != 422 || !hasHan(toJSON(fields["limit"])) {
		t.Errorf("limit=abc = %d %v, want 422 with a Chinese message on limit", st, out)
	}
}

// TestBaseLayerOnMapPage: the operator's raster base map reaches the map
// page (source and attribution); without one, the page has none.
func TestBaseLayerOnMapPage(t *testing.T) {
	db := searchDB(t)
	base := web.BaseLayer{Tiles: "https://t0.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=abc", Attribution: "天地图 GS(2024)0568号"}
	srv, _ := searchServer(t, db, web.Config{BaseLayer: base})
	_, body := httpGet(t, srv.URL+"/")
	page := string(body)
	if !strings.Contains(page, `"tiles":"https://t0.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}\u0026TILEROW={y}\u0026TILECOL={x}\u0026tk=abc"`) ||
		!strings.Contains(page, "底图：天地图 GS(2024)0568号") {
		t.Errorf("map page with a base layer lacks its source or attribution:\n%s", page)
	}
	plain, _ := searchServer(t, db, web.Config{})
	if _, body := httpGet(t, plain.URL+"/"); strings.Contains(string(body), `"base"`) || !strings.Contains(string(body), "底图数据来自本系统") {
		t.Errorf("map page without a base layer mentions one:\n%s", body)
	}
}

// serveBaseTile answers a raster base-map tile: plain pale blue, as an
// operator's tile server would answer a PNG.
func serveBaseTile(w http.ResponseWriter) {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{0xcf, 0xe3, 0xf5, 0xff}}, image.Point{}, draw.Src)
	w.Header().Set("Content-Type", "image/png")
	_ = png.Encode(w, img)
}
