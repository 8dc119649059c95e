package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/diming/diming"
	"github.com/jackc/pgx/v5"
)

// Change is one audited write: what was done to which record, with the
// record before and after (nil for a create, or for a retire's after).
type Change struct {
	Action   string // e.g. "place.rename"
	Entity   string // table-like name, e.g. "place"
	EntityID string
	Before   any
	After    any
	Reason   string // an override or retirement reason, when there is one
	// Actor names who acted when ctx carries no user (e.g. "anonymous" for
	// a failed sign-in); writes without either are "system".
	Actor string
}

// audit appends ch to the audit log in the caller's transaction, so the
// write and its record commit or roll back together. The actor and request
// ID come from ctx; writes without a user (imports, the demo loader) are
// attributed to "system".
func audit(ctx context.Context, q DBTX, ch Change) error {
	before, err := marshalAudit(ch.Before)
	if err != nil {
		return err
	}
	after, err := marshalAudit(ch.After)
	if err != nil {
		return err
	}
	var actorID *int64
	actor := "system"
	if ch.Actor != "" {
		actor = ch.Actor
	}
	if u := diming.UserFrom(ctx); u != nil {
		actor = u.Username
		if u.ID != 0 {
			actorID = &u.ID
		}
	}
	_, err = q.Exec(ctx, `INSERT INTO audit_log (actor_id, actor, request_id, action, entity, entity_id, before, after, reason)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		actorID, actor, diming.RequestIDFrom(ctx), ch.Action, ch.Entity, ch.EntityID, before, after, ch.Reason)
	if err != nil {
		return translate("data.audit", err)
	}
	return nil
}

func marshalAudit(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: marshal %T: %w", v, err)
	}
	return b, nil
}

// Audit appends a change outside a store method, for callers (importers,
// the CLI) that wrote through their own transaction.
func Audit(ctx context.Context, q DBTX, ch Change) error { return audit(ctx, q, ch) }

// AuditEntry is one row of the audit log as read back.
type AuditEntry = diming.AuditEntry

// FindAudit returns the audit trail of one record, oldest first.
func (db *DB) FindAudit(ctx context.Context, entity, id string) ([]AuditEntry, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, to_char(at AT TIME ZONE 'UTC','YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor, request_id,
		action, entity, entity_id, before, after, reason FROM audit_log WHERE entity=$1 AND entity_id=$2 ORDER BY id`, entity, id)
	if err != nil {
		return nil, translate("data.FindAudit", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.RequestID, &e.Action, &e.Entity, &e.EntityID, &e.Before, &e.After, &e.Reason); err != nil {
			return nil, translate("data.FindAudit", err)
		}
		out = append(out, e)
	}
	return out, translate("data.FindAudit", rows.Err())
}

// staleVersion is the error for an update whose version is no longer the
// current one; current is the record as it is now.
func staleVersion(op string, version int, current any) error {
	return &diming.Error{Op: op, Kind: diming.Conflict, Current: current,
		Msg: fmt.Sprintf("此记录已被他人修改（当前版本 %d），请重新读取后再修改", version)}
}

// FindAuditTrail is FindAudit for the web layer's account store.
func (db *DB) FindAuditTrail(ctx context.Context, entity, id string) ([]diming.AuditEntry, error) {
	return db.FindAudit(ctx, entity, id)
}

// auditDivisionsSQL returns, for an audited kind of record, the query of
// the division codes one record lies in ($1 its entity id), and whether
// the id must be a number. Kinds that belong to no division (imports,
// word lists, sign-ins of unknown names) have none: their trails are for
// national users only.
func auditDivisionsSQL(entity string) (sql string, numeric bool) {
	const lineSides = `SELECT ARRAY[left_code, right_code] FROM boundary_lines WHERE id = `
	switch entity {
	case "user":
		return `SELECT ARRAY[scope] FROM users WHERE id = $1::bigint`, true
	case "api_token":
		return `SELECT ARRAY[u.scope] FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1::bigint`, true
	case "division", "community":
		return `SELECT ARRAY[code] FROM divisions WHERE code = $1`, false
	case "place":
		return `SELECT ARRAY[division_code] FROM places WHERE id = $1::bigint`, true
	case "naming_application":
		return `SELECT ARRAY[division_code] FROM naming_applications WHERE id = $1::bigint`, true
	case "announcement":
		return `SELECT ARRAY[division_code] FROM announcements WHERE id = $1::bigint`, true
	case "street":
		return `SELECT ARRAY[division_code] FROM streets WHERE id = $1::bigint`, true
	case "address":
		return `SELECT ARRAY[division_code] FROM addresses WHERE id = $1::bigint`, true
	case "plate":
		return `SELECT ARRAY[a.division_code] FROM plates p JOIN addresses a ON a.id = p.address_id WHERE p.public_id = $1`, false
	case "grid":
		return `SELECT ARRAY[community_code] FROM grids WHERE id = $1::bigint`, true
	case "boundary_line":
		return lineSides + `$1::bigint`, true
	case "boundary_marker":
		return lineSides + `(SELECT line_id FROM boundary_markers WHERE id = $1::bigint)`, true
	case "line_inspection":
		return lineSides + `(SELECT line_id FROM line_inspections WHERE id = $1::bigint)`, true
	}
	return "", false
}

// AuditDivisions returns the division codes the record entity/id lies in,
// so that its audit trail is read under the scope rule its writes follow.
// A record of no division, or one not found, gives [""]: the whole
// country, readable by national users only.
func (db *DB) AuditDivisions(ctx context.Context, entity, id string) ([]string, error) {
	sql, numeric := auditDivisionsSQL(entity)
	if sql == "" || (numeric && !allDigits(id)) {
		return []string{""}, nil
	}
	var codes []string
	err := db.Pool.QueryRow(ctx, sql, id).Scan(&codes)
	if errors.Is(err, pgx.ErrNoRows) || len(codes) == 0 {
		return []string{""}, nil
	}
	return codes, translate("data.AuditDivisions", err)
}

func allDigits(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
