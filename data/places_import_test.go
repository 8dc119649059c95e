package data_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
)

// loadNBSDivisions imports the NBS 2023 divisions (../shared/data) with the
// boundaries importer: the provinces, prefectures, counties and towns of
// the whole country and the villages of one file. It returns rows per level.
func loadNBSDivisions(tb testing.TB, db *data.DB, villages string) map[int]int {
	tb.Helper()
	dir := dbtest.SharedData(tb, "nbs-2023-divisions")
	var paths []string
	for _, f := range []string{"provinces.csv", "cities.csv", "areas.csv", "streets.csv", villages} {
		paths = append(paths, filepath.Join(dir, f))
	}
	if _, err := boundaries.New(db).ImportNBS(context.Background(), paths, nil); err != nil {
		tb.Fatalf("import NBS divisions: %v", err)
	}
	return levelCounts(tb, db)
}

// levelCounts counts the divisions per level.
func levelCounts(tb testing.TB, db *data.DB) map[int]int {
	tb.Helper()
	counts := map[int]int{}
	rows, err := db.Pool.Query(context.Background(), `SELECT level, count(*) FROM divisions GROUP BY level`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var level, n int
		if err := rows.Scan(&level, &n); err != nil {
			tb.Fatal(err)
		}
		counts[level] = n
	}
	return counts
}

// TestImportPlacesFromAllDivisions imports every NBS town and village of
// the country as place names and checks their romanization. The divisions
// come from a template (dbtest.NBSSet: the NBS lists imported by the
// boundaries importer, once per `make test`).
func TestImportPlacesFromAllDivisions(t *testing.T) {
	start := time.Now()
	db, url := dbtest.Copy(t, dbtest.NBSSet)
	ctx := t.Context()
	levels := levelCounts(t, db)
	if levels[4] != 41352 || levels[5] != 620573 {
		t.Fatalf("loaded divisions per level %v, want 41352 towns and 620573 villages", levels)
	}
	t.Logf("national divisions ready in %v: %v", time.Since(start), levels)
	t.Run("prefix rule and plans", func(t *testing.T) {
		checkPrefixRule(t, db)
		checkPrefixPlans(t, url)
	})
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
