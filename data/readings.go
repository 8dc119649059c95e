package data

import (
	"context"
	"strconv"
	"strings"

	"github.com/diming/diming"
	"github.com/diming/diming/romanize"
	"github.com/jackc/pgx/v5"
)

// FindReadings returns the admins' active place-name readings.
func (db *DB) FindReadings(ctx context.Context) ([]romanize.Reading, error) {
	rs, err := findReadings(ctx, db.Pool)
	return rs, translate("data.FindReadings", err)
}

func findReadings(ctx context.Context, q DBTX) ([]romanize.Reading, error) {
	rows, err := q.Query(ctx, `SELECT word, pinyin, source FROM place_readings WHERE active ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (romanize.Reading, error) {
		var x romanize.Reading
		return x, r.Scan(&x.Word, &x.Pinyin, &x.Source)
	})
}

// romanizerIn returns the Romanizer of the readings visible in q.
func romanizerIn(ctx context.Context, q DBTX) (*romanize.Romanizer, error) {
	rs, err := findReadings(ctx, q)
	if err != nil || len(rs) == 0 {
		return romanize.Standard(), err
	}
	return romanize.New(rs)
}

// SaveReading adds or replaces the admins' reading of a word and, in the
// same transaction, re-romanizes every stored name and address the word
// occurs in. Invalid for a malformed reading. Audited.
func (db *DB) SaveReading(ctx context.Context, r romanize.Reading) (RomanizeReport, error) {
	const op = "data.SaveReading"
	r.Word, r.Pinyin, r.Source = strings.TrimSpace(r.Word), strings.Join(strings.Fields(r.Pinyin), " "), strings.TrimSpace(r.Source)
	if _, err := r.Syllables(); err != nil {
		return RomanizeReport{}, diming.E(op, err)
	}
	var rep RomanizeReport
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		var before *romanize.Reading
		var old romanize.Reading
		switch err := tx.QueryRow(ctx, `SELECT word, pinyin, source FROM place_readings WHERE word=$1 FOR UPDATE`, r.Word).
			Scan(&old.Word, &old.Pinyin, &old.Source); {
		case err == nil:
			before = &old
		case err != pgx.ErrNoRows:
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO place_readings (word, pinyin, source, created_by) VALUES ($1,$2,$3,$4)
			ON CONFLICT (word) DO UPDATE SET pinyin=EXCLUDED.pinyin, source=EXCLUDED.source, active=true,
			version=place_readings.version+1 RETURNING id`, r.Word, r.Pinyin, r.Source, actorName(ctx)).Scan(&id); err != nil {
			return err
		}
		if err := audit(ctx, tx, Change{Action: "reading.save", Entity: "place_reading", EntityID: strconv.FormatInt(id, 10),
			Before: before, After: r}); err != nil {
			return err
		}
		var err error
		rep, err = reromanize(ctx, tx, r.Word)
		return err
	})
	return rep, translate(op, err)
}

func actorName(ctx context.Context) string {
	if u := diming.UserFrom(ctx); u != nil {
		return u.Username
	}
	return "system"
}
