package web_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/tiles"
	"github.com/diming/diming/web"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// loadNationalCounties inserts the 2,825 national county polygons (DataV,
// GCJ-02 as published: for timing tiles the ~500 m offset does not
// matter; rows marked generated) and the demo county 若耶县 with its
// towns and villages.
func loadNationalCounties(b *testing.B, db *data.DB) {
	ctx := context.Background()
	f, err := os.Open(dbtest.SharedData(b, "datav-geoatlas-v3-2024/china_county_level_gcj02.geojson.gz"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		b.Fatal(err)
	}
	batch := &pgx.Batch{}
	seen := map[string]bool{}
	for _, f := range fc.Features {
		code := fmt.Sprint(f.Properties["adcode"])
		if len(code) != 6 || seen[code] || f.Geometry == nil {
			continue
		}
		seen[code] = true
		g, _ := json.Marshal(geojson.NewGeometry(f.Geometry))
		batch.Queue(`INSERT INTO divisions (code, name, level, generated, geom)
			VALUES ($1, $2, 3, true, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON($3), 4490)), 3)))`,
			code, fmt.Sprint(f.Properties["name"]), string(g))
	}
	if err := db.Pool.SendBatch(ctx, batch).Close(); err != nil {
		b.Fatalf("load counties: %v", err)
	}
	if _, err := boundaries.New(db).LoadDemo(ctx, db); err != nil {
		b.Fatalf("demo county: %v", err)
	}
	if _, err := db.Pool.Exec(ctx, "ANALYZE divisions"); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d county polygons and the demo county", len(seen))
}

// benchPlainSQL is the hand-written divisions tile query the service is
// measured against (what pg_tileserv runs): the same filter and
// attributes, the full geometry transformed per tile, nothing around it.
const benchPlainSQL = `SELECT coalesce(ST_AsMVT(t, 'divisions', 4096, 'geom', 'id'), ''::bytea) FROM (
  SELECT code::bigint AS id, code, name, level, kind,
         ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
  FROM divisions
  WHERE geom && ST_Transform(ST_ClipByBox2D(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), ST_TileEnvelope(0, 0, 0)), 4490)
    AND valid_to IS NULL AND level = ANY($4::int[])) t WHERE t.geom IS NOT NULL`

// timing is one pass over the tile set: per-tile latencies.
type timing []time.Duration

func (t timing) perSecond() float64 {
	var sum time.Duration
	for _, d := range t {
		sum += d
	}
	return float64(len(t)) / sum.Seconds()
}

func (t timing) p99() time.Duration {
	s := slices.Clone(t)
	slices.Sort(s)
	return s[len(s)*99/100]
}

// BenchmarkTileCache serves the divisions layer over the national county
// layer (z5-z8 over China) and the demo county (z10-z14) and prints, in
// one run: uncached tiles/s through the HTTP handler (render + gzip) as a
// ratio to the plain SQL alone (target ≥ 1.0), cached tiles/s as a ratio
// to uncached (target ≥ 50), 304 revalidations/s as a ratio to cached hits
// (target ≥ 1.0), and the uncached p99 beside the plain SQL's.
func BenchmarkTileCache(b *testing.B) {
	db, _ := dbtest.Fresh(b, true)
	loadNationalCounties(b, db)
	ctx := context.Background()
	var set []maptile.Tile
	set = append(set, tiles.Cover(orb.Bound{Min: orb.Point{73.5, 18.2}, Max: orb.Point{134.8, 53.6}}, tiles.ZoomRange{Min: 5, Max: 8})...)
	demo, err := db.TileExtent(ctx, boundaries.DemoCountyCode)
	if err != nil {
		b.Fatal(err)
	}
	set = append(set, tiles.Cover(demo, tiles.ZoomRange{Min: 10, Max: 14})...)
	layer := tiles.Divisions()

	uncachedSvc, err := tiles.NewService(db, tiles.Options{}, tiles.Registry()...) // never listens: every request renders
	if err != nil {
		b.Fatal(err)
	}
	cachedSvc, err := tiles.NewService(db, tiles.Options{}, tiles.Registry()...)
	if err != nil {
		b.Fatal(err)
	}
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	go cachedSvc.RunInvalidation(lctx, db, func(error) {})
	for !cachedSvc.Stats().Listening {
		time.Sleep(time.Millisecond)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	uncached := web.NewServer(logger, web.Config{}, web.Deps{Tiles: uncachedSvc})
	cached := web.NewServer(logger, web.Config{}, web.Deps{Tiles: cachedSvc})

	plain := func() timing {
		out := make(timing, 0, len(set))
		for _, t := range set {
			start := time.Now()
			var mvt []byte
			if err := db.Pool.QueryRow(ctx, benchPlainSQL, int(t.Z), int(t.X), int(t.Y), layer.ZoomValues(int(t.Z))).Scan(&mvt); err != nil {
				b.Fatal(err)
			}
			out = append(out, time.Since(start))
		}
		return out
	}
	etags := map[maptile.Tile]string{}
	serve := func(h http.Handler, revalidate bool) timing {
		out := make(timing, 0, len(set))
		for _, t := range set {
			req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/tiles/divisions/%d/%d/%d.mvt", t.Z, t.X, t.Y), nil)
			req.Header.Set("Accept-Encoding", "gzip")
			if revalidate && etags[t] != "" {
				req.Header.Set("If-None-Match", etags[t])
			}
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, req)
			out = append(out, time.Since(start))
			if rec.Code != 200 && rec.Code != 204 && rec.Code != 304 {
				b.Fatalf("GET %s = %d %s", req.URL, rec.Code, rec.Body)
			}
			if e := rec.Header().Get("ETag"); e != "" {
				etags[t] = e
			}
		}
		return out
	}
	plain()                // warm the plans and the page cache
	serve(uncached, false) // and the service's
	serve(cached, false)   // fill the cache
	b.ResetTimer()
	var tPlain, tUncached, tCached, tRevalidate timing
	for i := 0; i < b.N; i++ {
		tPlain = append(tPlain, plain()...)
		tUncached = append(tUncached, serve(uncached, false)...)
		for range 20 { // cached answers are fast: more rounds for a steady figure
			tCached = append(tCached, serve(cached, false)...)
			tRevalidate = append(tRevalidate, serve(cached, true)...)
		}
	}
	b.StopTimer()
	if hits := cachedSvc.Stats(); hits.NotModified == 0 || hits.Hits == 0 {
		b.Fatalf("cached server: %+v", hits)
	}
	b.ReportMetric(float64(len(set)), "tiles")
	b.ReportMetric(tPlain.perSecond(), "plain_tiles/s")
	b.ReportMetric(tUncached.perSecond(), "uncached_tiles/s")
	b.ReportMetric(tUncached.perSecond()/tPlain.perSecond(), "uncached_vs_plain_sql")
	b.ReportMetric(tCached.perSecond()/tUncached.perSecond(), "cached_vs_uncached")
	b.ReportMetric(tRevalidate.perSecond()/tCached.perSecond(), "revalidate_vs_cached")
	b.ReportMetric(float64(tUncached.p99().Microseconds())/1000, "uncached_p99_ms")
	b.ReportMetric(float64(tPlain.p99().Microseconds())/1000, "plain_p99_ms")
}
