package data

import (
	"context"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

const plateCols = `p.id, p.public_id, p.key_id, p.address_id, p.status, coalesce(r.public_id,''), p.batch, p.reason, p.issued_at,
	p.retired_at, p.version, a.full_text, a.pinyin, a.division_code,
	coalesce(a.door_number::text || a.door_suffix || '号', '') || a.building, coalesce(s.name, a.area_name), coalesce(s.pinyin, '')`

const plateFrom = ` FROM plates p JOIN addresses a ON a.id = p.address_id LEFT JOIN plates r ON r.id = p.replaced_by
	LEFT JOIN streets s ON s.id = a.street_id `

func scanPlate(row pgx.Row) (doorplate.Plate, error) {
	var p doorplate.Plate
	err := row.Scan(&p.ID, &p.PublicID, &p.KeyID, &p.AddressID, &p.Status, &p.ReplacedBy, &p.Batch, &p.Reason, &p.IssuedAt,
		&p.RetiredAt, &p.Version, &p.FullText, &p.Pinyin, &p.DivisionCode, &p.DoorLabel,
		&p.StreetName, &p.StreetPinyin)
	return p, err
}

// IssuePlates inserts plates in one transaction: all or nothing. It
// returns Conflict when an address already has an active plate and
// Invalid when an address is retired.
func (db *DB) IssuePlates(ctx context.Context, nps []doorplate.NewPlate) ([]doorplate.Plate, error) {
	const op = "data.IssuePlates"
	var out []doorplate.Plate
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		out = out[:0]
		for _, np := range nps {
			p, err := insertPlate(ctx, tx, np)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	if diming.KindOf(translate(op, err)) == diming.Conflict {
		return nil, diming.E(op, diming.Conflict, "an address in this issue already has an active plate (one address, one code)", err)
	}
	if err != nil {
		return nil, translate(op, err)
	}
	return out, nil
}

func insertPlate(ctx context.Context, tx pgx.Tx, np doorplate.NewPlate) (doorplate.Plate, error) {
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO plates (public_id, address_id, key_id, batch) VALUES ($1,$2,$3,$4) RETURNING id`,
		np.PublicID, np.AddressID, np.KeyID, np.Batch).Scan(&id); err != nil {
		return doorplate.Plate{}, err
	}
	p, err := scanPlate(tx.QueryRow(ctx, `SELECT `+plateCols+plateFrom+`WHERE p.id=$1`, id))
	if err != nil {
		return p, err
	}
	return p, audit(ctx, tx, Change{Action: "plate.issue", Entity: "plate", EntityID: p.PublicID, After: p})
}

// FindUnplated lists the live addresses of a street or community without
// an active plate, in numbering order.
func (db *DB) FindUnplated(ctx context.Context, s doorplate.BatchScope) ([]int64, error) {
	rows, err := db.Pool.Query(ctx, `SELECT a.id FROM addresses a
		WHERE (a.street_id = $1 OR a.division_code = $2) AND a.lifecycle NOT IN ('retired','rejected')
		  AND NOT EXISTS (SELECT 1 FROM plates p WHERE p.address_id = a.id AND p.status = 'active')
		ORDER BY a.street_id, a.door_number, a.building, a.unit, a.floor, a.room, a.id`, s.StreetID, s.CommunityCode)
	if err != nil {
		return nil, translate("data.FindUnplated", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, translate("data.FindUnplated", err)
}

// FindPlates lists the active plates of a street or community.
func (db *DB) FindPlates(ctx context.Context, s doorplate.BatchScope) ([]doorplate.Plate, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+plateCols+plateFrom+`WHERE (a.street_id = $1 OR a.division_code = $2) AND p.status = 'active'
		ORDER BY a.street_id, a.door_number, a.building, a.unit, a.floor, a.room, a.id`, s.StreetID, s.CommunityCode)
	if err != nil {
		return nil, translate("data.FindPlates", err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (doorplate.Plate, error) { return scanPlate(r) })
	return ps, translate("data.FindPlates", err)
}

// FindPlate returns one plate by public id, or NotFound.
func (db *DB) FindPlate(ctx context.Context, publicID string) (doorplate.Plate, error) {
	p, err := scanPlate(db.Pool.QueryRow(ctx, `SELECT `+plateCols+plateFrom+`WHERE p.public_id=$1`, publicID))
	return p, translate("data.FindPlate", err)
}

func retirePlate(ctx context.Context, tx pgx.Tx, publicID, status, reason string, next *int64) (doorplate.Plate, doorplate.Plate, error) {
	before, err := scanPlate(tx.QueryRow(ctx, `SELECT `+plateCols+plateFrom+`WHERE p.public_id=$1 FOR UPDATE OF p`, publicID))
	if err != nil {
		return before, before, err
	}
	if before.Status != doorplate.PlateActive {
		return before, before, diming.E(diming.Conflict, "this plate is already "+before.Status)
	}
	if _, err := tx.Exec(ctx, `UPDATE plates SET status=$2, reason=$3, replaced_by=$4, retired_at=now(), version=version+1 WHERE public_id=$1`,
		publicID, status, reason, next); err != nil {
		return before, before, err
	}
	after, err := scanPlate(tx.QueryRow(ctx, `SELECT `+plateCols+plateFrom+`WHERE p.public_id=$1`, publicID))
	if err != nil {
		return before, after, err
	}
	return before, after, audit(ctx, tx, Change{Action: "plate." + status, Entity: "plate", EntityID: publicID, Before: before, After: after, Reason: reason})
}

// RevokePlate withdraws an active plate (NotFound; Conflict when it is
// not active).
func (db *DB) RevokePlate(ctx context.Context, publicID, reason string) (doorplate.Plate, error) {
	var p doorplate.Plate
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		var err error
		_, p, err = retirePlate(ctx, tx, publicID, doorplate.PlateRevoked, reason, nil)
		return err
	})
	return p, translate("data.RevokePlate", err)
}

// ReplacePlate retires an active plate as replaced and issues next for
// the same address, in one transaction; it returns the new plate.
func (db *DB) ReplacePlate(ctx context.Context, publicID, reason string, next doorplate.NewPlate) (doorplate.Plate, error) {
	var p doorplate.Plate
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		// The old plate must stop being active before the new one exists
		// (one active plate per address), so it points at a reserved id.
		var nextID int64
		if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('plates','id'))`).Scan(&nextID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SET CONSTRAINTS ALL DEFERRED`); err != nil {
			return err
		}
		if _, _, err := retirePlate(ctx, tx, publicID, doorplate.PlateReplaced, reason, &nextID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO plates (id, public_id, address_id, key_id, batch) VALUES ($1,$2,$3,$4,$5)`,
			nextID, next.PublicID, next.AddressID, next.KeyID, next.Batch); err != nil {
			return err
		}
		var err error
		p, err = scanPlate(tx.QueryRow(ctx, `SELECT `+plateCols+plateFrom+`WHERE p.id=$1`, nextID))
		if err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "plate.issue", Entity: "plate", EntityID: p.PublicID, After: p, Reason: "replaces " + publicID})
	})
	return p, translate("data.ReplacePlate", err)
}

