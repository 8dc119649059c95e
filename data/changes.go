package data

import (
	"context"
	"strconv"

	"github.com/diming/diming/sharing"
)

// changesSQL reads the change feed from the audit log in (transaction,
// row) order, only rows of transactions that no running transaction
// precedes: those rows are final, so a cursor never passes a row that
// commits later (migration 012).
const changesSQL = `SELECT id, xid::text::bigint, to_char(at AT TIME ZONE 'UTC','YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), action, entity, entity_id,
	before, after
FROM audit_log
WHERE (xid, id) > ($1::text::xid8, $2) AND xid < pg_snapshot_xmin(pg_current_snapshot()) AND entity = ANY($3)
ORDER BY xid, id LIMIT $4`

// FindChanges returns up to limit changes of sharing.FeedEntities after
// the cursor, unmasked (sharing.Changes masks them).
func (db *DB) FindChanges(ctx context.Context, after sharing.Cursor, limit int) ([]sharing.Change, error) {
	const op = "data.FindChanges"
	rows, err := db.Pool.Query(ctx, changesSQL, strconv.FormatUint(after.XID, 10), after.ID, sharing.FeedEntities, limit)
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	out := make([]sharing.Change, 0, limit)
	for rows.Next() {
		var c sharing.Change
		if err := rows.Scan(&c.ID, &c.XID, &c.At, &c.Action, &c.Entity, &c.EntityID, &c.Before, &c.After); err != nil {
			return nil, translate(op, err)
		}
		out = append(out, c)
	}
	return out, translate(op, rows.Err())
}
