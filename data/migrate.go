package data

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/tern/v2/migrate"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

const versionTable = "public.schema_version"

func newMigrator(ctx context.Context, db *DB, fn func(*migrate.Migrator) error) error {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return translate("data.Migrate", err)
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), versionTable)
	if err != nil {
		return fmt.Errorf("migrator: %w", err)
	}
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return err
	}
	if err := m.LoadMigrations(sub); err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	return fn(m)
}

// Migrate applies every embedded migration not yet applied. Migrations are
// forward-only; tern's advisory lock makes two servers starting at once
// safe.
func (db *DB) Migrate(ctx context.Context) error {
	return newMigrator(ctx, db, func(m *migrate.Migrator) error {
		from, _ := m.GetCurrentVersion(ctx)
		m.OnStart = func(seq int32, name, _, _ string) {
			db.logger.Info("applying migration", "seq", seq, "name", name)
		}
		if err := m.Migrate(ctx); err != nil {
			return fmt.Errorf("migrate from version %d: %w", from, err)
		}
		return nil
	})
}

// MigrationState returns the applied and the available migration versions;
// the server is ready only when they are equal.
func (db *DB) MigrationState(ctx context.Context) (applied, available int32, err error) {
	err = newMigrator(ctx, db, func(m *migrate.Migrator) error {
		v, err := m.GetCurrentVersion(ctx)
		applied, available = v, int32(len(m.Migrations))
		return err
	})
	return applied, available, err
}
