package data_test

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func TestMigrationsFromEmpty(t *testing.T) {
	db, _ := dbtest.Fresh(t, false)
	ctx := t.Context()
	applied, available, err := db.MigrationState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if applied != 0 || available < 4 {
		t.Fatalf("MigrationState() = %d, %d; want 0 applied of at least 4", applied, available)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate() = %v", err)
	}
	applied, available, _ = db.MigrationState(ctx)
	if applied != available {
		t.Fatalf("after Migrate applied %d of %d", applied, available)
	}
	var postgis string
	if err := db.Pool.QueryRow(ctx, `SELECT postgis_lib_version()`).Scan(&postgis); err != nil || postgis == "" {
		t.Fatalf("postgis_lib_version() = %q, %v", postgis, err)
	}
}

// TestMigrateConcurrently starts two migrators at once, as two servers
// starting together would; tern's advisory lock serialises them.
func TestMigrateConcurrently(t *testing.T) {
	a, url := dbtest.Fresh(t, false)
	b, err := data.Open(t.Context(), data.Config{URL: url, MaxConns: 2}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	errs := make(chan error, 2)
	for _, db := range []*data.DB{a, b} {
		go func() { errs <- db.Migrate(t.Context()) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Migrate() = %v", err)
		}
	}
	applied, available, _ := a.MigrationState(t.Context())
	if applied != available {
		t.Fatalf("applied %d of %d", applied, available)
	}
}
