package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/tiles"
	"github.com/diming/diming/web"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// tileResponse is one /tiles response the server sent.
type tileResponse struct {
	Path, ContentType string
	Status            int
	Body              []byte
}

// recorder keeps the server's /tiles responses, so the browser test can
// check what the map really fetched.
type recorder struct {
	mu    sync.Mutex
	tiles []tileResponse
}

func (rec *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/tiles/") || !strings.HasSuffix(r.URL.Path, ".mvt") {
			h.ServeHTTP(w, r)
			return
		}
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, r)
		for k, v := range rr.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rr.Code)
		_, _ = w.Write(rr.Body.Bytes())
		body := rr.Body.Bytes()
		if rr.Header().Get("Content-Encoding") == "gzip" { // what the browser decodes
			if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
				body, _ = io.ReadAll(zr)
			}
		}
		rec.mu.Lock()
		rec.tiles = append(rec.tiles, tileResponse{r.URL.Path, rr.Header().Get("Content-Type"), rr.Code, body})
		rec.mu.Unlock()
	})
}

func (rec *recorder) responses() []tileResponse {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]tileResponse(nil), rec.tiles...)
}

// mapDB is a database of its own holding the tile test divisions
// (../data/testdata) and a user "mapper" who can sign in.
func mapDB(t *testing.T) *data.DB {
	t.Helper()
	db, _ := dbtest.Fresh(t, true)
	fixture, err := os.ReadFile("../data/testdata/tiles_divisions.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(context.Background(), string(fixture)); err != nil {
		t.Fatalf("load tile divisions: %v", err)
	}
	mustUser(t, db, "mapper", "330600", "inspector")
	return db
}

// mapServer runs the real server with the tiles service on db (a new
// mapDB when nil), recording its tile responses.
func mapServer(t *testing.T, db *data.DB, cfg web.Config) (*httptest.Server, *data.DB, *recorder) {
	t.Helper()
	if db == nil {
		db = mapDB(t)
	}
	svc, err := tiles.NewService(db, tiles.Options{}, tiles.Registry()...)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	h := web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), cfg, web.Deps{Accounts: db, Health: db, Tiles: svc})
	srv := httptest.NewServer(rec.wrap(h))
	t.Cleanup(srv.Close)
	return srv, db, rec
}

func httpGet(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func TestTileRoutes(t *testing.T) {
	srv, _, _ := mapServer(t, nil, web.Config{})
	shaoxing := maptile.At(orb.Point{120.6, 30.0}, 9)
	path := func(layer string, z, x, y any) string {
		return srv.URL + "/tiles/" + layer + "/" + toS(z) + "/" + toS(x) + "/" + toS(y) + ".mvt"
	}
	tests := []struct {
		name   string
		url    string
		status int
		kind   string
	}{
		{"divisions", path("divisions", 9, shaoxing.X, shaoxing.Y), 200, ""},
		{"all layers", path("all", 9, shaoxing.X, shaoxing.Y), 200, ""},
		{"empty ocean", path("all", 9, 100, 200), 204, ""},
		{"layer not at this zoom", path("division_labels", 1, 1, 0), 204, ""},
		{"x out of range", path("divisions", 3, 8, 0), 400, "invalid"},
		{"zoom too deep", path("divisions", 23, 0, 0), 400, "invalid"},
		{"not a number", path("divisions", "a", 0, 0), 400, "invalid"},
		{"negative", path("divisions", 3, -1, 0), 400, "invalid"},
		{"unknown layer", path("roads", 3, 1, 1), 404, "not_found"},
		{"no .mvt", srv.URL + "/tiles/divisions/3/1/1.png", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := httpGet(t, tt.url)
			if res.StatusCode != tt.status {
				t.Fatalf("GET %s = %d %s, want %d", tt.url, res.StatusCode, body, tt.status)
			}
			switch {
			case tt.kind != "":
				var e struct {
					Error struct{ Kind, Message string }
				}
				if err := json.Unmarshal(body, &e); err != nil || e.Error.Kind != tt.kind || e.Error.Message == "" {
					t.Errorf("error body = %s, want kind %s with a message", body, tt.kind)
				}
			case tt.status == 200:
				if ct := res.Header.Get("Content-Type"); ct != "application/vnd.mapbox-vector-tile" {
					t.Errorf("Content-Type = %q", ct)
				}
				if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
					t.Errorf("Cache-Control = %q", cc)
				}
				if _, err := mvt.Unmarshal(body); err != nil {
					t.Errorf("mvt.Unmarshal() = %v", err)
				}
			}
		})
	}
	t.Run("etag", func(t *testing.T) { testTileETag(t, srv) })
}

func testTileETag(t *testing.T, srv *httptest.Server) {
	tile := maptile.At(orb.Point{120.6, 30.0}, 8)
	url := srv.URL + "/tiles/all/8/" + toS(tile.X) + "/" + toS(tile.Y) + ".mvt"
	res, _ := httpGet(t, url)
	etag := res.Header.Get("ETag")
	if res.StatusCode != 200 || etag == "" {
		t.Fatalf("GET = %d with ETag %q", res.StatusCode, etag)
	}
	if res, _ := httpGet(t, url, "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
		t.Errorf("GET with If-None-Match = %d, want 304", res.StatusCode)
	}
}

