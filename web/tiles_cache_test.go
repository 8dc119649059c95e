package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diming/diming/data"
	"github.com/diming/diming/tiles"
	"github.com/diming/diming/web"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// cachedTileServer runs the real server over the tile test divisions with
// the tile cache on: the service listens for the database's change
// notifications, as `diming serve` does.
func cachedTileServer(t *testing.T) (*httptest.Server, *data.DB, *tiles.Service) {
	t.Helper()
	db := mapDB(t)
	svc, err := tiles.NewService(db, tiles.Options{}, tiles.Registry()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.RunInvalidation(ctx, db, func(error) {}) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "the tile cache to listen", func() bool { return svc.Stats().Listening })
	h := web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{}, web.Deps{Health: db, Tiles: svc})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, db, svc
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fetched is one tile answer: status, cache header and the decoded
// features' names per layer.
type fetched struct {
	status int
	cache  string
	etag   string
	names  map[string][]string
	gzip   int // bytes on the wire
}

// fetchTile gets a tile as a browser does (gzip accepted), checks the
// answer's headers and decodes it.
func fetchTile(t *testing.T, srv *httptest.Server, layer string, tile maptile.Tile, header ...string) fetched {
	t.Helper()
	url := srv.URL + "/tiles/" + layer + "/" + toS(tile.Z) + "/" + toS(tile.X) + "/" + toS(tile.Y) + ".mvt"
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	f := fetched{status: res.StatusCode, cache: res.Header.Get("X-Tile-Cache"), etag: res.Header.Get("ETag"), gzip: len(raw)}
	if res.StatusCode != http.StatusOK {
		return f
	}
	if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Content-Length") != toS(len(raw)) {
		t.Fatalf("GET %s: Content-Encoding %q, Content-Length %q for %d bytes; want gzip with its length",
			url, res.Header.Get("Content-Encoding"), res.Header.Get("Content-Length"), len(raw))
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("GET %s: gunzip: %v", url, err)
	}
	b, _ := io.ReadAll(zr)
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatalf("GET %s: mvt.Unmarshal() = %v", url, err)
	}
	f.names = map[string][]string{}
	for _, l := range layers {
		for _, feat := range l.Features {
			f.names[l.Name] = append(f.names[l.Name], toS(feat.Properties["name"]))
		}
	}
	return f
}

func has(names []string, want string) bool {
	for _, n := range names {
		if n == want {
			return true
		}
	}
	return false
}

// TestTileCacheFreshAfterEdit: a rename and a move show on the next fetch
// of every tile they touch, at two zooms each, while a cached tile
// elsewhere is still answered from the cache.
func TestTileCacheFreshAfterEdit(t *testing.T) {
	srv, db, svc := cachedTileServer(t)
	tashan := orb.Point{120.58, 30.005} // 塔山街道, level 4 (z9+)
	near := []maptile.Tile{maptile.At(tashan, 10), maptile.At(tashan, 13)}
	far := maptile.At(orb.Point{121.0, 30.0}, 10) // 上虞区, away from 塔山街道
	for _, tile := range append(near, far) {
		if f := fetchTile(t, srv, "all", tile); f.status != 200 || f.cache != "miss" {
			t.Fatalf("first GET %v = %d %s, want 200 miss", tile, f.status, f.cache)
		}
		if f := fetchTile(t, srv, "all", tile); f.cache != "hit" {
			t.Fatalf("second GET %v = %s, want hit", tile, f.cache)
		}
	}
	edit := func(sql string) {
		t.Helper()
		before := svc.Stats().Invalidations
		if _, err := db.Pool.Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the change notification", func() bool { return svc.Stats().Invalidations > before })
	}

	edit(`UPDATE divisions SET name = '府山街道' WHERE code = '330602001'`)
	for _, tile := range near {
		f := fetchTile(t, srv, "all", tile)
		if f.cache != "miss" || !has(f.names["divisions"], "府山街道") || has(f.names["divisions"], "塔山街道") {
			t.Errorf("GET %v after rename = %s %v; want a fresh render with 府山街道", tile, f.cache, f.names["divisions"])
		}
	}
	if f := fetchTile(t, srv, "all", far); f.cache != "hit" {
		t.Errorf("GET %v (elsewhere) after rename = %s, want hit", far, f.cache)
	}

	// Move the community 府山社区 (level 5, z11+) half a degree west: it
	// leaves its old tiles and appears in new ones.
	fushan, moved := orb.Point{120.578, 30.006}, orb.Point{120.078, 30.006}
	targets := []maptile.Tile{maptile.At(fushan, 12), maptile.At(fushan, 14), maptile.At(moved, 12), maptile.At(moved, 14)}
	for _, tile := range targets {
		fetchTile(t, srv, "divisions", tile)
	}
	edit(`UPDATE divisions SET geom = ST_Translate(geom, -0.5, 0) WHERE code = '330602001001'`)
	for i, tile := range targets {
		f := fetchTile(t, srv, "divisions", tile)
		want := i >= 2
		if f.cache != "miss" || has(f.names["divisions"], "府山社区") != want {
			t.Errorf("GET %v after the move = %s %v; want a fresh render, 府山社区 shown: %v", tile, f.cache, f.names["divisions"], want)
		}
	}
	if f := fetchTile(t, srv, "all", far); f.cache != "hit" {
		t.Errorf("GET %v (elsewhere) after the move = %s, want hit", far, f.cache)
	}
}

