package data

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/diming/diming"
	"github.com/diming/diming/gazetteer"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

const placeCols = `id, coalesce(place_code,''), name, specific, generic, category, subcategory, romanization, toned, readings,
	pinyin, initials, sound, unread, division_code, coalesce(source_division,''), meaning, origin, history, description,
	ST_AsBinary(geom), approved_by, approved_on, approval_doc, status, valid_from, valid_to, supersedes, superseded_by,
	generated, version`

func scanPlace(row pgx.Row) (gazetteer.Place, error) {
	var p gazetteer.Place
	var readings []byte
	var unread []int32
	var cat int16
	var status string
	gs := wkb.Scanner(nil)
	err := row.Scan(&p.ID, &p.PlaceCode, &p.Name, &p.Specific, &p.Generic, &cat, &p.Subcategory, &p.Romanization.Text,
		&p.Romanization.Toned, &readings, &p.Romanization.Key, &p.Romanization.Initials, &p.Romanization.Sound,
		&unread, &p.DivisionCode, &p.SourceDivision, &p.Meaning, &p.Origin, &p.History, &p.Description, gs, &p.ApprovedBy,
		&p.ApprovedOn, &p.ApprovalDoc, &status, &p.ValidFrom, &p.ValidTo, &p.Supersedes, &p.SupersededBy, &p.Generated, &p.Version)
	if err != nil {
		return p, err
	}
	p.Category, p.Status = gazetteer.Category(cat), gazetteer.Status(status)
	for _, u := range unread {
		p.Unread = append(p.Unread, int(u))
	}
	if gs.Valid {
		p.Geometry = gs.Geometry
	}
	if len(readings) > 2 {
		if err := json.Unmarshal(readings, &p.Readings); err != nil {
			return p, err
		}
	}
	return p, nil
}

// geomArg passes a geometry as WKB, or NULL.
func geomArg(g orb.Geometry) any {
	if g == nil {
		return nil
	}
	return wkb.Value(g)
}

func readingsArg(r gazetteer.Readings) []byte {
	if len(r) == 0 {
		return []byte("{}")
	}
	b, _ := json.Marshal(r)
	return b
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const insertPlace = `INSERT INTO places (place_code, name, specific, generic, category, subcategory, romanization, toned, readings,
	pinyin, initials, sound, division_code, source_division, meaning, origin, history, description, geom, approved_by,
	approved_on, approval_doc, valid_from, supersedes, rank, generated)
	VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,ST_SetSRID(ST_GeomFromWKB($19),4490),$20,$21,$22,$23,$24,$25,$26)
	RETURNING ` + placeCols

func insertPlaceArgs(p gazetteer.Place) []any {
	return []any{nullText(p.PlaceCode), p.Name, p.Specific, p.Generic, int16(p.Category), p.Subcategory, p.Romanization.Text,
		p.Romanization.Toned, readingsArg(p.Readings), p.Romanization.Key, p.Romanization.Initials, p.Romanization.Sound,
		p.DivisionCode, nullText(p.SourceDivision), p.Meaning, p.Origin, p.History, p.Description, geomArg(p.Geometry),
		p.ApprovedBy, p.ApprovedOn, p.ApprovalDoc, p.ValidFrom, p.Supersedes, int16(p.Rank()), p.Generated}
}

// CreatePlace stores a new standard name. Invalid for unknown divisions,
// Conflict for a taken place code or division.
func (db *DB) CreatePlace(ctx context.Context, p gazetteer.Place) (gazetteer.Place, error) {
	var out gazetteer.Place
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = createPlace(ctx, tx, p)
		return err
	})
	return out, translate("data.CreatePlace", err)
}

func createPlace(ctx context.Context, tx pgx.Tx, p gazetteer.Place) (gazetteer.Place, error) {
	out, err := scanPlace(tx.QueryRow(ctx, insertPlace, insertPlaceArgs(p)...))
	if err != nil {
		return out, err
	}
	return out, audit(ctx, tx, Change{Action: "place.create", Entity: "place", EntityID: strconv.FormatInt(out.ID, 10), After: out})
}

