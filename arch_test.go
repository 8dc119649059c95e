package diming_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection enforces STYLE.md §1: imports flow cmd → web, data →
// domains → root; data alone imports pgx, web alone imports echo, only the
// export code imports go-geom, only doorplate/qr.go imports go-qrcode and
// only romanize (the one romanizer) imports the pinyin dictionaries.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports ","}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/diming/diming"
	domains := []string{mod + "/gazetteer", mod + "/boundaries", mod + "/doorplate", mod + "/tiles", mod + "/romanize", mod + "/sharing"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imps, _ := strings.Cut(line, ":")
		for _, imp := range strings.Split(imps, ",") {
			if imp == "" {
				continue
			}
			var bad string
			switch {
			case strings.HasPrefix(imp, "github.com/jackc/pgx") && !strings.HasPrefix(pkg, mod+"/data"):
				bad = "only data talks to PostgreSQL"
			case strings.HasPrefix(imp, "github.com/labstack/echo") && pkg != mod+"/web":
				bad = "only web imports echo"
			case strings.HasPrefix(imp, "github.com/skip2/go-qrcode") && pkg != mod+"/doorplate":
				bad = "only doorplate/qr.go imports go-qrcode"
			case (strings.HasPrefix(imp, "github.com/mozillazg/go-pinyin") || strings.HasPrefix(imp, "github.com/go-ego/")) && pkg != mod+"/romanize":
				bad = "only romanize reads the pinyin dictionaries"
			case pkg == mod && strings.HasPrefix(imp, "github.com/"):
				bad = "the root package has no dependencies"
			case isDomain(pkg, domains) && (strings.HasPrefix(imp, mod+"/data") || strings.HasPrefix(imp, mod+"/web") || strings.HasPrefix(imp, mod+"/cmd")):
				bad = "domain packages import only the stdlib, orb, go-geom (export) and the root package"
			case (pkg == mod+"/data" || strings.HasPrefix(pkg, mod+"/data/")) && strings.HasPrefix(imp, mod+"/web"):
				bad = "data does not import web"
			}
			if bad != "" {
				t.Errorf("%s imports %s: %s", pkg, imp, bad)
			}
		}
	}
}

func isDomain(pkg string, domains []string) bool {
	for _, d := range domains {
		if pkg == d || strings.HasPrefix(pkg, d+"/") {
			return true
		}
	}
	return false
}
