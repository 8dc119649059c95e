package data

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/diming/diming"
	"github.com/jackc/pgx/v5"
)

// A division and its standard place name (the place whose source_division
// is the division) are one change: every path that renames or retires a
// division calls these in its own transaction, so the gazetteer never
// shows a current name the division no longer has.

// renameDivisionPlaces gives the standard place names of the renamed
// divisions their new names from day on: the old place becomes historical,
// superseded by a new current place that supersedes it (history both
// ways), keeping its description, origin and geometry; audited as
// place.rename. Divisions without a place name are left alone.
func renameDivisionPlaces(ctx context.Context, tx pgx.Tx, codes []string, on time.Time) error {
	rows, err := tx.Query(ctx, `SELECT d.code, d.name, d.level, d.generated, p.id FROM divisions d
		JOIN places p ON p.source_division = d.code AND p.status = 'current'
		WHERE d.code = ANY($1) AND p.name <> d.name ORDER BY d.code`, codes)
	if err != nil {
		return err
	}
	type renamed struct {
		code, name string
		level      int16
		generated  bool
		placeID    int64
	}
	var todo []renamed
	for rows.Next() {
		var r renamed
		if err := rows.Scan(&r.code, &r.name, &r.level, &r.generated, &r.placeID); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(todo) == 0 {
		return nil
	}
	z, err := romanizerIn(ctx, tx)
	if err != nil {
		return err
	}
	for _, r := range todo {
		old, err := scanPlace(tx.QueryRow(ctx, `SELECT `+placeCols+` FROM places WHERE id = $1`, r.placeID))
		if err != nil {
			return err
		}
		p, ok, err := divisionPlace(z, r.code, r.name, int(r.level), r.generated)
		if !ok {
			continue
		}
		if err != nil {
			return diming.E("data.renameDivisionPlaces", diming.Invalid, "区划 "+r.code+" 的新名称“"+r.name+"”不能作为标准地名："+diming.MessageOf(err), err)
		}
		p.DivisionCode, p.Supersedes, p.ValidFrom = old.DivisionCode, &old.ID, &on
		p.Meaning, p.Origin, p.History, p.Description, p.Geometry = old.Meaning, old.Origin, old.History, old.Description, old.Geometry
		if _, err := renamePlace(ctx, tx, p); err != nil {
			return err
		}
	}
	return nil
}

// retireDivisionPlace retires the standard place name of a retired
// division on day on. When the division went to exactly one successor (a
// recode) whose place name exists, the two are linked both ways. Audited
// as place.retire.
func retireDivisionPlace(ctx context.Context, tx pgx.Tx, code string, on time.Time, successors []string) error {
	old, err := scanPlace(tx.QueryRow(ctx, `SELECT `+placeCols+` FROM places WHERE source_division = $1 AND status = 'current' FOR UPDATE`, code))
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // the division has no place name
		}
		return err
	}
	var next *int64
	if len(successors) == 1 {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE places SET supersedes = coalesce(supersedes, $2), version = version + 1
			WHERE source_division = $1 AND status = 'current' RETURNING id`, successors[0], old.ID).Scan(&id)
		if err == nil {
			next = &id
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
	}
	after, err := scanPlace(tx.QueryRow(ctx, `UPDATE places SET status = 'historical', valid_to = $2, superseded_by = $3,
		rank = rank + 10, version = version + 1 WHERE id = $1 RETURNING `+placeCols, old.ID, on, next))
	if err != nil {
		return err
	}
	return audit(ctx, tx, Change{Action: "place.retire", Entity: "place", EntityID: strconv.FormatInt(old.ID, 10), Before: old, After: after,
		Reason: "区划 " + code + " 废止，其标准地名随之成为历史地名"})
}

// retireDivisionPlaces retires the place names of codes an import found
// retired, each on its day and with its successors of kind retired.
func retireDivisionPlaces(ctx context.Context, tx pgx.Tx, codes []string) error {
	for _, code := range codes {
		var on time.Time
		var succ []string
		if err := tx.QueryRow(ctx, `SELECT d.valid_to, coalesce((SELECT array_agg(s.successor_code ORDER BY s.successor_code)
			FROM division_successors s WHERE s.code = d.code AND s.kind = 'retired'), '{}') FROM divisions d WHERE d.code = $1`, code).Scan(&on, &succ); err != nil {
			return err
		}
		if err := retireDivisionPlace(ctx, tx, code, on, succ); err != nil {
			return err
		}
	}
	return nil
}