// scanSQL reads the plate, its address and street in one round trip of
// primary-key look-ups; the community's part of the page comes from
// FindScanCommunity, which the service caches per community.
const scanSQL = `SELECT p.public_id, p.id, p.status, p.key_id, coalesce(r.public_id,''), coalesce(r.key_id,''),
	a.code, a.full_text, a.pinyin, a.lifecycle, ST_X(a.position), ST_Y(a.position), a.division_code, ST_AsBinary(s.geom),
	` + scanLinksSQL + `
FROM plates p
JOIN addresses a ON a.id = p.address_id
LEFT JOIN plates r ON r.id = p.replaced_by
LEFT JOIN streets s ON s.id = a.street_id
WHERE p.public_id = $1`

// scanRecordsSQL is scanSQL for a range of plates, in id order.
const scanRecordsSQL = `SELECT p.public_id, p.id, p.status, p.key_id, coalesce(r.public_id,''), coalesce(r.key_id,''),
	a.code, a.full_text, a.pinyin, a.lifecycle, ST_X(a.position), ST_Y(a.position), a.division_code, a.street_id, ST_AsBinary(s.geom),
	` + scanLinksSQL + `
FROM plates p
JOIN addresses a ON a.id = p.address_id
LEFT JOIN plates r ON r.id = p.replaced_by
LEFT JOIN streets s ON s.id = a.street_id
WHERE p.id > $1 ORDER BY p.id LIMIT $2`

// FindScan returns the scan record of a public id, or NotFound.
func (db *DB) FindScan(ctx context.Context, publicID string) (doorplate.ScanRecord, error) {
	var r doorplate.ScanRecord
	var street, links []byte
	err := db.reader(ctx, "doorplate_changed").QueryRow(ctx, scanSQL, publicID).Scan(&r.PublicID, &r.PlateID, &r.PlateStatus, &r.KeyID, &r.ReplacedByID, &r.ReplacedByKey,
		&r.AddressCode, &r.FullText, &r.Pinyin, &r.Lifecycle, &r.Position[0], &r.Position[1], &r.DivisionCode, &street, &links)
	if err != nil {
		return r, translate("data.FindScan", err)
	}
	r.Links, r.LinksUntil = scanLinksText(links, time.Now())
	if street != nil {
		r.Street = lineStringFrom(street)
	}
	return r, nil
}

