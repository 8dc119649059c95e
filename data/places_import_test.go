package data_test

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/jackc/pgx/v5"
)

// loadNBSDivisions copies the NBS 2023 divisions (../shared/data) into the
// divisions table, top level down, the way a test may: the divisions
// importers belong to the boundaries work. It returns rows per level.
func loadNBSDivisions(tb testing.TB, db *data.DB, villages string) map[int]int {
	tb.Helper()
	counts := map[int]int{}
	cities := map[string]bool{}
	files := []struct {
		file   string
		level  int
		code   func(r []string) string
		parent func(r []string) string
	}{
		{"provinces.csv", 1, func(r []string) string { return r[0] + "0000" }, func([]string) string { return "" }},
		{"cities.csv", 2, func(r []string) string { return r[0] + "00" }, func(r []string) string { return r[2] + "0000" }},
		{"areas.csv", 3, func(r []string) string { return r[0] }, func(r []string) string { return r[2] + "00" }},
		{"streets.csv", 4, func(r []string) string { return r[0] }, func(r []string) string { return r[2] }},
		{villages, 5, func(r []string) string { return r[0] }, func(r []string) string { return r[2] }},
	}
	for _, f := range files {
		recs := readCSV(tb, dbtest.SharedData(tb, "nbs-2023-divisions/"+f.file))
		var rows [][]any
		for _, r := range recs {
			code := f.code(r)
			if f.level == 2 {
				cities[code] = true
			}
			if f.level == 3 && cities[code] {
				continue // 东莞市, 中山市, 儋州市: city-level units without counties
			}
			var parent any
			if p := f.parent(r); p != "" {
				parent = p
			}
			rows = append(rows, []any{code, r[1], int16(f.level), parent})
		}
		n, err := db.Pool.CopyFrom(tb.Context(), pgx.Identifier{"divisions"}, []string{"code", "name", "level", "parent_code"}, pgx.CopyFromRows(rows))
		if err != nil {
			tb.Fatalf("copy %s into divisions: %v", f.file, err)
		}
		counts[f.level] = int(n)
	}
	return counts
}

func readCSV(tb testing.TB, path string) [][]string {
	tb.Helper()
	fh, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	var r io.Reader = fh
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(fh)
		if err != nil {
			tb.Fatal(err)
		}
		r = gz
	}
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	return recs[1:]
}

// TestImportPlacesFromAllDivisions imports every NBS town and village of
// the country as place names and checks their romanization.
func TestImportPlacesFromAllDivisions(t *testing.T) {
	db, _ := dbtest.Fresh(t, true)
	ctx := t.Context()
	start := time.Now()
	levels := loadNBSDivisions(t, db, "villages_national.csv.gz")
	if levels[4] != 41352 || levels[5] != 620573 {
		t.Fatalf("loaded divisions per level %v, want 41352 towns and 620573 villages", levels)
	}
	t.Logf("divisions loaded in %v: %v", time.Since(start), levels)
	start = time.Now()
	rep, err := db.ImportPlacesFromDivisions(ctx, "")
	if err != nil {
		t.Fatalf("ImportPlacesFromDivisions() = %v", err)
	}
	t.Logf("places imported in %v: created %d, skipped %v, failed %v, unread %d %v", time.Since(start), rep.Created, rep.Skipped, rep.Failed, rep.UnreadN, rep.Unread)
	if rep.Skipped["no reading"] != 0 {
		t.Errorf("names that failed: %v", rep.Failed)
	}
	// A handful of official names hold characters no dictionary reads
	// (private-use code points); they import, listed for a person.
	if rep.UnreadN > 20 {
		t.Errorf("%d names with unread characters, want a handful: %v", rep.UnreadN, rep.Unread)
	}
	var towns, villages, empty int
	err = db.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE d.level=4), count(*) FILTER (WHERE d.level=5),
		count(*) FILTER (WHERE p.romanization = '' OR p.pinyin !~ '^[a-z]+$')
		FROM places p JOIN divisions d ON d.code = p.source_division`).Scan(&towns, &villages, &empty)
	if err != nil {
		t.Fatal(err)
	}
	if towns != 41352 || villages != 620573 || empty != 0 {
		t.Errorf("places: %d towns, %d villages, %d without romanization; want 41352, 620573, 0", towns, villages, empty)
	}
	for code, want := range map[string]string{"330683102000": "Chongren Zhen", "330602001000": "Tashan Jiedao"} {
		var got string
		if err := db.Pool.QueryRow(ctx, `SELECT romanization FROM places WHERE source_division=$1`, code[:9]).Scan(&got); err != nil || got != want {
			t.Errorf("romanization of %s = %q (%v), want %q", code, got, err, want)
		}
	}
	// Idempotent: a second run creates nothing.
	rep, err = db.ImportPlacesFromDivisions(ctx, "33")
	if err != nil || rep.Created != 0 {
		t.Errorf("second import = %+v, %v; want nothing created", rep.Created, err)
	}
}
