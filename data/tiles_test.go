package data_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/tiles"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// tileDB is a private database holding only the tile test divisions, so
// that other tests' divisions never change the goldens.
func tileDB(tb testing.TB) *data.DB {
	tb.Helper()
	db, _ := dbtest.Fresh(tb, true)
	sql, err := os.ReadFile("testdata/tiles_divisions.sql")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Pool.Exec(context.Background(), string(sql)); err != nil {
		tb.Fatalf("load tile divisions: %v", err)
	}
	return db
}

func mustTileService(tb testing.TB, src tiles.Source) *tiles.Service {
	tb.Helper()
	s, err := tiles.NewService(src, tiles.Options{}, tiles.Registry()...)
	if err != nil {
		tb.Fatalf("NewService() = %v", err)
	}
	return s
}

func TestRenderTileGolden(t *testing.T) {
	svc := mustTileService(t, tileDB(t))
	tests := []struct {
		name  string
		layer string
		at    orb.Point
		z     maptile.Zoom
	}{
		{"province_z3", "divisions", orb.Point{120.6, 30}, 3},
		{"prefecture_labels_z6", "all", orb.Point{120.6, 30}, 6},
		{"counties_z9", "all", orb.Point{120.6, 30}, 9},
		{"village_z13", "all", orb.Point{120.578, 30.006}, 13},
		{"labels_only_z12", "division_labels", orb.Point{120.578, 30.006}, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tile := maptile.At(tt.at, tt.z)
			b, err := svc.Tile(t.Context(), tt.layer, int(tile.Z), int(tile.X), int(tile.Y))
			if err != nil {
				t.Fatalf("Tile(%s, %v) = %v", tt.layer, tile, err)
			}
			got := decodeTile(t, b, tile)
			if bytes.Contains(got, []byte("绍兴县")) {
				t.Errorf("tile shows the retired 绍兴县")
			}
			golden(t, filepath.Join("testdata", "tiles_"+tt.name+".golden"), got)
		})
	}
}

func TestRenderTileEmpty(t *testing.T) {
	svc := mustTileService(t, tileDB(t))
	tile := maptile.At(orb.Point{-30, 10}, 7) // the Atlantic
	b, err := svc.Tile(t.Context(), tiles.AllLayers, int(tile.Z), int(tile.X), int(tile.Y))
	if err != nil || len(b) != 0 {
		t.Fatalf("Tile(ocean) = %d bytes, %v; want 0 bytes, nil", len(b), err)
	}
}

// decodeTile turns MVT bytes into indented GeoJSON per layer, features
// ordered by id and coordinates rounded, as STYLE.md §9 asks: never
// compare raw ST_AsMVT bytes.
func decodeTile(tb testing.TB, b []byte, tile maptile.Tile) []byte {
	tb.Helper()
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		tb.Fatalf("mvt.Unmarshal() = %v", err)
	}
	layers.ProjectToWGS84(tile)
	out := map[string]*geojson.FeatureCollection{}
	for name, fc := range layers.ToFeatureCollections() {
		sort.Slice(fc.Features, func(i, j int) bool { return featureID(fc.Features[i]) < featureID(fc.Features[j]) })
		for _, f := range fc.Features {
			f.Geometry = roundGeometry(f.Geometry)
		}
		out[name] = fc
	}
	j, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	return append(j, '\n')
}

