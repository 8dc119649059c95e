package data_test

import (
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/jackc/pgx/v5"
)

// TestAppRoleCannotGetAroundTheGuards runs, as the application role the
// server uses, everything that would get around the append-only audit log
// and the no-delete rule; the database refuses each.
func TestAppRoleCannotGetAroundTheGuards(t *testing.T) {
	db := dbtest.Open(t)
	ctx := t.Context()
	p, err := db.Privileges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Privileged() {
		t.Fatalf("Privileges() = %+v; the tests must run as an ordinary role", p)
	}
	if op, err := dbtest.Owner(t).Privileges(ctx); err != nil || !op.Privileged() {
		t.Fatalf("owner Privileges() = %+v, %v; want privileged", op, err)
	}
	tables := publicTables(t, db)
	if len(tables) < 20 {
		t.Fatalf("found %d tables, want every product table", len(tables))
	}
	refused := []string{
		`ALTER TABLE audit_log DISABLE TRIGGER ALL`,
		`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`,
		`ALTER TABLE places DISABLE TRIGGER places_refuse_delete`,
		`SET session_replication_role = replica`,
		`SET LOCAL session_replication_role = replica`,
		`UPDATE audit_log SET actor = 'x'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
		`CREATE TABLE sneaky (id int)`,
		`DROP TABLE places`,
	}
	for _, tb := range tables {
		refused = append(refused, `TRUNCATE `+tb, `TRUNCATE `+tb+` CASCADE`, `ALTER TABLE `+tb+` DISABLE TRIGGER ALL`)
		if tb != "division_parts" {
			refused = append(refused, `DELETE FROM `+tb)
		}
	}
	for _, sql := range refused {
		err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sql)
			return err
		})
		if err == nil {
			t.Errorf("%s: succeeded as the application role", sql)
			continue
		}
		if k := diming.KindOf(data.Translate("test", err)); k != diming.Forbidden && k != diming.Invalid {
			t.Errorf("%s: %v (kind %v), want a refusal", sql, err, k)
		}
	}
	// What the server does still works: append to the audit log and read it.
	if err := data.Audit(ctx, db.Pool, data.Change{Action: "test.append", Entity: "test", EntityID: "1"}); err != nil {
		t.Fatalf("appending to the audit log as the application role: %v", err)
	}
}

func publicTables(t *testing.T, db *data.DB) []string {
	t.Helper()
	rows, err := db.Pool.Query(t.Context(), `SELECT quote_ident(tablename) FROM pg_tables
		WHERE schemaname = 'public' AND tablename NOT IN ('spatial_ref_sys') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}
