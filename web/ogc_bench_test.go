package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/web"
)

// BenchmarkOGCExport times a full GeoJSON export through
// /api/v1/exports, read to the end over HTTP, of the national county layer
// (2,825 DataV polygons plus the demo county) and of the country's
// villages as points (NBS 2023 village-level units imported as place
// names, category 3, each given a generated point), each against the
// plain `COPY (SELECT ST_AsGeoJSON(t.*) …) TO STDOUT` of the same rows in
// the same order in the same run. Best of three, interleaved.
func BenchmarkOGCExport(b *testing.B) {
	ctx := context.Background()
	counties, _ := dbtest.Fresh(b, true)
	loadNationalCounties(b, counties)

	villages, _ := dbtest.Fresh(b, true)
	dir := dbtest.SharedData(b, "nbs-2023-divisions")
	var paths []string
	for _, f := range []string{"provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages_national.csv.gz"} {
		paths = append(paths, filepath.Join(dir, f))
	}
	if _, err := boundaries.New(villages).ImportNBS(ctx, paths, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := villages.ImportPlacesFromDivisions(ctx, ""); err != nil {
		b.Fatal(err)
	}
	// NBS villages have no coordinates: give each a point in China's box
	// (as the owner, past the row triggers: this is fixture data).
	if err := dbtest.AsOwner(b, villages, `SET statement_timeout = 0; SET session_replication_role = replica;
		SELECT setseed(0.42);
		UPDATE places SET geom = ST_SetSRID(ST_MakePoint(98 + random() * 24, 22 + random() * 20), 4490) WHERE category = 3;
		SET session_replication_role = DEFAULT; ANALYZE places`); err != nil {
		b.Fatal(err)
	}

	cases := []struct {
		name, path string
		db         *data.DB
		plain      string
	}{
		{"counties", "/api/v1/exports/divisions_county?format=geojson", counties,
			`COPY (SELECT ST_AsGeoJSON(t.*, 'geom', 7) FROM (SELECT code, name, level, kind, parent_code, urban_rural, valid_from, valid_to, geom
			   FROM divisions WHERE level = 3 AND valid_to IS NULL ORDER BY code) t) TO STDOUT`},
		{"villages", "/api/v1/exports/places?format=geojson&category=3", villages,
			`COPY (SELECT ST_AsGeoJSON(t.*, 'geom', 7) FROM (SELECT id, place_code, name, romanization, category, subcategory, division_code,
			   status, approved_on, valid_from, valid_to, geom FROM places WHERE status = 'current' AND category = 3 ORDER BY id) t) TO STDOUT`},
	}
	type result struct {
		name            string
		rows            int64
		ours, plainTime time.Duration
	}
	var results []result
	b.ResetTimer()
	for _, c := range cases {
		srv := httptest.NewServer(web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: "http://bench"},
			web.Deps{Accounts: c.db, Health: c.db, Features: c.db}))
		ours := func() (int64, time.Duration) {
			t0 := time.Now()
			res, err := http.Get(srv.URL + c.path)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if err != nil || res.StatusCode != 200 {
				b.Fatalf("export %s: %d %v", c.path, res.StatusCode, err)
			}
			return n, time.Since(t0)
		}
		plain := func() (int64, time.Duration) {
			t0 := time.Now()
			conn, err := c.db.Pool.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Release()
			tag, err := conn.Conn().PgConn().CopyTo(ctx, io.Discard, c.plain)
			if err != nil {
				b.Fatal(err)
			}
			return tag.RowsAffected(), time.Since(t0)
		}
		var rows int64
		var bytes int64
		bestOurs, bestPlain := time.Duration(1<<62), time.Duration(1<<62)
		for i := 0; i < 3*b.N; i++ {
			n, d := ours()
			bytes, bestOurs = n, min(bestOurs, d)
			r, d := plain()
			rows, bestPlain = r, min(bestPlain, d)
		}
		srv.Close()
		b.Logf("%s: %d features, %.1f MB of GeoJSON in %v; plain COPY %v", c.name, rows, float64(bytes)/1e6, bestOurs, bestPlain)
		results = append(results, result{c.name, rows, bestOurs, bestPlain})
	}
	b.StopTimer()
	// Reported together at the end: ResetTimer would drop earlier metrics.
	for _, r := range results {
		ourRate, plainRate := float64(r.rows)/r.ours.Seconds(), float64(r.rows)/r.plainTime.Seconds()
		b.ReportMetric(float64(r.rows), r.name+"_features")
		b.ReportMetric(ourRate, r.name+"_features/s")
		b.ReportMetric(plainRate, r.name+"_plain_copy_features/s")
		b.ReportMetric(ourRate/plainRate, r.name+"_vs_plain_copy")
	}
}