// renamePlace records p as the new name of p.Supersedes: the old row
// becomes historical with its end date and both links; nothing is
// overwritten but status, end date, link and the division it names.
func renamePlace(ctx context.Context, tx pgx.Tx, p gazetteer.Place) (gazetteer.Place, error) {
	old, err := scanPlace(tx.QueryRow(ctx, `SELECT `+placeCols+` FROM places WHERE id=$1 FOR UPDATE`, *p.Supersedes))
	if err != nil {
		return p, err
	}
	if old.Status != gazetteer.Current {
		return p, diming.E(diming.Conflict, "the name was renamed or retired meanwhile")
	}
	if _, err := tx.Exec(ctx, `UPDATE places SET source_division=NULL WHERE id=$1`, old.ID); err != nil {
		return p, err
	}
	created, err := createPlace(ctx, tx, p)
	if err != nil {
		return p, err
	}
	after, err := scanPlace(tx.QueryRow(ctx, `UPDATE places SET status='historical', valid_to=$2, superseded_by=$3,
		rank=rank+10, version=version+1 WHERE id=$1 RETURNING `+placeCols, old.ID, p.ValidFrom, created.ID))
	if err != nil {
		return p, err
	}
	if err := streetsFollow(ctx, tx, old.ID, created); err != nil {
		return p, err
	}
	return created, audit(ctx, tx, Change{Action: "place.rename", Entity: "place", EntityID: strconv.FormatInt(old.ID, 10), Before: old, After: after})
}

// FindPlaceByID returns one place; a historical one carries its current
// successor. NotFound.
func (db *DB) FindPlaceByID(ctx context.Context, id int64) (gazetteer.Place, error) {
	p, err := scanPlace(db.Pool.QueryRow(ctx, `SELECT `+placeCols+` FROM places WHERE id=$1`, id))
	if err != nil {
		return p, translate("data.FindPlaceByID", err)
	}
	if p.SupersededBy != nil {
		cur, err := scanPlace(db.Pool.QueryRow(ctx, `SELECT `+placeCols+` FROM places WHERE id=place_current($1)`, id))
		if err != nil {
			return p, translate("data.FindPlaceByID", err)
		}
		ref := cur.Ref()
		p.Current = &ref
	}
	return p, nil
}

// UpdatePlace saves descriptive fields and readings of p at p.Version.
// Conflict with the current record when stale.
func (db *DB) UpdatePlace(ctx context.Context, p gazetteer.Place) (gazetteer.Place, error) {
	const op = "data.UpdatePlace"
	var out gazetteer.Place
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		before, err := scanPlace(tx.QueryRow(ctx, `SELECT `+placeCols+` FROM places WHERE id=$1 FOR UPDATE`, p.ID))
		if err != nil {
			return err
		}
		if before.Version != p.Version {
			return staleVersion(op, before.Version, before)
		}
		out, err = scanPlace(tx.QueryRow(ctx, `UPDATE places SET meaning=$2, origin=$3, history=$4, description=$5,
			geom=ST_SetSRID(ST_GeomFromWKB($6),4490), readings=$7, romanization=$8, toned=$9, pinyin=$10, initials=$11, sound=$12,
			unread=$13, version=version+1 WHERE id=$1 RETURNING `+placeCols, p.ID, p.Meaning, p.Origin, p.History, p.Description,
			geomArg(p.Geometry), readingsArg(p.Readings), p.Romanization.Text, p.Romanization.Toned, p.Romanization.Key,
			p.Romanization.Initials, p.Romanization.Sound, unreadArg(p.Unread)))
		if err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "place.update", Entity: "place", EntityID: strconv.FormatInt(p.ID, 10), Before: before, After: out})
	})
	return out, translate(op, err)
}

// FindClashes asks the database's place_clashes (the rule the write guard
// applies too) for the current names p clashes with in its scope.
func (db *DB) FindClashes(ctx context.Context, p gazetteer.Place, exclude int64) (gazetteer.Clashes, error) {
	const op = "data.FindClashes"
	var c gazetteer.Clashes
	var scope string
	err := db.Pool.QueryRow(ctx, `SELECT scope, source, prefixes, scope_text(scope, prefixes) FROM naming_scope($1, $2, $3)`,
		int16(p.Category), p.Subcategory, p.DivisionCode).Scan(&scope, &c.Source, &c.Prefixes, &c.ScopeText)
	if err != nil {
		return c, translate(op, err)
	}
	c.Scope = gazetteer.Scope(scope)
	rows, err := db.Pool.Query(ctx, `SELECT id, name, romanization, category, division_code, status
		FROM place_clashes($1, $2, $3, $4, $5, ARRAY[$6::bigint])`,
		int16(p.Category), p.Subcategory, p.Name, p.Romanization.Sound, p.DivisionCode, exclude)
	if err != nil {
		return c, translate(op, err)
	}
	c.Places, err = collectRefs(rows, op)
	return c, err
}

