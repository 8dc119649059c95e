package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// TestImportLinesCommand runs `diming import lines` both ways on a fresh
// database: deriving without files, then importing a surveyed line file
// that replaces the derived line.
func TestImportLinesCommand(t *testing.T) {
	_, url := dbtest.Fresh(t, false)
	getenv := dbEnv(t, url, nil)
	diming := func(args ...string) (string, error) {
		var out strings.Builder
		err := run(t.Context(), args, getenv, strings.NewReader(""), &out, io.Discard)
		return out.String(), err
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, err := diming(args...)
		if err != nil {
			t.Fatalf("diming %s = %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	nbs := dbtest.SharedData(t, "nbs-2023-divisions")
	mustRun("import", "nbs", filepath.Join(nbs, "provinces.csv"), filepath.Join(nbs, "cities.csv"), filepath.Join(nbs, "areas.csv"))
	mustRun("import", "polygons", "-crs", "gcj02",
		dbtest.SharedData(t, "datav-geoatlas-v3-2024/focus_counties_shaoxing_jiaxing_sanmen_jiayu_gcj02.geojson"))
	if out := mustRun("import", "lines", "-level", "3", "-within", "330602"); !strings.Contains(out, "created") {
		t.Fatalf("import lines (derive) printed %q", out)
	}
	derived := findLine(t, url, "330602", "330604")

	fc := geojson.NewFeatureCollection()
	f := geojson.NewFeature(orb.MultiLineString{derived.Geom[0][:len(derived.Geom[0])/2+1]})
	f.Properties = geojson.Properties{"left_code": "330602", "right_code": "330604", "agreement": "绍越虞〔2023〕2号"}
	fc.Append(f)
	b, err := fc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "surveyed.geojson")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustRun("import", "lines", "-crs", "cgcs2000", file)
	if !strings.Contains(out, "读取 1，导入 0，更新 1，修复 0，拒绝 0") {
		t.Errorf("import lines FILE printed:\n%s\nwant one line updated", out)
	}
	l := findLine(t, url, "330602", "330604")
	if l.ID != derived.ID || l.Number != derived.Number || l.Source != "imported" || l.Agreement != "绍越虞〔2023〕2号" {
		t.Errorf("line after import = %d %s %s %q; want %d %s imported with the agreement", l.ID, l.Number, l.Source, l.Agreement,
			derived.ID, derived.Number)
	}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"crs without files", []string{"import", "lines", "-crs", "gcj02"}, "-crs is for importing line files"},
		{"derive flags with files", []string{"import", "lines", "-crs", "gcj02", "-level", "4", file}, "-level only apply when deriving"},
		{"files without crs", []string{"import", "lines", file}, "-crs must be gcj02, wgs84 or cgcs2000"},
		{"damaged file", []string{"import", "lines", "-crs", "cgcs2000", writeText(t, "{")}, "nothing was written"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := diming(tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("diming %s = %v, want an error saying %q", strings.Join(tt.args, " "), err, tt.want)
			}
		})
	}
	if again := findLine(t, url, "330602", "330604"); again.Version != l.Version {
		t.Errorf("the refused commands changed the line (version %d, want %d)", again.Version, l.Version)
	}
}

func findLine(t *testing.T, url, left, right string) boundaries.Line {
	t.Helper()
	db, err := data.Open(t.Context(), data.Config{URL: url, MaxConns: 2}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ls, err := boundaries.New(db).Lines(t.Context(), boundaries.LineFilter{Code: left})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.LeftCode == left && l.RightCode == right {
			return l
		}
	}
	t.Fatalf("no line %s—%s", left, right)
	return boundaries.Line{}
}

func writeText(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "damaged.geojson")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
