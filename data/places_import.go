package data

import (
	"context"
	"fmt"
	"strings"

	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/romanize"
	"github.com/jackc/pgx/v5"
)

// PlacesImportReport says what an import of division names did.
type PlacesImportReport struct {
	Divisions int            // current divisions read
	ByLevel   map[int]int    // divisions read per level
	Created   int            // new place names
	Renamed   int            // divisions whose name changed: old name kept as historical
	Unchanged int            // already there with the same name
	Skipped   map[string]int // not place names (summary codes such as 市辖区), or without a reading
	Failed    []string       // names that could not be romanized, with the reason (first 20)
	Unread    []string       // names with characters of no known reading, left for a person to give (first 50)
	UnreadN   int            // how many such names
}

// divisionPlace turns a division row into its place name: divisions at
// levels 1–4 are category 2, village-level units name the seat of their
// committee (category 3). ok is false for statistical summary rows.
func divisionPlace(z *romanize.Romanizer, code, name string, level int, generated bool) (gazetteer.Place, bool, error) {
	if name == "市辖区" || name == "县" || name == "省直辖县级行政区划" || name == "自治区直辖县级行政区划" {
		return gazetteer.Place{}, false, nil
	}
	np := gazetteer.NewPlace{Name: name, Category: gazetteer.Division, DivisionCode: code, Generated: generated}
	switch level {
	case 1:
		np.Subcategory = gazetteer.SubProvince
	case 2:
		np.Subcategory = gazetteer.SubPrefecture
	case 3:
		np.Subcategory = gazetteer.SubCounty
	case 4:
		np.Subcategory = gazetteer.SubTownship
	default:
		np.Category, np.Name = gazetteer.VillageSeat, gazetteer.SeatName(name)
	}
	p, err := np.BuildLenient(z)
	p.SourceDivision = code
	return p, true, err
}

var importCols = []string{"name", "specific", "generic", "category", "subcategory", "romanization", "toned", "pinyin",
	"initials", "sound", "division_code", "source_division", "rank", "generated", "unread"}

// ImportPlacesFromDivisions makes every current division within prefix
// ("" for all) a place name with its romanization. It is idempotent: a
// division already named is left alone, and one whose name changed keeps
// its old name as historical, linked both ways to the new one. All or
// nothing; one audit row records the run.
func (db *DB) ImportPlacesFromDivisions(ctx context.Context, prefix string) (PlacesImportReport, error) {
	const op = "data.ImportPlacesFromDivisions"
	rep := PlacesImportReport{ByLevel: map[int]int{}, Skipped: map[string]int{}}
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		// An import is a long statement by nature; the request backstop does not apply.
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_places (LIKE places INCLUDING DEFAULTS) ON COMMIT DROP`); err != nil {
			return err
		}
		z, err := romanizerIn(ctx, tx)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT code, name, level, generated FROM divisions WHERE valid_to IS NULL AND code LIKE $1 ORDER BY code`, likePrefix(prefix))
		if err != nil {
			return err
		}
		var buf [][]any
		for rows.Next() {
			var code, name string
			var level int16
			var gen bool
			if err := rows.Scan(&code, &name, &level, &gen); err != nil {
				rows.Close()
				return err
			}
			rep.Divisions++
			rep.ByLevel[int(level)]++
			p, ok, err := divisionPlace(z, code, name, int(level), gen)
			switch {
			case !ok:
				rep.Skipped["summary code"]++
				continue
			case err != nil:
				rep.Skipped["no reading"]++
				if len(rep.Failed) < 20 {
					rep.Failed = append(rep.Failed, fmt.Sprintf("%s %s: %v", code, name, err))
				}
				continue
			}
			if len(p.Unread) > 0 {
				rep.UnreadN++
				if len(rep.Unread) < 50 {
					rep.Unread = append(rep.Unread, code+" "+name)
				}
			}
			ro := p.Romanization
			buf = append(buf, []any{p.Name, p.Specific, p.Generic, int16(p.Category), p.Subcategory, ro.Text, ro.Toned, ro.Key,
				ro.Initials, ro.Sound, p.DivisionCode, p.SourceDivision, int16(p.Rank()), p.Generated, unreadArg(p.Unread)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_places"}, importCols, pgx.CopyFromRows(buf)); err != nil {
			return err
		}
		if err := applyImport(ctx, tx, &rep, len(buf)); err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "place.import", Entity: "import", EntityID: "places-from-divisions:" + prefix, After: rep})
	})
	return rep, translate(op, err)
}

// applyImport moves the staged rows into places, keeping renamed names.
func applyImport(ctx context.Context, tx pgx.Tx, rep *PlacesImportReport, staged int) error {
	steps := []string{
		`CREATE TEMP TABLE import_renamed ON COMMIT DROP AS SELECT p.id AS old_id, p.source_division AS code
			FROM places p JOIN import_places t ON t.source_division = p.source_division WHERE p.name <> t.name`,
		`UPDATE places SET source_division = NULL WHERE id IN (SELECT old_id FROM import_renamed)`,
	}
	for _, s := range steps {
		if _, err := tx.Exec(ctx, s); err != nil {
			return err
		}
	}
	tag, err := tx.Exec(ctx, `INSERT INTO places (`+strings.Join(importCols, ",")+`) SELECT `+strings.Join(importCols, ",")+`
		FROM import_places ON CONFLICT (source_division) DO NOTHING`)
	if err != nil {
		return err
	}
	rep.Created = int(tag.RowsAffected())
	tag, err = tx.Exec(ctx, `UPDATE places o SET status='historical', valid_to=current_date, superseded_by=n.id, rank=o.rank+10,
		version=o.version+1 FROM import_renamed r JOIN places n ON n.source_division = r.code WHERE o.id = r.old_id`)
	if err != nil {
		return err
	}
	rep.Renamed = int(tag.RowsAffected())
	if _, err := tx.Exec(ctx, `UPDATE places n SET supersedes = r.old_id FROM import_renamed r WHERE n.source_division = r.code`); err != nil {
		return err
	}
	rep.Unchanged = staged - rep.Created
	return nil
}

func unreadArg(u []int) []int32 {
	out := make([]int32, len(u))
	for i, x := range u {
		out[i] = int32(x)
	}
	return out
}