func collectRefs(rows pgx.Rows, op string) ([]gazetteer.PlaceRef, error) {
	defer rows.Close()
	var out []gazetteer.PlaceRef
	for rows.Next() {
		var r gazetteer.PlaceRef
		var cat int16
		var st string
		if err := rows.Scan(&r.ID, &r.Name, &r.Romanization, &cat, &r.DivisionCode, &st); err != nil {
			return nil, translate(op, err)
		}
		r.Category, r.Status = gazetteer.Category(cat), gazetteer.Status(st)
		out = append(out, r)
	}
	return out, translate(op, rows.Err())
}

// likePrefix escapes s for LIKE and appends %.
func likePrefix(s string) string { return likeEscape(s) + "%" }

// likeContains is the LIKE pattern matching s anywhere.
func likeContains(s string) string { return "%" + likeEscape(s) + "%" }

// likeEscape makes s match itself in a LIKE pattern (default escape \):
// the one place user text becomes a pattern, so % and _ in a query match
// only themselves.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SaveBuiltup adds or replaces the built-up area called name.
func (db *DB) SaveBuiltup(ctx context.Context, name string, prefixes []string, generated bool) error {
	return translate("data.SaveBuiltup", db.WithTx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO builtup_areas (name, prefixes, generated) VALUES ($1,$2,$3)
			ON CONFLICT (name) DO UPDATE SET prefixes=EXCLUDED.prefixes, version=builtup_areas.version+1 RETURNING id`,
			name, prefixes, generated).Scan(&id); err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "builtup.save", Entity: "builtup_area", EntityID: strconv.FormatInt(id, 10),
			After: map[string]any{"name": name, "prefixes": prefixes}})
	}))
}

// FindWords returns every word-list entry.
func (db *DB) FindWords(ctx context.Context) ([]gazetteer.Word, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, list, word, severity, note, source, active, version FROM naming_words ORDER BY list, word`)
	if err != nil {
		return nil, translate("data.FindWords", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (gazetteer.Word, error) {
		var w gazetteer.Word
		err := r.Scan(&w.ID, &w.List, &w.Word, &w.Severity, &w.Note, &w.Source, &w.Active, &w.Version)
		return w, err
	})
}

// SaveWord adds (ID 0) or updates a word at its version. Conflict.
func (db *DB) SaveWord(ctx context.Context, w gazetteer.Word) (gazetteer.Word, error) {
	const op = "data.SaveWord"
	scan := func(row pgx.Row) (gazetteer.Word, error) {
		var o gazetteer.Word
		err := row.Scan(&o.ID, &o.List, &o.Word, &o.Severity, &o.Note, &o.Source, &o.Active, &o.Version)
		return o, err
	}
	var out gazetteer.Word
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		var before *gazetteer.Word
		var err error
		if w.ID == 0 {
			out, err = scan(tx.QueryRow(ctx, `INSERT INTO naming_words (list, word, severity, note, source, active) VALUES ($1,$2,$3,$4,$5,true)
				RETURNING id, list, word, severity, note, source, active, version`, w.List, w.Word, w.Severity, w.Note, w.Source))
		} else {
			cur, err := scan(tx.QueryRow(ctx, `SELECT id, list, word, severity, note, source, active, version FROM naming_words WHERE id=$1 FOR UPDATE`, w.ID))
			if err != nil {
				return err
			}
			if cur.Version != w.Version {
				return staleVersion(op, cur.Version, cur)
			}
			before = &cur
			out, err = scan(tx.QueryRow(ctx, `UPDATE naming_words SET list=$2, word=$3, severity=$4, note=$5, active=$6, source=$7, version=version+1
				WHERE id=$1 RETURNING id, list, word, severity, note, source, active, version`, w.ID, w.List, w.Word, w.Severity, w.Note, w.Active, w.Source))
			if err != nil {
				return err
			}
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "naming_word.save", Entity: "naming_word", EntityID: strconv.FormatInt(out.ID, 10), Before: before, After: out})
	})
	return out, translate(op, err)
}

