package data_test

import (
	"os"
	"testing"

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
