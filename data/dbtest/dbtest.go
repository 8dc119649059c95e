// Package dbtest gives tests a real PostGIS database: a throwaway database
// per test binary on the project's test cluster, with every migration
// applied. A test that cannot reach the database fails; it never skips.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/diming/diming/data"
)

// EnvURL names the variable holding an admin URL of the test server;
// `make test` sets it after starting the test cluster.
const EnvURL = "DIMING_TEST_DATABASE_URL"

var (
	once   sync.Once
	shared *data.DB
	name   string
	setup  error
)

// Open returns the package's shared test database, creating and migrating
// it on first use. Tests share it, so they use their own codes and names.
func Open(tb testing.TB) *data.DB {
	tb.Helper()
	once.Do(func() { shared, setup = create() })
	if setup != nil {
		tb.Fatalf("test database: %v (run `make test`, or start the test cluster and set %s)", setup, EnvURL)
	}
	return shared
}

// Fresh returns a database of its own for a test that must start from an
// empty schema; it is dropped when the test ends.
func Fresh(tb testing.TB, migrate bool) (*data.DB, string) {
	tb.Helper()
	admin := adminURL()
	if admin == "" {
		tb.Fatalf("%s is not set: run `make test`", EnvURL)
	}
	ctx := context.Background()
	n := randomName()
	u, err := data.EnsureDatabase(ctx, admin, n)
	if err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	db, err := data.Open(ctx, data.Config{URL: u, MaxConns: 8}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatalf("open test database: %v", err)
	}
	tb.Cleanup(func() {
		db.Close()
		_ = data.DropDatabase(context.Background(), admin, n)
	})
	if migrate {
		if err := db.Migrate(ctx); err != nil {
			tb.Fatalf("migrate: %v", err)
		}
	}
	return db, u
}

func adminURL() string { return os.Getenv(EnvURL) }

func randomName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "diming_test_" + hex.EncodeToString(b)
}

func create() (*data.DB, error) {
	admin := adminURL()
	if admin == "" {
		return nil, errNoURL
	}
	ctx := context.Background()
	name = randomName()
	u, err := data.EnsureDatabase(ctx, admin, name)
	if err != nil {
		return nil, err
	}
	db, err := data.Open(ctx, data.Config{URL: u, MaxConns: 16}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	return db, nil
}

// Main wraps a package's TestMain: it runs the tests and drops the shared
// database afterwards (kept when DIMING_KEEP_TEST_DB is set, for debugging).
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		shared.Close()
		if os.Getenv("DIMING_KEEP_TEST_DB") == "" {
			_ = data.DropDatabase(context.Background(), adminURL(), name)
		}
	}
	return code
}

type constError string

func (e constError) Error() string { return string(e) }

const errNoURL = constError(EnvURL + " is not set")

// SharedData returns the path of rel inside ../shared/data beside the
// repository (the real public data), failing the test when it is missing.
func SharedData(tb testing.TB, rel string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("SharedData: repository root (go.mod) not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("shared data %s is missing: %v", rel, err)
	}
	return p
}
