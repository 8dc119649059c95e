package data

import (
	"context"
	"time"

	"github.com/diming/diming/sharing"
)

// changesSQL reads the change feed from the audit log in (transaction,
// row) order, holding back rows from the oldest transaction that may
// still append to the audit log: one holding a lock on audit_log (every
// writer does, from its insert to its commit), found through pg_locks,
// which every role may read. Rows below that bound are final, so a cursor
// never passes a row that commits later, and a long transaction in
// another database of the cluster does not hold the feed back (as
// pg_snapshot_xmin alone would).
const changesSQL = `WITH snap AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
writers AS (
  SELECT t.transactionid::text::bigint AS xid32 FROM pg_locks t JOIN pg_locks r ON r.pid = t.pid
   WHERE t.locktype = 'transactionid' AND t.mode = 'ExclusiveLock' AND r.locktype = 'relation'
     AND r.relation = 'audit_log'::regclass AND r.database = (SELECT oid FROM pg_database WHERE datname = current_database())
),
bound AS (
  SELECT coalesce((SELECT min(x) FROM snap, pg_snapshot_xip(snap.s) x
                    WHERE x::text::bigint % 4294967296 IN (SELECT xid32 FROM writers)),
                  (SELECT pg_snapshot_xmax(s) FROM snap)) AS b
)
SELECT id, xid, at, action, entity, entity_id,
	coalesce(after->>'DivisionCode', before->>'DivisionCode', after->>'division_code',
	         CASE WHEN entity = 'division' THEN coalesce(after->>'Code', before->>'Code') END, ''),
	before::text, after::text
FROM audit_log, bound
WHERE (xid, id) > ($1::xid8, $2) AND xid < bound.b AND entity = ANY($3)
ORDER BY audit_log.xid, audit_log.id LIMIT $4`

// changeTime is a change's time in the feed: UTC to the microsecond.
const changeTime = "2006-01-02T15:04:05.000000Z"

// FindChanges returns up to limit changes of sharing.FeedEntities after
// the cursor, unmasked (sharing.Changes masks them), each with the
// division its record lies in (read from the snapshot).
func (db *DB) FindChanges(ctx context.Context, after sharing.Cursor, limit int) ([]sharing.Change, error) {
	const op = "data.FindChanges"
	rows, err := db.Pool.Query(ctx, changesSQL, after.XID, after.ID, sharing.FeedEntities, limit)
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	out := make([]sharing.Change, 0, limit)
	for rows.Next() {
		var c sharing.Change
		var before, after []byte // jsonb's text, valid JSON as it is
		var at time.Time
		// xid and at are read in binary and formatted here: casting xid8
		// through text and to_char in the query cost more than all the
		// rest of it (9 µs a row).
		if err := rows.Scan(&c.ID, &c.XID, &at, &c.Action, &c.Entity, &c.EntityID, &c.Division, &before, &after); err != nil {
			return nil, translate(op, err)
		}
		c.At = at.UTC().Format(changeTime)
		c.Before, c.After = before, after
		out = append(out, c)
	}
	return out, translate(op, rows.Err())
}
