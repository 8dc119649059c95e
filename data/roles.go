package data

import (
	"context"
	"fmt"
	"strings"

	"github.com/diming/diming"
	"github.com/jackc/pgx/v5"
)

// The server runs as an ordinary role (the application role) and the
// migrations as the role that owns the schema (the owner role). The owner
// grants the application role what the server does and nothing else: it
// reads and writes rows, but it owns no table, so it cannot disable a
// trigger or alter a table; it holds no TRUNCATE and no DELETE (records
// retire, they are never deleted); it cannot change the audit log, only
// append to it; and, not being a superuser, it cannot switch
// session_replication_role to skip the triggers that guard the data.

// appGrants is the whole privilege set of the application role, applied
// after every migration so that tables added later are covered. %[1]s is
// the role. It is the one place that says what the server may do.
const appGrants = `
GRANT USAGE ON SCHEMA public TO %[1]s;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %[1]s;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO %[1]s;
-- Migration bookkeeping and the PostGIS catalogue are read-only to it.
REVOKE INSERT, UPDATE ON schema_version, spatial_ref_sys FROM %[1]s;
-- Views are read-only to it (writes go to their tables).
REVOKE INSERT, UPDATE ON retired_codes FROM %[1]s;
-- The audit log is append-only.
REVOKE UPDATE ON audit_log FROM %[1]s;
-- So is the log of reads of sensitive data (issue 11).
REVOKE UPDATE ON access_log FROM %[1]s;
-- division_parts is a derived index of division polygons, rebuilt by
-- polygon imports; it is the one table whose rows are deleted.
GRANT DELETE ON division_parts TO %[1]s;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %[1]s;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO %[1]s;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;`

// GrantApp gives the application role its privileges. It runs on the
// owner's connection after Migrate; it is idempotent.
func (db *DB) GrantApp(ctx context.Context, role string) error {
	const op = "data.GrantApp"
	if role == "" {
		return diming.E(op, diming.Invalid, "没有指定应用角色")
	}
	sql := fmt.Sprintf(appGrants, pgx.Identifier{role}.Sanitize())
	return translate(op, db.WithTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, sql)
		return err
	}))
}

// EnsureAppRole creates the application role on the server behind
// adminURL (a superuser or CREATEROLE connection) unless it exists, and
// sets its password. The role can log in and nothing more.
func EnsureAppRole(ctx context.Context, adminURL, role, password string) error {
	conn, err := connectRetry(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil {
		return err
	}
	id := pgx.Identifier{role}.Sanitize()
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE ROLE "+id); err != nil {
			return fmt.Errorf("create role %s: %w", role, err)
		}
	}
	// Utility statements take no parameters; the password is quoted as a
	// literal (standard_conforming_strings is on in every supported release).
	_, err = conn.Exec(ctx, "ALTER ROLE "+id+" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '"+
		strings.ReplaceAll(password, "'", "''")+"'")
	if err != nil {
		return fmt.Errorf("set up role %s: %w", role, err)
	}
	return nil
}

// DropRole removes a throwaway role (tests) after its databases are gone.
func DropRole(ctx context.Context, adminURL, role string) error {
	conn, err := connectRetry(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{role}.Sanitize())
	return err
}

// RolePrivileges says how powerful the connected role is.
type RolePrivileges struct {
	Role      string
	Superuser bool
	// OwnsTables is true when the role owns tables of the schema, so it
	// could alter them or switch their triggers off.
	OwnsTables bool
}

// Privileged reports whether the role can get around the database's own
// guards (append-only audit log, no deletes): a superuser or an owner.
func (p RolePrivileges) Privileged() bool { return p.Superuser || p.OwnsTables }

// Privileges returns what the pool's role may do, so the server can warn
// when it runs as the owner.
func (db *DB) Privileges(ctx context.Context) (RolePrivileges, error) {
	var p RolePrivileges
	err := db.Pool.QueryRow(ctx, `SELECT current_user, r.rolsuper,
		EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user)
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&p.Role, &p.Superuser, &p.OwnsTables)
	return p, translate("data.Privileges", err)
}

// URLRole is the role a connection string logs in as (URL or key=value
// form, with libpq's defaults), or "" when it cannot be parsed.
func URLRole(connString string) string {
	c, err := pgx.ParseConfig(connString)
	if err != nil {
		return ""
	}
	return c.User
}
