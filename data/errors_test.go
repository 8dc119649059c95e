package data_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// outageErrors produces the errors a client sees when PostgreSQL is down,
// restarting, full or slow, by making each happen on the real test server.
func outageErrors(t *testing.T) map[string]error {
	t.Helper()
	ctx := t.Context()
	admin := os.Getenv(dbtest.EnvURL)
	out := map[string]error{}

	// Nothing listens on port 1: connection refused.
	_, out["connection refused"] = pgx.Connect(ctx, "postgres://x:y@127.0.0.1:1/x?sslmode=disable&connect_timeout=2")

	// A backend terminated by an administrator (what a fast shutdown does
	// to every session): the next query on it fails.
	victim, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close(context.Background())
	killer, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close(context.Background())
	var pid uint32 = victim.PgConn().PID()
	if _, err := killer.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	_, out["backend terminated"] = victim.Exec(ctx, `SELECT 1`)

	// A role allowed one connection opening a second: too many connections.
	role := "diming_test_limited_" + time.Now().Format("150405")
	if _, err := killer.Exec(ctx, `CREATE ROLE `+role+` LOGIN PASSWORD 'limited-pw' CONNECTION LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	// Dropped on a connection of its own: the deadline case below makes
	// pgx close killer's connection.
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			t.Errorf("drop role %s: %v", role, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), `DROP ROLE `+role); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	cfg, _ := pgx.ParseConfig(admin)
	first, err := pgx.Connect(ctx, "postgres://"+role+":limited-pw@"+cfg.Host+":"+strconv.Itoa(int(cfg.Port))+"/"+cfg.Database+"?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	_, out["too many connections"] = pgx.Connect(ctx, "postgres://"+role+":limited-pw@"+cfg.Host+":"+strconv.Itoa(int(cfg.Port))+"/"+cfg.Database+"?sslmode=disable")
	first.Close(context.Background())

	// A statement over statement_timeout, and a request past its deadline.
	if _, err := killer.Exec(ctx, `SET statement_timeout = 20`); err != nil {
		t.Fatal(err)
	}
	_, out["statement timeout"] = killer.Exec(ctx, `SELECT pg_sleep(1)`)
	if _, err := killer.Exec(ctx, `SET statement_timeout = 0`); err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	_, out["request deadline"] = killer.Exec(dctx, `SELECT pg_sleep(1)`)
	return out
}

func TestTranslateOutages(t *testing.T) {
	real := outageErrors(t)
	tests := []struct {
		name string
		err  error
		want diming.Kind
	}{
		{"connection refused", real["connection refused"], diming.Unavailable},
		{"backend terminated", real["backend terminated"], diming.Unavailable},
		{"too many connections", real["too many connections"], diming.Unavailable},
		{"statement timeout", real["statement timeout"], diming.Unavailable},
		{"request deadline", real["request deadline"], diming.Unavailable},
		// Codes the server sends while it stops or starts, which a test
		// cannot time reliably; the values are what pgconn builds from them.
		{"57P01 admin shutdown", &pgconn.PgError{Severity: "FATAL", Code: "57P01"}, diming.Unavailable},
		{"57P02 crash shutdown", &pgconn.PgError{Severity: "FATAL", Code: "57P02"}, diming.Unavailable},
		{"57P03 cannot connect now", &pgconn.PgError{Severity: "FATAL", Code: "57P03"}, diming.Unavailable},
		{"08006 connection failure", &pgconn.PgError{Code: "08006"}, diming.Unavailable},
		{"08P01 protocol violation", &pgconn.PgError{Code: "08P01"}, diming.Unavailable},
		{"53300 too many connections", &pgconn.PgError{Code: "53300"}, diming.Unavailable},
		{"wrapped deadline", errors.Join(errors.New("load"), context.DeadlineExceeded), diming.Unavailable},
		// What must stay as it was.
		{"unique violation", &pgconn.PgError{Code: "23505"}, diming.Conflict},
		{"check violation", &pgconn.PgError{Code: "23514", ConstraintName: "x"}, diming.Invalid},
		{"no rows", pgx.ErrNoRows, diming.NotFound},
		{"syntax error", &pgconn.PgError{Code: "42601"}, diming.Internal},
		{"plain error", errors.New("boom"), diming.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("the error did not happen")
			}
			t.Logf("%T: %v", tt.err, tt.err)
			got := data.Translate("data.test", tt.err)
			if k := diming.KindOf(got); k != tt.want {
				t.Fatalf("KindOf(translate(%v)) = %v, want %v", tt.err, k, tt.want)
			}
			var de *diming.Error
			if tt.want == diming.Unavailable && (!errors.As(got, &de) || !hasHan(de.Msg)) {
				t.Errorf("message %q is not in Chinese", de.Msg)
			}
		})
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
