package data_test

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/tiles"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// provinceDB loads the 34 province polygons (DataV, GCJ-02 as published:
// for tiles the ~500 m offset does not matter; rows marked generated)
// into a database of its own, and returns the mainland provinces' names.
func provinceDB(tb testing.TB) (*data.DB, []string) {
	tb.Helper()
	db, _ := dbtest.Fresh(tb, true)
	raw, err := os.ReadFile(dbtest.SharedData(tb, "datav-geoatlas-v3-2024/china_provinces_gcj02.geojson"))
	if err != nil {
		tb.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		tb.Fatal(err)
	}
	var mainland []string
	for _, f := range fc.Features {
		code, name := f.Properties.MustString("adcode"), f.Properties.MustString("name")
		g, _ := json.Marshal(geojson.NewGeometry(f.Geometry))
		if _, err := db.Pool.Exec(context.Background(), `INSERT INTO divisions (code, name, level, generated, geom)
			VALUES ($1, $2, 1, true, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON($3), 4490)), 3)))`,
			code, name, string(g)); err != nil {
			tb.Fatalf("load %s: %v", name, err)
		}
		if p := code[:2]; p != "71" && p != "81" && p != "82" {
			mainland = append(mainland, name)
		}
	}
	sort.Strings(mainland)
	return db, mainland
}

// TestTileWholeCountry: the tiles that hold all of China at z1 and z2
// hold every mainland province (the buffered envelope of the easternmost
// column crosses 180° and once wrapped to the other side of the world),
// and every national tile at z0-z5 is non-empty over land and under
// 100 KB gzipped.
func TestTileWholeCountry(t *testing.T) {
	db, mainland := provinceDB(t)
	if len(mainland) != 31 {
		t.Fatalf("loaded %d mainland provinces, want 31", len(mainland))
	}
	svc := mustTileService(t, db)
	for _, tile := range []maptile.Tile{maptile.New(1, 0, 1), maptile.New(3, 1, 2)} {
		b, err := svc.Tile(t.Context(), "divisions", int(tile.Z), int(tile.X), int(tile.Y))
		if err != nil {
			t.Fatal(err)
		}
		got := tileNames(t, b, "divisions")
		var missing []string
		for _, p := range mainland {
			if !got[p] {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			t.Errorf("tile %d/%d/%d lacks %s", tile.Z, tile.X, tile.Y, strings.Join(missing, "、"))
		}
	}
	china := orb.Bound{Min: orb.Point{73.5, 18.2}, Max: orb.Point{134.8, 53.6}}
	var largest int
	for _, tile := range tiles.Cover(china, tiles.ZoomRange{Min: 0, Max: 5}) {
		r, err := svc.Parse(tiles.AllLayers, int(tile.Z), int(tile.X), int(tile.Y))
		if err != nil {
			t.Fatal(err)
		}
		enc, _, err := svc.Get(t.Context(), r)
		if err != nil {
			t.Fatal(err)
		}
		largest = max(largest, len(enc.Gzip))
		if len(enc.Gzip) > 100_000 {
			t.Errorf("tile %d/%d/%d is %d bytes gzipped, want under 100 KB", tile.Z, tile.X, tile.Y, len(enc.Gzip))
		}
		if tile.Z <= 3 && enc.Empty() {
			t.Errorf("tile %d/%d/%d over China is empty", tile.Z, tile.X, tile.Y)
		}
	}
	t.Logf("largest national z0-z5 tile: %d bytes gzipped", largest)
}

func tileNames(tb testing.TB, b []byte, layer string) map[string]bool {
	tb.Helper()
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		tb.Fatal(err)
	}
	got := map[string]bool{}
	for _, l := range layers {
		if l.Name != layer {
			continue
		}
		for _, f := range l.Features {
			got[f.Properties.MustString("name", "")] = true
		}
	}
	return got
}