// TestTileRevalidation: a client's current copy gets 304 from the cache
// without a render; a stale one gets the new tile.
func TestTileRevalidation(t *testing.T) {
	srv, db, svc := cachedTileServer(t)
	tile := maptile.At(orb.Point{120.6, 30.0}, 9)
	first := fetchTile(t, srv, "all", tile)
	if first.status != 200 || first.etag == "" {
		t.Fatalf("GET = %d with ETag %q", first.status, first.etag)
	}
	renders := svc.Stats().Renders
	for range 3 {
		if f := fetchTile(t, srv, "all", tile, "If-None-Match", first.etag); f.status != http.StatusNotModified || f.etag != first.etag {
			t.Fatalf("GET with If-None-Match = %d (ETag %q), want 304", f.status, f.etag)
		}
	}
	if got := svc.Stats().Renders; got != renders {
		t.Errorf("304 answers rendered %d tiles, want none", got-renders)
	}
	before := svc.Stats().Invalidations
	if _, err := db.Pool.Exec(context.Background(), `UPDATE divisions SET name = '越州区' WHERE code = '330602'`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the change notification", func() bool { return svc.Stats().Invalidations > before })
	if f := fetchTile(t, srv, "all", tile, "If-None-Match", first.etag); f.status != 200 || f.etag == first.etag || !has(f.names["divisions"], "越州区") {
		t.Errorf("GET with a stale If-None-Match = %d (ETag %q), %v; want 200 with the new name", f.status, f.etag, f.names["divisions"])
	}
	var metrics string
	if _, b := httpGet(t, srv.URL+"/metrics"); true {
		metrics = string(b)
	}
	for _, want := range []string{`diming_tiles_requests_total{result="not_modified"} 3`, `diming_tiles_requests_total{result="hit"}`,
		"diming_tiles_render_seconds_bucket", "diming_tiles_invalidated_total", "diming_tiles_cache_listening 1"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestTileSingleRender: 16 clients asking at once for one cold low-zoom
// tile cause one render, and all get it.
func TestTileSingleRender(t *testing.T) {
	srv, _, svc := cachedTileServer(t)
	tile := maptile.At(orb.Point{120.6, 30.0}, 3)
	renders := svc.Stats().Renders
	var wg sync.WaitGroup
	got := make([]fetched, 16)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = fetchTileAsync(srv, tile) }()
	}
	wg.Wait()
	for i, f := range got {
		if f.status != 200 {
			t.Errorf("client %d got %d", i, f.status)
		}
	}
	if n := svc.Stats().Renders - renders; n != 1 {
		t.Errorf("16 concurrent requests rendered %d times, want 1", n)
	}
}

// fetchTileAsync is fetchTile's status for goroutines (no t.Fatal).
func fetchTileAsync(srv *httptest.Server, tile maptile.Tile) fetched {
	url := srv.URL + "/tiles/all/" + toS(tile.Z) + "/" + toS(tile.X) + "/" + toS(tile.Y) + ".mvt"
	res, err := http.Get(url)
	if err != nil {
		return fetched{}
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return fetched{status: res.StatusCode, cache: res.Header.Get("X-Tile-Cache")}
}

// TestTileWithoutGzip: a client that does not accept gzip gets the MVT
// itself, with its length.
func TestTileWithoutGzip(t *testing.T) {
	srv, _, _ := cachedTileServer(t)
	tile := maptile.At(orb.Point{120.6, 30.0}, 9)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/tiles/all/"+toS(tile.Z)+"/"+toS(tile.X)+"/"+toS(tile.Y)+".mvt", nil)
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.Header.Get("Content-Encoding") != "" || res.Header.Get("Content-Length") != toS(len(b)) {
		t.Errorf("Content-Encoding %q, Content-Length %q for %d bytes", res.Header.Get("Content-Encoding"), res.Header.Get("Content-Length"), len(b))
	}
	if _, err := mvt.Unmarshal(b); err != nil {
		t.Errorf("mvt.Unmarshal() = %v", err)
	}
}