// TestWebMap checks the TileJSON, the page and its files on one server,
// and the -web-dir mode on a second over the same database.
func TestWebMap(t *testing.T) {
	srv, db, _ := mapServer(t, nil, web.Config{PublicURL: "https://dm.example.gov.cn", MapReviewNumber: "浙S(2026)001号"})
	t.Run("layers.json", func(t *testing.T) { testTileJSON(t, srv) })
	t.Run("files", func(t *testing.T) { testWebMapFiles(t, srv) })
	t.Run("web-dir", func(t *testing.T) { testWebMapFromDisk(t, db) })
}

func testTileJSON(t *testing.T, srv *httptest.Server) {
	res, body := httpGet(t, srv.URL+"/tiles/layers.json")
	var tj struct {
		TileJSON     string   `json:"tilejson"`
		Tiles        []string `json:"tiles"`
		VectorLayers []struct {
			ID     string            `json:"id"`
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	if err := json.Unmarshal(body, &tj); err != nil || res.StatusCode != 200 {
		t.Fatalf("GET layers.json = %d %s", res.StatusCode, body)
	}
	if tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || tj.Tiles[0] != "https://dm.example.gov.cn/tiles/all/{z}/{x}/{y}.mvt" {
		t.Errorf("layers.json = %+v", tj)
	}
	if len(tj.VectorLayers) < 2 || tj.VectorLayers[0].ID != "divisions" || tj.VectorLayers[0].Fields["name"] != "String" {
		t.Errorf("vector_layers = %+v", tj.VectorLayers)
	}
}

func testWebMapFiles(t *testing.T, srv *httptest.Server) {
	res, body := httpGet(t, srv.URL+"/")
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("GET / = %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	page := string(body)
	for _, want := range []string{"浙S(2026)001号", `lang="zh-CN"`, "/assets/", "/vendor/maplibre-gl@"} {
		if !strings.Contains(page, want) {
			t.Errorf("index page lacks %q (is `make web-deps` done?)", want)
		}
	}
	m := regexp.MustCompile(`href="([^"]*/vendor/maplibre-gl@[^"/]*)/maplibre-gl\.css"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("index page links no MapLibre stylesheet under /vendor/:\n%s", page)
	}
	vendor := m[1]
	prefix := vendor[:strings.Index(vendor, "/vendor/")]
	tests := []struct {
		path, cache, ctype string
		gzip               bool
	}{
		{prefix + "/app.js", "public, max-age=31536000, immutable", "javascript", true},
		{prefix + "/app.css", "public, max-age=31536000, immutable", "text/css", true},
		{"/static/app.js", "no-cache", "javascript", true},
		{"/static/style.json", "no-cache", "json", true},
		{"/assets/0000000000/app.js", "no-cache", "javascript", true}, // an older build's hash
		{vendor + "/maplibre-gl.mjs", "public, max-age=31536000, immutable", "javascript", true},
		{vendor + "/maplibre-gl-worker.mjs", "public, max-age=31536000, immutable", "javascript", true},
		{vendor + "/maplibre-gl.css", "public, max-age=31536000, immutable", "text/css", true},
	}
	for _, tt := range tests {
		res, raw := httpGetGzip(t, srv.URL+tt.path)
		if res.StatusCode != 200 || res.Header.Get("Cache-Control") != tt.cache || !strings.Contains(res.Header.Get("Content-Type"), tt.ctype) {
			t.Errorf("GET %s = %d, Cache-Control %q, Content-Type %q; want 200, %q, %s", tt.path, res.StatusCode,
				res.Header.Get("Cache-Control"), res.Header.Get("Content-Type"), tt.cache, tt.ctype)
		}
		if got := res.Header.Get("Content-Encoding") == "gzip"; got != tt.gzip {
			t.Errorf("GET %s: gzip = %v, want %v", tt.path, got, tt.gzip)
		}
		if strings.HasSuffix(tt.path, "maplibre-gl.mjs") && len(raw) > 800_000 {
			t.Errorf("GET %s sent %d bytes: MapLibre must go out compressed", tt.path, len(raw))
		}
	}
	var style struct {
		Sources map[string]struct{ Tiles []string }
	}
	_, body = httpGet(t, srv.URL+"/static/style.json")
	if err := json.Unmarshal(body, &style); err != nil {
		t.Fatal(err)
	}
	for name, s := range style.Sources {
		for _, u := range s.Tiles {
			if !strings.HasPrefix(u, "/tiles/") {
				t.Errorf("style source %s uses %s: only our own tiles", name, u)
			}
		}
	}
}

// httpGetGzip fetches path as a browser does (Accept-Encoding: gzip) and
// returns the bytes as they came over the wire.
func httpGetGzip(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func testWebMapFromDisk(t *testing.T, db *data.DB) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/index.html", []byte(`<p>dev {{.ReviewNumber}}</p>`), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, _, _ := mapServer(t, db, web.Config{WebDir: dir, MapReviewNumber: "GS(2026)1号"})
	if _, body := httpGet(t, srv.URL+"/"); string(body) != "<p>dev GS(2026)1号</p>" {
		t.Errorf("GET / from -web-dir = %q", body)
	}
}

func toS(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}