// FindScanRecords returns the scan records of up to limit plates with ids
// above afterID, in id order. Plates of one street share its line.
func (db *DB) FindScanRecords(ctx context.Context, afterID int64, limit int) ([]doorplate.ScanRecord, error) {
	const op = "data.FindScanRecords"
	rows, err := db.reader(ctx, "doorplate_changed").Query(ctx, scanRecordsSQL, afterID, limit)
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	streets := map[int64]orb.LineString{}
	out := make([]doorplate.ScanRecord, 0, limit)
	now := time.Now()
	for rows.Next() {
		var r doorplate.ScanRecord
		var sid *int64
		var street, links []byte
		if err := rows.Scan(&r.PublicID, &r.PlateID, &r.PlateStatus, &r.KeyID, &r.ReplacedByID, &r.ReplacedByKey, &r.AddressCode,
			&r.FullText, &r.Pinyin, &r.Lifecycle, &r.Position[0], &r.Position[1], &r.DivisionCode, &sid, &street, &links); err != nil {
			return nil, translate(op, err)
		}
		r.Links, r.LinksUntil = scanLinksText(links, now)
		if sid != nil && street != nil {
			r.StreetID = *sid
			ls, ok := streets[*sid]
			if !ok {
				ls = lineStringFrom(street)
				streets[*sid] = ls
			}
			r.Street = ls
		}
		out = append(out, r)
	}
	return out, translate(op, rows.Err())
}

// FindScanCommunity returns a community's name, contacts (empty when none
// are kept) and current grids in id order.
func (db *DB) FindScanCommunity(ctx context.Context, code string) (doorplate.ScanCommunity, error) {
	const op = "data.FindScanCommunity"
	c := doorplate.ScanCommunity{Code: code}
	var name, prefix *string
	if err := db.Pool.QueryRow(ctx, `WITH RECURSIVE up AS (
			SELECT code, name, parent_code, 0 AS depth FROM divisions WHERE code = $1
			UNION ALL SELECT d.code, d.name, d.parent_code, up.depth + 1 FROM divisions d JOIN up ON d.code = up.parent_code
			WHERE up.depth < 6)
		SELECT (SELECT name FROM up WHERE depth = 0), string_agg(name, '' ORDER BY depth DESC) FROM up`, code).Scan(&name, &prefix); err != nil {
		return c, translate(op, err)
	}
	if name == nil {
		return c, translate(op, pgx.ErrNoRows)
	}
	c.Name, c.Prefix = *name, *prefix
	info, err := scanCommunity(db.Pool.QueryRow(ctx, `SELECT `+communityCols+` FROM community_info WHERE community_code=$1`, code))
	switch {
	case err == nil:
		c.Info = info
	case err != pgx.ErrNoRows:
		return c, translate(op, err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT `+gridCols+` FROM grids WHERE community_code=$1 AND valid_to IS NULL ORDER BY id`, code)
	c.Grids, err = collect(op, rows, err, scanGrid)
	return c, err
}

// AddScanCounts adds counted scans per plate and day in one statement.
func (db *DB) AddScanCounts(ctx context.Context, counts map[doorplate.ScanKey]int64) error {
	ids := make([]int64, 0, len(counts))
	days := make([]time.Time, 0, len(counts))
	ns := make([]int64, 0, len(counts))
	for k, n := range counts {
		d, err := time.Parse(time.DateOnly, k.Day)
		if err != nil {
			return diming.E("data.AddScanCounts", err)
		}
		ids, days, ns = append(ids, k.PlateID), append(days, d), append(ns, n)
	}
	_, err := db.Pool.Exec(ctx, `INSERT INTO plate_scans (plate_id, day, count)
		SELECT * FROM unnest($1::bigint[], $2::date[], $3::bigint[])
		ON CONFLICT (plate_id, day) DO UPDATE SET count = plate_scans.count + EXCLUDED.count`, ids, days, ns)
	return translate("data.AddScanCounts", err)
}

// FindScanCounts returns a plate's scans per day.
func (db *DB) FindScanCounts(ctx context.Context, publicID string) (map[string]int64, error) {
	rows, err := db.Pool.Query(ctx, `SELECT to_char(s.day,'YYYY-MM-DD'), s.count FROM plate_scans s JOIN plates p ON p.id = s.plate_id
		WHERE p.public_id = $1 ORDER BY s.day`, publicID)
	if err != nil {
		return nil, translate("data.FindScanCounts", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var d string
		var n int64
		if err := rows.Scan(&d, &n); err != nil {
			return nil, translate("data.FindScanCounts", err)
		}
		out[d] = n
	}
	return out, translate("data.FindScanCounts", rows.Err())
}

var _ doorplate.Store = (*DB)(nil)

// ListenChanges listens on the doorplate_changed channel on a connection
// of its own, calling ready once listening and changed per notification,
// until ctx ends or the connection fails.
func (db *DB) ListenChanges(ctx context.Context, ready func(), changed func(payload string)) error {
	return translate("data.ListenChanges", db.listen(ctx, "doorplate_changed", ready, changed))
}

// listen runs LISTEN channel on a connection taken out of the pool (a
// listening connection is never handed back), calling ready once
// listening and changed with each notification's payload, until ctx ends
// or the connection fails.
func (db *DB) listen(ctx context.Context, channel string, ready func(), changed func(payload string)) error {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	c := conn.Hijack()
	defer c.Close(context.WithoutCancel(ctx))
	if _, err := c.Exec(ctx, `LISTEN `+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	db.noteChange(ctx, channel)
	ready()
	for {
		n, err := c.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		db.noteChange(ctx, channel)
		changed(n.Payload)
	}
}
