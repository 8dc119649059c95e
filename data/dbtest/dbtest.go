// Package dbtest gives tests a real PostGIS database: a throwaway database
// per test binary on the project's test cluster, with every migration
// applied. A test that cannot reach the database fails; it never skips.
//
// As in production, the migrations run as the owner and the tests run as
// an ordinary application role with the privileges data.GrantApp gives
// it (one role per test binary, dropped at the end). Owner returns the
// owner's handle for the few fixtures that need DDL.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
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
	shared *data.DB // as the application role
	owner  *data.DB // as the owner, for DDL fixtures
	name   string
	setup  error

	roleOnce     sync.Once
	role, rolePW string
	roleErr      error
	roleCreated  bool

	owners sync.Map // *data.DB (application role) → its database's owner URL
)

// Open returns the package's shared test database, creating and migrating
// it on first use. Tests share it, so they use their own codes and names.
func Open(tb testing.TB) *data.DB {
	tb.Helper()
	once.Do(func() { shared, setup = create(tb) })
	if setup != nil {
		tb.Fatalf("test database: %v (run `make test`, or start the test cluster and set %s)", setup, EnvURL)
	}
	return shared
}

// Owner returns the shared test database as its owner, for fixtures
// that create tables, functions or triggers. Call Regrant after creating
// tables the application role must read.
func Owner(tb testing.TB) *data.DB {
	tb.Helper()
	Open(tb)
	return owner
}

// AsOwner runs sql on db's database as its owner (a fixture that
// creates a table, function or trigger) and then re-grants the
// application role, so tables the fixture made are readable by db.
func AsOwner(tb testing.TB, db *data.DB, sql string) error {
	tb.Helper()
	v, ok := owners.Load(db)
	if !ok {
		tb.Fatal("AsOwner: db did not come from dbtest")
	}
	ctx := context.Background()
	odb, err := data.Open(ctx, data.Config{URL: v.(string), MaxConns: 1}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatalf("connect as the owner: %v", err)
	}
	defer odb.Close()
	if _, err := odb.Pool.Exec(ctx, sql); err != nil {
		return err
	}
	if err := odb.GrantApp(ctx, role); err != nil {
		tb.Fatalf("grant the application role: %v", err)
	}
	return nil
}

// AppURL returns dbURL (a test database URL) logging in as the test
// binary's application role instead of the owner.
func AppURL(tb testing.TB, dbURL string) string {
	tb.Helper()
	if err := ensureRole(); err != nil {
		tb.Fatalf("application role: %v", err)
	}
	if _, err := url.Parse(dbURL); err != nil {
		tb.Fatal(err)
	}
	return withRole(dbURL)
}

// withRole returns dbURL logging in as the application role (made).
func withRole(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return dbURL
	}
	u.User = url.UserPassword(role, rolePW)
	return u.String()
}

func parseURL(s string) (*url.URL, error) { return url.Parse(s) }

// ensureRole creates the test binary's application role once.
func ensureRole() error {
	roleOnce.Do(func() {
		admin := adminURL()
		if admin == "" {
			roleErr = errNoURL
			return
		}
		role = "diming_test_app_" + randomName()[len("diming_test_"):]
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		rolePW = hex.EncodeToString(b)
		roleErr = data.EnsureAppRole(context.Background(), admin, role, rolePW)
		roleCreated = roleErr == nil
	})
	return roleErr
}

// Fresh returns a database of its own for a test that must start from an
// empty schema; it is dropped when the test ends. Without migrate the
// handle is the owner's, for tests of the migrations themselves; with
// migrate the migrations run as the owner and the handle is the
// application role's, as the server's would be. url is the owner's URL.
func Fresh(tb testing.TB, migrate bool) (db *data.DB, url string) {
	tb.Helper()
	admin := adminURL()
	if admin == "" {
		tb.Fatalf("%s is not set: run `make test`", EnvURL)
	}
	ctx := context.Background()
	var n, u string
	var err error
	if migrate {
		// A copy of the schema template: the migrations as they would
		// leave an empty database, without applying them again.
		n, u, err = schemaCopy(tb)
	} else {
		n = randomName()
		u, err = data.EnsureDatabase(ctx, admin, n)
	}
	if err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	logger := quiet()
	odb, err := data.Open(ctx, data.Config{URL: u, MaxConns: 8}, logger)
	if err != nil {
		_ = data.DropDatabase(ctx, admin, n)
		tb.Fatalf("open test database: %v", err)
	}
	tb.Cleanup(func() {
		odb.Close()
		_ = data.DropDatabase(context.Background(), admin, n)
	})
	if !migrate {
		return odb, u
	}
	if err := ensureRole(); err != nil {
		tb.Fatalf("application role: %v", err)
	}
	if err := odb.GrantApp(ctx, role); err != nil {
		tb.Fatalf("grant the application role: %v", err)
	}
	adb, err := openApp(ctx, u)
	if err != nil {
		tb.Fatalf("open test database as the application role: %v", err)
	}
	owners.Store(adb, u)
	// Cleanups run last-in first-out: the application pool closes before
	// the database is dropped.
	tb.Cleanup(adb.Close)
	return adb, u
}

func adminURL() string { return os.Getenv(EnvURL) }

func randomName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "diming_test_" + hex.EncodeToString(b)
}

func create(tb testing.TB) (*data.DB, error) {
	if adminURL() == "" {
		return nil, errNoURL
	}
	ctx := context.Background()
	var u string
	var err error
	if name, u, err = schemaCopy(tb); err != nil {
		return nil, err
	}
	if owner, err = data.Open(ctx, data.Config{URL: u, MaxConns: 4}, quiet()); err != nil {
		return nil, err
	}
	if err := ensureRole(); err != nil {
		return nil, err
	}
	if err := owner.GrantApp(ctx, role); err != nil {
		return nil, err
	}
	app, err := openApp(ctx, u)
	if err != nil {
		return nil, err
	}
	owners.Store(app, u)
	return app, nil
}

// Main wraps a package's TestMain: it runs the tests and drops the shared
// database afterwards (kept when DIMING_KEEP_TEST_DB is set, for debugging).
func Main(m *testing.M) int {
	code := m.Run()
	keep := os.Getenv("DIMING_KEEP_TEST_DB") != ""
	if shared != nil {
		shared.Close()
	}
	if owner != nil {
		owner.Close()
		if !keep {
			_ = data.DropDatabase(context.Background(), adminURL(), name)
		}
	}
	if sharedNational != nil {
		sharedNational.Close()
		if !keep {
			_ = data.DropDatabase(context.Background(), adminURL(), sharedNationalName)
		}
	}
	if roleCreated && !keep {
		_ = data.DropRole(context.Background(), adminURL(), role)
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
