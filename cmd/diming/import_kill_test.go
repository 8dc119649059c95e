package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/jackc/pgx/v5"
)

// runMainEnv makes the test binary run main() (see TestMain).
const runMainEnv = "DIMING_TEST_RUN_MAIN"

// TestImportKilled kills the program (SIGKILL, no chance to clean up) in
// the middle of importing the national villages and finds every table
// with the rows it had before the import started.
func TestImportKilled(t *testing.T) {
	owner, url := dbtest.Fresh(t, false)
	getenv := dbEnv(t, url, nil)
	nbs := dbtest.SharedData(t, "nbs-2023-divisions")
	if err := run(t.Context(), []string{"import", "nbs", filepath.Join(nbs, "provinces.csv"), filepath.Join(nbs, "cities.csv"), filepath.Join(nbs, "areas.csv")},
		getenv, strings.NewReader(""), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	before := tableCounts(t, owner)
	if before["divisions"] == 0 {
		t.Fatal("the county-level import left no divisions")
	}

	cmd := exec.Command(os.Args[0], "-log-format", "text", "import", "nbs",
		filepath.Join(nbs, "streets.csv"), filepath.Join(nbs, "villages_national.csv.gz"))
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "DATABASE_URL="+getenv("DATABASE_URL"), "DATABASE_OWNER_URL="+url)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Kill once the import's COPY has sent a good part of the rows.
	copied := int64(0)
	for copied < 100_000 {
		select {
		case err := <-exited:
			t.Fatalf("the import ended (%v) before it could be killed", err)
		case <-time.After(20 * time.Millisecond):
		}
		err := owner.Pool.QueryRow(t.Context(), `SELECT coalesce(max(tuples_processed), 0) FROM pg_stat_progress_copy
			WHERE datname = current_database()`).Scan(&copied)
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	t.Logf("killed the import after %d rows were copied", copied)

	// The server rolls the dead connection's transaction back.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var busy int
		if err := owner.Pool.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`).Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if busy == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions still busy 30 s after the kill", busy)
		}
		time.Sleep(50 * time.Millisecond)
	}
	after := tableCounts(t, owner)
	for table, n := range before {
		if after[table] != n {
			t.Errorf("%s: %d rows before the killed import, %d after", table, n, after[table])
		}
	}
	for table, n := range after {
		if _, ok := before[table]; !ok {
			t.Errorf("table %s (%d rows) appeared", table, n)
		}
	}
}

// tableCounts counts the rows of every table in the public schema.
func tableCounts(t *testing.T, db *data.DB) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Pool.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, table := range tables {
		var n int64
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}