func featureID(f *geojson.Feature) float64 {
	switch v := f.ID.(type) {
	case uint64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

func roundGeometry(g orb.Geometry) orb.Geometry {
	const k = 1e6
	r := func(p orb.Point) orb.Point { return orb.Point{math.Round(p[0]*k) / k, math.Round(p[1]*k) / k} }
	switch g := g.(type) {
	case orb.Point:
		return r(g)
	case orb.Polygon:
		return roundPolygon(g, r)
	case orb.MultiPolygon:
		for i := range g {
			g[i] = roundPolygon(g[i], r)
		}
		return g
	}
	return g
}

func roundPolygon(p orb.Polygon, r func(orb.Point) orb.Point) orb.Polygon {
	for _, ring := range p {
		for i := range ring {
			ring[i] = r(ring[i])
		}
	}
	return p
}

func golden(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs (run go test -update and review the diff):\n%s", path, got)
	}
}

// benchDivisions loads the 90 Zhejiang county polygons (68,898 vertices)
// into a private database. They are GCJ-02 as published; for timing tile
// rendering the ~500 m offset does not matter, and the rows are marked
// generated (the real import converts them).
func benchDivisions(b *testing.B) *data.DB {
	db, _ := dbtest.Fresh(b, true)
	raw, err := os.ReadFile(dbtest.SharedData(b, "datav-geoatlas-v3-2024/zhejiang_counties_gcj02.geojson"))
	if err != nil {
		b.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, f := range fc.Features {
		g, _ := json.Marshal(geojson.NewGeometry(f.Geometry))
		_, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level, generated, geom)
			VALUES ($1, $2, 3, true, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON($3), 4490)), 3)))`,
			f.Properties.MustString("adcode"), f.Properties.MustString("name"), string(g))
		if err != nil {
			b.Fatalf("load %v: %v", f.Properties["name"], err)
		}
	}
	if err := dbtest.AsOwner(b, db, "ANALYZE divisions"); err != nil { // only the owner may analyze
		b.Fatal(err)
	}
	return db
}

// plainTileSQL is the hand-written query the service's output is measured
// against: the same layer, filter and attributes, with nothing around it.
const plainTileSQL = `SELECT coalesce(ST_AsMVT(t, 'divisions', 4096, 'geom', 'id'), ''::bytea) FROM (
  SELECT code::bigint AS id, code, name, level, kind,
         ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
  FROM divisions
  WHERE geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4490)
    AND valid_to IS NULL AND level = ANY($4::int[])) t WHERE t.geom IS NOT NULL`

// BenchmarkTiles renders every tile over Zhejiang at zooms 7-10 (about 300
// tiles) through the service (uncached) and through the plain query,
// interleaved in the same run, and reports service_vs_plain_sql, the
// service's time over the plain query's (below 1.0: the service is faster).
func BenchmarkTiles(b *testing.B) {
	db := benchDivisions(b)
	svc := mustTileService(b, db)
	layer := tiles.Divisions()
	var set maptile.Tiles
	for z := maptile.Zoom(7); z <= 10; z++ {
		lo, hi := maptile.At(orb.Point{118.0, 31.2}, z), maptile.At(orb.Point{123.0, 27.0}, z)
		for x := lo.X; x <= hi.X; x++ {
			for y := lo.Y; y <= hi.Y; y++ {
				set = append(set, maptile.New(x, y, z))
			}
		}
	}
	ctx := context.Background()
	plain := func() (n int) {
		for _, t := range set {
			var mvt []byte
			if err := db.Pool.QueryRow(ctx, plainTileSQL, int(t.Z), int(t.X), int(t.Y), layer.ZoomValues(int(t.Z))).Scan(&mvt); err != nil {
				b.Fatal(err)
			}
			n += countFeatures(b, mvt)
		}
		return n
	}
	service := func() (n int) {
		for _, t := range set {
			mvt, err := svc.Tile(ctx, "divisions", int(t.Z), int(t.X), int(t.Y))
			if err != nil {
				b.Fatal(err)
			}
			n += countFeatures(b, mvt)
		}
		return n
	}
	// Warm both plans and check they draw the same features (the bytes
	// differ: the service draws pre-simplified shapes up to z9).
	if p, s := plain(), service(); p != s {
		b.Fatalf("plain SQL rendered %d features, the service %d", p, s)
	}
	var tPlain, tSvc time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for r := 0; r < 3; r++ {
			start := time.Now()
			plain()
			tPlain += time.Since(start)
			start = time.Now()
			service()
			tSvc += time.Since(start)
		}
	}
	n := float64(b.N * 3 * len(set))
	b.ReportMetric(float64(tSvc.Microseconds())/n, "service_us/tile")
	b.ReportMetric(float64(tPlain.Microseconds())/n, "plain_us/tile")
	b.ReportMetric(float64(tSvc)/float64(tPlain), "service_vs_plain_sql")
	b.ReportMetric(float64(len(set)), "tiles")
}

func countFeatures(tb testing.TB, b []byte) int {
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, l := range layers {
		n += len(l.Features)
	}
	return n
}

// TestRenderTileNewLayer shows that another domain's layer is one registry
// entry: a point table in another SRID, without zoom bands or filter.
func TestRenderTileNewLayer(t *testing.T) {
	db := tileDB(t)
	ctx := t.Context()
	if err := dbtest.AsOwner(t, db, `CREATE TABLE tile_test_points (id bigint PRIMARY KEY, name text, geom geometry(Point, 4326));
		CREATE INDEX ON tile_test_points USING gist(geom);
		INSERT INTO tile_test_points VALUES (1, '府山', ST_SetSRID(ST_MakePoint(120.578, 30.006), 4326)),
			(2, '远处', ST_SetSRID(ST_MakePoint(100, 20), 4326))`); err != nil {
		t.Fatal(err)
	}
	pois := tiles.Layer{Name: "pois", Table: "tile_test_points", Geometry: "geom", ID: "id", SRID: 4326,
		Attributes: []tiles.Attribute{{Column: "name", Type: "String"}}, MinZoom: 10, MaxZoom: 22}
	svc, err := tiles.NewService(db, tiles.Options{}, append(tiles.Registry(), pois)...)
	if err != nil {
		t.Fatal(err)
	}
	tile := maptile.At(orb.Point{120.578, 30.006}, 14)
	b, err := svc.Tile(ctx, tiles.AllLayers, int(tile.Z), int(tile.X), int(tile.Y))
	if err != nil {
		t.Fatal(err)
	}
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, l := range layers {
		names[l.Name] = len(l.Features)
	}
	if names["pois"] != 1 || names["divisions"] == 0 {
		t.Fatalf("tile layers = %v, want 1 poi beside the divisions", names)
	}
}

// TestRenderTileEveryLayer runs every registry layer's query on the real
// schema, so a renamed column fails here rather than on the map.
func TestRenderTileEveryLayer(t *testing.T) {
	svc := mustTileService(t, dbtest.Open(t))
	for _, l := range tiles.Registry() {
		tile := maptile.At(orb.Point{120.6, 30}, maptile.Zoom(max(l.MinZoom, 16)))
		if _, err := svc.Tile(t.Context(), l.Name, int(tile.Z), int(tile.X), int(tile.Y)); err != nil {
			t.Errorf("Tile(%s) = %v", l.Name, err)
		}
	}
}
