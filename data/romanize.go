package data

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/romanize"
	"github.com/jackc/pgx/v5"
)

// RomanizeReport says what a re-romanization changed.
type RomanizeReport = gazetteer.Respelling

// Romanize spells every stored place name, street and address again with
// the current readings, in one transaction with one audit entry. It is
// what `diming romanize` runs, and what start-up runs once for each new
// fingerprint of the shipped readings.
func (db *DB) Romanize(ctx context.Context) (RomanizeReport, error) {
	var rep RomanizeReport
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		var err error
		rep, err = reromanize(ctx, tx, "")
		return err
	})
	return rep, translate("data.Romanize", err)
}

// RomanizeIfNew runs Romanize when no run has applied the shipped
// readings' fingerprint yet. ran is false when there was nothing to do.
func (db *DB) RomanizeIfNew(ctx context.Context) (rep RomanizeReport, ran bool, err error) {
	var done bool
	err = db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = 'romanize.run' AND entity_id = $1)`,
		romanize.Fingerprint()).Scan(&done)
	if err != nil || done {
		return rep, false, translate("data.RomanizeIfNew", err)
	}
	rep, err = db.Romanize(ctx)
	return rep, err == nil, err
}

type placeSpelling struct {
	p   gazetteer.Place
	old gazetteer.Romanization
	un  []int32
}

// reromanize re-spells, in tx, the names, streets and addresses that
// contain word ("" for all) and audits the run.
func reromanize(ctx context.Context, tx pgx.Tx, word string) (RomanizeReport, error) {
	rep := RomanizeReport{Fingerprint: romanize.Fingerprint()}
	z, err := romanizerIn(ctx, tx)
	if err != nil {
		return rep, err
	}
	like := likeContains(word)
	if err := respellPlaces(ctx, tx, z, like, &rep); err != nil {
		return rep, err
	}
	if err := respellStreets(ctx, tx, z, like, &rep); err != nil {
		return rep, err
	}
	n, err := retextAddresses(ctx, tx, `a.full_text LIKE $1`, like)
	if err != nil {
		return rep, err
	}
	rep.Addresses = n
	return rep, audit(ctx, tx, Change{Action: "romanize.run", Entity: "romanize", EntityID: rep.Fingerprint, After: rep,
		Reason: "地名罗马字母拼写按现行读音表重拼：" + word})
}

func respellPlaces(ctx context.Context, tx pgx.Tx, z *romanize.Romanizer, like string, rep *RomanizeReport) error {
	rows, err := tx.Query(ctx, `SELECT id, name, specific, generic, subcategory, readings, romanization, toned, pinyin, initials, sound, unread
		FROM places WHERE name LIKE $1`, like)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (placeSpelling, error) {
		var x placeSpelling
		var readings []byte
		err := r.Scan(&x.p.ID, &x.p.Name, &x.p.Specific, &x.p.Generic, &x.p.Subcategory, &readings, &x.old.Text, &x.old.Toned,
			&x.old.Key, &x.old.Initials, &x.old.Sound, &x.un)
		if err == nil && len(readings) > 0 {
			err = json.Unmarshal(readings, &x.p.Readings)
		}
		return x, err
	})
	if err != nil {
		return err
	}
	rep.Places = len(list)
	var changed [][]any
	for _, x := range list {
		ro, unread, err := x.p.Reromanize(z)
		if err != nil {
			return fmt.Errorf("place %d %s: %w", x.p.ID, x.p.Name, err)
		}
		if ro == x.old && slices.Equal(unreadArg(unread), x.un) {
			continue
		}
		if len(rep.Examples) < 20 {
			rep.Examples = append(rep.Examples, fmt.Sprintf("%s: %s → %s", x.p.Name, x.old.Text, ro.Text))
		}
		changed = append(changed, []any{x.p.ID, ro.Text, ro.Toned, ro.Key, ro.Initials, ro.Sound, unreadArg(unread)})
	}
	rep.Changed = len(changed)
	if len(changed) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE respell (id bigint PRIMARY KEY, romanization text, toned text, pinyin text,
		initials text, sound text, unread integer[]) ON COMMIT DROP`); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"respell"}, []string{"id", "romanization", "toned", "pinyin", "initials", "sound", "unread"},
		pgx.CopyFromRows(changed)); err != nil {
		return err
	}
	if _, err = tx.Exec(ctx, `UPDATE places p SET romanization=r.romanization, toned=r.toned, pinyin=r.pinyin, initials=r.initials,
		sound=r.sound, unread=r.unread, version=p.version+1 FROM respell r WHERE p.id = r.id`); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `DROP TABLE respell`)
	return err
}

func respellStreets(ctx context.Context, tx pgx.Tx, z *romanize.Romanizer, like string, rep *RomanizeReport) error {
	rows, err := tx.Query(ctx, `SELECT id, name, pinyin FROM streets WHERE name LIKE $1`, like)
	if err != nil {
		return err
	}
	type st struct {
		id       int64
		name, py string
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (st, error) {
		var x st
		return x, r.Scan(&x.id, &x.name, &x.py)
	})
	if err != nil {
		return err
	}
	for _, x := range list {
		if py := z.Component(x.name); py != x.py {
			if _, err := tx.Exec(ctx, `UPDATE streets SET pinyin=$2, version=version+1 WHERE id=$1`, x.id, py); err != nil {
				return err
			}
			rep.Streets++
		}
	}
	return nil
}