// FindScopeRules returns the uniqueness scopes.
func (db *DB) FindScopeRules(ctx context.Context) ([]gazetteer.ScopeRule, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, category, subcategory, scope, source, active, version FROM naming_scopes ORDER BY category, id`)
	if err != nil {
		return nil, translate("data.FindScopeRules", err)
	}
	return pgx.CollectRows(rows, scanScopeRule)
}

func scanScopeRule(r pgx.CollectableRow) (gazetteer.ScopeRule, error) {
	var s gazetteer.ScopeRule
	var cat int16
	err := r.Scan(&s.ID, &cat, &s.Subcategory, &s.Scope, &s.Source, &s.Active, &s.Version)
	s.Category = gazetteer.Category(cat)
	return s, err
}

// SaveScopeRule adds (ID 0) or updates a scope rule at its version.
func (db *DB) SaveScopeRule(ctx context.Context, s gazetteer.ScopeRule) (gazetteer.ScopeRule, error) {
	const op = "data.SaveScopeRule"
	var out gazetteer.ScopeRule
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		var rows pgx.Rows
		var err error
		if s.ID == 0 {
			rows, err = tx.Query(ctx, `INSERT INTO naming_scopes (category, subcategory, scope, source, active) VALUES ($1,$2,$3,$4,true)
				RETURNING id, category, subcategory, scope, source, active, version`, int16(s.Category), s.Subcategory, s.Scope, s.Source)
		} else {
			rows, err = tx.Query(ctx, `UPDATE naming_scopes SET category=$2, subcategory=$3, scope=$4, source=$5, active=$6, version=version+1
				WHERE id=$1 AND version=$7 RETURNING id, category, subcategory, scope, source, active, version`,
				s.ID, int16(s.Category), s.Subcategory, s.Scope, s.Source, s.Active, s.Version)
		}
		if err != nil {
			return err
		}
		out, err = pgx.CollectExactlyOneRow(rows, scanScopeRule)
		if err == pgx.ErrNoRows && s.ID != 0 {
			return staleVersion(op, s.Version, nil)
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "naming_scope.save", Entity: "naming_scope", EntityID: strconv.FormatInt(out.ID, 10), After: out})
	})
	return out, translate(op, err)
}

// FindClashPairs pairs each current name within prefix with the names it
// clashes with inside its scope, as place_clashes (the write guard's rule)
// finds them.
func (db *DB) FindClashPairs(ctx context.Context, prefix string) ([]gazetteer.ClashPair, error) {
	const op = "data.FindClashPairs"
	rows, err := db.Pool.Query(ctx, `SELECT p.id, p.name, p.romanization, p.category, p.division_code, p.status, p.sound,
			c.id, c.name, c.romanization, c.category, c.division_code, c.status, c.scope, c.source, c.prefixes,
			scope_text(c.scope, c.prefixes)
		FROM places p
		CROSS JOIN LATERAL place_clashes(p.category, p.subcategory, p.name, p.sound, p.division_code, ARRAY[p.id]) c
		WHERE p.status = 'current' AND p.division_code LIKE $1
		ORDER BY p.id, c.id LIMIT 50000`, likePrefix(prefix))
	if err != nil {
		return nil, translate(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gazetteer.ClashPair, error) {
		var x gazetteer.ClashPair
		var ca, cb int16
		var sa, sb, scope string
		err := r.Scan(&x.A.ID, &x.A.Name, &x.A.Romanization, &ca, &x.A.DivisionCode, &sa, &x.Sound,
			&x.B.ID, &x.B.Name, &x.B.Romanization, &cb, &x.B.DivisionCode, &sb, &scope, &x.Source, &x.Prefixes, &x.ScopeText)
		x.A.Category, x.B.Category = gazetteer.Category(ca), gazetteer.Category(cb)
		x.A.Status, x.B.Status, x.Scope = gazetteer.Status(sa), gazetteer.Status(sb), gazetteer.Scope(scope)
		return x, err
	})
	return out, translate(op, err)
}

// streetsFollow moves the live streets that bore the renamed name oldID to
// its successor p, and rewrites their addresses' text and pinyin, audited.
func streetsFollow(ctx context.Context, tx pgx.Tx, oldID int64, p gazetteer.Place) error {
	rows, err := tx.Query(ctx, `UPDATE streets SET place_id=$2, name=$3, pinyin=$4, version=version+1
		WHERE place_id=$1 AND valid_to IS NULL RETURNING id`, oldID, p.ID, p.Name, p.Romanization.Text)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) == 0 {
		return err
	}
	n, err := retextAddresses(ctx, tx, `a.street_id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	return audit(ctx, tx, Change{Action: "street.rename", Entity: "place", EntityID: strconv.FormatInt(p.ID, 10),
		After: map[string]any{"streets": ids, "addresses": n, "name": p.Name}, Reason: "街路巷标准地名更名：门牌地址随之更新"})
}
