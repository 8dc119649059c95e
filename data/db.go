package data

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/bcrypt"
)

// DBTX is what stores need from a database handle; both *pgxpool.Pool and
// pgx.Tx satisfy it, and Tx.Begin nests as a savepoint.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
	CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error)
}

// Config is how to reach the database.
type Config struct {
	URL             string
	MaxConns        int32
	MaxConnLifetime time.Duration
	// StatementTimeout is the backstop behind request contexts.
	StatementTimeout time.Duration
	// Tracer, when set, sees every statement (tests read query plans with it).
	Tracer pgx.QueryTracer
	// PasswordCost is the bcrypt cost of new password hashes (0 means
	// bcrypt.DefaultCost). Only tests lower it: under the race detector
	// one hash at the default cost takes a second or more.
	PasswordCost int
}

// DB is the opened database: the pool plus the stores built on it.
type DB struct {
	Pool   *pgxpool.Pool
	logger *slog.Logger
	// replica, when set, takes the reads that may lag (see replica.go).
	replica *replica

	passwordCost int
	dummyOnce    sync.Once
	dummy        []byte
}

// Open connects, pings and logs the PostGIS version once. It returns an
// Unavailable error when the database cannot be reached.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*DB, error) {
	pc, err := poolConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, translate("data.Open", err)
	}
	db := &DB{Pool: pool, logger: logger, passwordCost: cfg.PasswordCost}
	if db.passwordCost == 0 {
		db.passwordCost = bcrypt.DefaultCost
	}
	var v string
	if err := pool.QueryRow(ctx, `SELECT coalesce((SELECT extversion FROM pg_extension WHERE extname='postgis'), 'not installed')`).Scan(&v); err == nil {
		logger.Info("database connected", "postgis", v, "max_conns", pc.MaxConns)
	}
	return db, nil
}

// poolConfig is the pool configuration for cfg, the same for the primary
// and a replica.
func poolConfig(cfg Config) (*pgxpool.Config, error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, err
	}
	pc.MaxConns = cfg.MaxConns
	if pc.MaxConns == 0 {
		pc.MaxConns = 16
	}
	pc.MaxConnLifetime = cfg.MaxConnLifetime
	if pc.MaxConnLifetime == 0 {
		pc.MaxConnLifetime = time.Hour
	}
	if cfg.StatementTimeout == 0 {
		cfg.StatementTimeout = 60 * time.Second
	}
	pc.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(cfg.StatementTimeout.Milliseconds())
	pc.ConnConfig.RuntimeParams["application_name"] = "diming"
	// A connection attempt never waits long, and after a failure the next
	// ones fail fast until a back-off passes (see dialBreaker).
	if pc.ConnConfig.ConnectTimeout == 0 || pc.ConnConfig.ConnectTimeout > 3*time.Second {
		pc.ConnConfig.ConnectTimeout = 3 * time.Second
	}
	pc.ConnConfig.DialFunc = newDialBreaker(pc.ConnConfig.DialFunc).Dial
	if cfg.Tracer != nil {
		pc.ConnConfig.Tracer = cfg.Tracer
	}
	return pc, nil
}

// Close closes the pools.
func (db *DB) Close() {
	if db.replica != nil {
		db.replica.pool.Close()
	}
	db.Pool.Close()
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return translate("data.Ping", db.Pool.Ping(ctx)) }

// WithTx runs fn in a transaction, committing when fn returns nil and
// rolling back otherwise, so a failed edit or import leaves nothing behind.
func (db *DB) WithTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.Pool, fn)
}

// PoolStats returns the pool's counters for /metrics.
func (db *DB) PoolStats() *pgxpool.Stat { return db.Pool.Stat() }

// collect scans every row of a query with scan (a single-row scanner, as
// used with QueryRow too) through pgx.CollectRows. It returns an empty,
// non-nil slice for no rows and translates errors for op.
func collect[T any](op string, rows pgx.Rows, err error, scan func(pgx.Row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, translate(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	if err != nil {
		return nil, translate(op, err)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}
