package data_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/gazetteer"
	"github.com/jackc/pgx/v5"
)

// BenchmarkAutocomplete measures autocomplete over every division name of
// the country (all 660,000: provinces to villages) plus the demo names,
// against the plain indexed prefix query on the same queries in the same
// run. Queries mix characters (1–3), full pinyin and initials, as people
// type them.
func BenchmarkAutocomplete(b *testing.B) {
	db, _ := dbtest.Fresh(b, true)
	ctx := b.Context()
	loadNBSDivisions(b, db, "villages_national.csv.gz")
	if _, err := db.ImportPlacesFromDivisions(ctx, ""); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level, parent_code, generated) VALUES
		('330699','示范县',3,'330600',true), ('330699100','示范镇',4,'330699',true)`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.LoadGazetteerDemo(ctx); err != nil {
		b.Fatal(err)
	}
	if err := dbtest.AsOwner(b, db, `ANALYZE places`); err != nil { // only the owner may analyze
		b.Fatal(err)
	}
	var total int
	_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM places`).Scan(&total)
	queries := benchQueries(b, db, 600)
	svc := gazetteer.NewService(db, nil)
	ours := func(q string) error { _, err := svc.Autocomplete(ctx, q, 10); return err }
	plain := func(q string) error { return plainPrefix(ctx, db, q) }
	// Warm both paths once, then interleave so that neither gets a warmer cache.
	for _, q := range queries[:50] {
		_ = ours(q)
		_ = plain(q)
	}
	b.ResetTimer()
	var oursD, plainD []time.Duration
	for i := 0; i < b.N; i++ {
		for _, q := range queries {
			t0 := time.Now()
			if err := ours(q); err != nil {
				b.Fatalf("Autocomplete(%q) = %v", q, err)
			}
			oursD = append(oursD, time.Since(t0))
			t0 = time.Now()
			if err := plain(q); err != nil {
				b.Fatal(err)
			}
			plainD = append(plainD, time.Since(t0))
		}
	}
	b.StopTimer()
	slow := slices.Clone(queries)
	idx := make([]int, len(queries))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, c int) int { return int(oursD[c] - oursD[a]) })
	for _, i := range idx[:8] {
		b.Logf("slow: %q %v (plain %v)", slow[i], oursD[i], plainD[i])
	}
	p50, p95 := percentiles(oursD)
	q50, q95 := percentiles(plainD)
	b.ReportMetric(float64(total), "names")
	b.ReportMetric(ms(p50), "p50_ms")
	b.ReportMetric(ms(p95), "p95_ms")
	b.ReportMetric(ms(q50), "plain_p50_ms")
	b.ReportMetric(ms(q95), "plain_p95_ms")
	b.ReportMetric(float64(p95)/float64(q95), "p95_x_vs_plain_sql")
	if p95 > 20*time.Millisecond {
		b.Logf("autocomplete p95 %v is over the 20 ms target", p95)
	}
}

// plainPrefix is the baseline: one indexed prefix query on the name (or
// on the pinyin key for latin input) that stops at the first ten rows:
// no ranking, no successors.
func plainPrefix(ctx context.Context, db *data.DB, q string) error {
	col := "name"
	if gazetteer.IsLatin(q) {
		col = "pinyin"
	}
	rows, err := db.Pool.Query(ctx, `SELECT id, name FROM places WHERE `+col+` LIKE $1 || '%' LIMIT 10`, pgx.QueryExecModeExec, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

// benchQueries samples names deterministically and derives what people
// type: 1–3 characters, the first syllables in pinyin, or initials.
func benchQueries(tb testing.TB, db *data.DB, n int) []string {
	tb.Helper()
	rows, err := db.Pool.Query(tb.Context(), `SELECT name, sound, initials FROM places WHERE id % 997 = 0 ORDER BY id`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	type row struct{ name, sound, initials string }
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.name, &r.sound, &r.initials); err != nil {
			tb.Fatal(err)
		}
		all = append(all, r)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var out []string
	for len(out) < n {
		r := all[rng.IntN(len(all))]
		rs := []rune(r.name)
		syl := splitSpaces(r.sound)
		switch rng.IntN(4) {
		case 0:
			out = append(out, string(rs[:min(len(rs), 1+rng.IntN(3))]))
		case 1:
			out = append(out, string(rs[:min(len(rs), 2)]))
		case 2:
			k := min(len(syl), 1+rng.IntN(2))
			s := ""
			for _, x := range syl[:k] {
				s += x
			}
			out = append(out, s)
		default:
			out = append(out, r.initials[:min(len(r.initials), 2+rng.IntN(2))])
		}
	}
	return out
}

func splitSpaces(s string) []string {
	var out []string
	cur := ""
	for _, r := range s {
		if r == ' ' {
			out = append(out, cur)
			cur = ""
			continue
		}
		cur += string(r)
	}
	return append(out, cur)
}

func percentiles(ds []time.Duration) (p50, p95 time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2], s[len(s)*95/100]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
