package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/diming/diming/data/dbtest"
)

// TestExportCommand exports the demo county's doorplates and streets with
// `diming export` and opens the files with ogrinfo.
func TestExportCommand(t *testing.T) {
	_, url := dbtest.Fresh(t, false)
	getenv := dbEnv(t, url, nil)
	diming := func(args ...string) (string, error) {
		var out, errOut strings.Builder
		err := run(t.Context(), args, getenv, strings.NewReader(""), &out, &errOut)
		return errOut.String(), err
	}
	if out, err := diming("demo"); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	dir := t.TempDir()
	for _, c := range []struct{ coll, format, ext string }{
		{"doorplates", "csv", "csv"}, {"streets", "geojson", "geojson"}, {"divisions_village", "kml", "kml"},
	} {
		path := filepath.Join(dir, c.coll+"."+c.ext)
		msg, err := diming("export", "-collection", c.coll, "-division", "330699", "-format", c.format, "-o", path)
		if err != nil {
			t.Fatalf("export %s: %v", c.coll, err)
		}
		m := regexp.MustCompile(`export: (\d+) features`).FindStringSubmatch(msg)
		if m == nil || m[1] == "0" {
			t.Fatalf("export %s said %q", c.coll, msg)
		}
		out, err := exec.Command("ogrinfo", "-ro", "-al", "-so", path).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Feature Count: "+m[1]+"\n") || strings.Contains(string(out), "Warning") {
			t.Errorf("ogrinfo %s (%s features written): %v\n%s", path, m[1], err, out)
		}
	}
	if _, err := diming("export", "-collection", "streets", "-division", "33069"); err == nil || !strings.Contains(err.Error(), "division") {
		t.Errorf("a 5-digit division = %v, want a message naming division", err)
	}
	if _, err := diming("export", "-collection", "rivers"); err == nil || !strings.Contains(err.Error(), "divisions_county") {
		t.Errorf("an unknown collection = %v, want the list of collections", err)
	}
}
