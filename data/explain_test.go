package data_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/gazetteer"
	"github.com/jackc/pgx/v5"
)

// statements is a pgx tracer keeping the SELECTs a store call runs.
type statements struct {
	mu   sync.Mutex
	list []traced
}

type traced struct {
	sql  string
	args []any
}

func (s *statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if q := strings.TrimSpace(d.SQL); strings.HasPrefix(strings.ToUpper(q), "SELECT") || strings.HasPrefix(strings.ToUpper(q), "WITH") {
		s.mu.Lock()
		s.list = append(s.list, traced{q, d.Args})
		s.mu.Unlock()
	}
	return ctx
}

func (s *statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (s *statements) take() []traced {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.list
	s.list = nil
	return out
}

// bigTables are the tables a scope or prefix look-up must never read whole.
var bigTables = map[string]bool{"divisions": true, "places": true, "division_names": true}

// checkPrefixPlans runs the store's scope and prefix look-ups on a database
// holding the national division list and fails when the plan of any of
// their statements reads a large table sequentially.
func checkPrefixPlans(t *testing.T, url string) {
	t.Helper()
	rec := &statements{}
	db, err := data.Open(t.Context(), data.Config{URL: url, MaxConns: 2, Tracer: rec}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()
	calls := []struct {
		name string
		call func() error
	}{
		{"divisions within a prefecture", func() error {
			_, err := db.FindDivisions(ctx, boundaries.DivisionFilter{Within: "330600", Level: 5, Limit: 50})
			return err
		}},
		{"divisions by code prefix", func() error {
			_, err := db.FindDivisions(ctx, boundaries.DivisionFilter{Query: "330602", Limit: 50})
			return err
		}},
		{"place search within a county", func() error {
			_, err := db.SearchPlaces(ctx, gazetteer.Filter{Query: "石桥", DivisionCode: "330602", Limit: 20})
			return err
		}},
		{"applications in scope", func() error {
			_, err := db.FindApplications(ctx, diming.CodePrefix("330602"), "")
			return err
		}},
		{"overdue lines within", func() error {
			_, err := db.FindOverdueLines(ctx, "3306", time.Now())
			return err
		}},
	}
	for _, c := range calls {
		rec.take()
		if err := c.call(); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		stmts := rec.take()
		if len(stmts) == 0 {
			t.Errorf("%s ran no SELECT", c.name)
		}
		for _, s := range stmts {
			var plan []byte
			if err := db.Pool.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+s.sql, s.args...).Scan(&plan); err != nil {
				t.Errorf("%s: EXPLAIN: %v\n%s", c.name, err, s.sql)
				continue
			}
			if seq := seqScans(plan); len(seq) > 0 {
				t.Errorf("%s reads %v sequentially:\n%s\nplan: %.1500s", c.name, seq, s.sql, plan)
			}
		}
	}
}

// seqScans lists the large tables a JSON plan scans sequentially.
func seqScans(plan []byte) []string {
	var root []map[string]any
	if json.Unmarshal(plan, &root) != nil {
		return []string{"unreadable plan"}
	}
	var out []string
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		if n["Node Type"] == "Seq Scan" && bigTables[n["Relation Name"].(string)] {
			out = append(out, n["Relation Name"].(string))
		}
		kids, _ := n["Plans"].([]any)
		for _, k := range kids {
			if m, ok := k.(map[string]any); ok {
				walk(m)
			}
		}
	}
	for _, r := range root {
		if p, ok := r["Plan"].(map[string]any); ok {
			walk(p)
		}
	}
	return out
}

// checkPrefixRule checks that the database's division_prefix and
// diming.CodePrefix give the same answer for every code of the national
// list and for the zero-padded forms users type.
func checkPrefixRule(t *testing.T, db *data.DB) {
	t.Helper()
	rows, err := db.Pool.Query(t.Context(), `SELECT c, division_prefix(c) FROM (
		SELECT code AS c FROM divisions
		UNION ALL SELECT rpad(code, 12, '0') FROM divisions WHERE level < 5) x`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, bad := 0, 0
	for rows.Next() {
		var code, sql string
		if err := rows.Scan(&code, &sql); err != nil {
			t.Fatal(err)
		}
		n++
		if got := diming.CodePrefix(code); got != sql {
			if bad++; bad <= 5 {
				t.Errorf("prefix of %s: Go %q, SQL %q", code, got, sql)
			}
		}
	}
	if n < 600_000 || bad > 0 {
		t.Errorf("compared %d codes, %d disagree", n, bad)
	}
}
