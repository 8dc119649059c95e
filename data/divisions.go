package data

import (
	"context"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// divisionCols are the columns scanDivision reads, for table alias d.
const divisionCols = `d.code, d.name, d.level, d.kind, coalesce(d.parent_code, ''), coalesce(d.urban_rural, ''),
	d.valid_from, d.valid_to, d.geom IS NOT NULL, d.geom_derived, d.generated, d.version`

func scanDivision(row pgx.Row) (boundaries.Division, error) {
	var d boundaries.Division
	var level int16
	err := row.Scan(&d.Code, &d.Name, &level, &d.Kind, &d.ParentCode, &d.UrbanRural, &d.ValidFrom, &d.ValidTo,
		&d.HasGeom, &d.GeomDerived, &d.Generated, &d.Version)
	d.Level = boundaries.Level(level)
	return d, err
}

func collectDivisions(op string, rows pgx.Rows, err error) ([]boundaries.Division, error) {
	return collect(op, rows, err, scanDivision)
}

// FindDivision returns a division with its ancestors (province first) and
// current children. NotFound when the code was never issued.
func (db *DB) FindDivision(ctx context.Context, code string) (boundaries.DivisionDetail, error) {
	const op = "data.FindDivision"
	d, err := scanDivision(db.Pool.QueryRow(ctx, `SELECT `+divisionCols+` FROM divisions d WHERE code = $1`, code))
	if err != nil {
		return boundaries.DivisionDetail{}, translate(op, err)
	}
	out := boundaries.DivisionDetail{Division: d}
	rows, err := db.Pool.Query(ctx, `WITH RECURSIVE up AS (
		SELECT parent_code AS code, 1 AS depth FROM divisions WHERE code = $1
		UNION ALL SELECT p.parent_code, up.depth + 1 FROM divisions p JOIN up ON p.code = up.code WHERE up.depth < 6)
		SELECT `+divisionCols+` FROM up JOIN divisions d ON d.code = up.code ORDER BY up.depth DESC`, code)
	if out.Ancestors, err = collectDivisions(op, rows, err); err != nil {
		return out, err
	}
	rows, err = db.Pool.Query(ctx, `SELECT `+divisionCols+` FROM divisions d WHERE parent_code = $1 AND valid_to IS NULL ORDER BY code`, code)
	out.Children, err = collectDivisions(op, rows, err)
	return out, err
}

// FindDivisions searches divisions by name (trigram similarity, exact and
// prefix matches first) or, for an all-digit query, by code prefix.
func (db *DB) FindDivisions(ctx context.Context, f boundaries.DivisionFilter) ([]boundaries.Division, error) {
	const op = "data.FindDivisions"
	var where []string
	args := []any{}
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	order := "d.level, d.code"
	switch {
	case f.Query == "":
	case strings.Trim(f.Query, "0123456789") == "":
		where = append(where, "starts_with(d.code, "+arg(f.Query)+")")
	default:
		q := arg(f.Query)
		where = append(where, "(d.name LIKE "+arg(likeContains(f.Query))+" OR d.name % "+q+")")
		order = "d.name = " + q + " DESC, starts_with(d.name, " + q + ") DESC, similarity(d.name, " + q + ") DESC, d.level, d.code"
	}
	if f.Level != 0 {
		where = append(where, "d.level = "+arg(int16(f.Level)))
	}
	if f.Within != "" {
		where = append(where, "starts_with(d.code, "+arg(diming.CodePrefix(f.Within))+")")
	}
	switch {
	case f.AsOf != nil:
		a := arg(*f.AsOf)
		where = append(where, "(d.valid_from IS NULL OR d.valid_from <= "+a+") AND (d.valid_to IS NULL OR d.valid_to > "+a+")")
	case !f.IncludeOld:
		where = append(where, "d.valid_to IS NULL")
	}
	sql := `SELECT ` + divisionCols + ` FROM divisions d`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY " + order + " LIMIT " + arg(f.Limit)
	rows, err := db.reader(ctx, "").Query(ctx, sql, args...)
	return collectDivisions(op, rows, err)
}

// FindDivisionHistory returns a code's names over time and its successor
// and predecessor codes.
func (db *DB) FindDivisionHistory(ctx context.Context, code string) (boundaries.History, error) {
	const op = "data.FindDivisionHistory"
	d, err := scanDivision(db.Pool.QueryRow(ctx, `SELECT `+divisionCols+` FROM divisions d WHERE code = $1`, code))
	if err != nil {
		return boundaries.History{}, translate(op, err)
	}
	h := boundaries.History{Division: d}
	rows, err := db.Pool.Query(ctx, `SELECT name, valid_from, valid_to, source FROM division_names
		WHERE code = $1 ORDER BY valid_from NULLS FIRST, id`, code)
	if err != nil {
		return h, translate(op, err)
	}
	for rows.Next() {
		n := boundaries.NameRecord{Code: code}
		if err := rows.Scan(&n.Name, &n.From, &n.To, &n.Source); err != nil {
			rows.Close()
			return h, translate(op, err)
		}
		h.Names = append(h.Names, n)
	}
	rows.Close()
	if h.Successors, err = db.successions(ctx, `s.code = $1`, `s.successor_code`, code); err != nil {
		return h, err
	}
	h.Predecessors, err = db.successions(ctx, `s.successor_code = $1`, `s.code`, code)
	return h, err
}

func (db *DB) successions(ctx context.Context, where, other, code string) ([]boundaries.Succession, error) {
	rows, err := db.Pool.Query(ctx, `SELECT s.code, s.successor_code, d.name, s.year, s.kind FROM division_successors s
		JOIN divisions d ON d.code = `+other+` WHERE `+where+` ORDER BY s.year, s.successor_code`, code)
	if err != nil {
		return nil, translate("data.successions", err)
	}
	defer rows.Close()
	var out []boundaries.Succession
	for rows.Next() {
		var s boundaries.Succession
		if err := rows.Scan(&s.Code, &s.SuccessorCode, &s.SuccessorName, &s.Year, &s.Kind); err != nil {
			return nil, translate("data.successions", err)
		}
		out = append(out, s)
	}
	return out, translate("data.successions", rows.Err())
}

// divisionsAtSQL finds the deepest current division whose polygon covers
// the point through the subdivided parts, then climbs its parent chain.
// Real divisions win over generated ones where both cover the point.
const divisionsAtSQL = `WITH RECURSIVE hit AS (
	SELECT p.code FROM division_parts p JOIN divisions d ON d.code = p.code
	WHERE ST_Intersects(p.geom, ST_SetSRID(ST_MakePoint($1, $2), 4490)) AND d.valid_to IS NULL
	ORDER BY p.level DESC, d.generated, p.code LIMIT 1),
chain AS (
	SELECT code, 0 AS depth FROM hit
	UNION ALL SELECT d.parent_code, chain.depth + 1 FROM chain JOIN divisions d ON d.code = chain.code
	WHERE d.parent_code IS NOT NULL AND chain.depth < 6)
SELECT ` + divisionCols + ` FROM chain JOIN divisions d ON d.code = chain.code ORDER BY chain.depth DESC`

// DivisionsAtSQL is the reverse look-up's query, exported for the
// benchmark that compares it with a plain polygon query.
const DivisionsAtSQL = divisionsAtSQL

// FindDivisionsAt returns the chain of divisions containing p, province
// first; empty when none does.
func (db *DB) FindDivisionsAt(ctx context.Context, p orb.Point) ([]boundaries.Division, error) {
	rows, err := db.reader(ctx, "").Query(ctx, divisionsAtSQL, p[0], p[1])
	return collectDivisions("data.FindDivisionsAt", rows, err)
}

// RenameDivision renames a division, keeping its code and recording the
// old name with its interval. A retired code is refused by the database.
func (db *DB) RenameDivision(ctx context.Context, code, name string, on time.Time, version int) (boundaries.Division, error) {
	const op = "data.RenameDivision"
	var out boundaries.Division
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		cur, err := scanDivision(tx.QueryRow(ctx, `SELECT `+divisionCols+` FROM divisions d WHERE code = $1 FOR UPDATE`, code))
		if err != nil {
			return translate(op, err)
		}
		if cur.Version != version {
			return staleVersion(op, cur.Version, cur)
		}
		if _, err := tx.Exec(ctx, `SELECT record_division_rename($1, $2, $3, $4, 'rename')`, code, cur.Name, name, on); err != nil {
			return translate(op, err)
		}
		out, err = scanDivision(tx.QueryRow(ctx, `UPDATE divisions d SET name = $2, version = version + 1 WHERE code = $1
			RETURNING `+divisionCols, code, name))
		if err != nil {
			return translate(op, err)
		}
		if err := audit(ctx, tx, Change{Action: "division.rename", Entity: "division", EntityID: code, Before: cur, After: out}); err != nil {
			return err
		}
		if err := retextAudited(ctx, tx, []string{code}, code); err != nil {
			return err
		}
		return translate(op, renameDivisionPlaces(ctx, tx, []string{code}, on))
	})
	return out, err
}

// RetireDivision ends a code on a day and links its successors. The
// database refuses ever to bring the code back, to retire it again or to
// rename it (migration 013, 废码不用); its refusal reaches the caller as
// an invalid request with the rule's words.
func (db *DB) RetireDivision(ctx context.Context, code string, on time.Time, successors []string, version int) (boundaries.Division, error) {
	const op = "data.RetireDivision"
	var out boundaries.Division
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		cur, err := scanDivision(tx.QueryRow(ctx, `SELECT `+divisionCols+` FROM divisions d WHERE code = $1 FOR UPDATE`, code))
		if err != nil {
			return translate(op, err)
		}
		if cur.Version != version {
			return staleVersion(op, cur.Version, cur)
		}
		out, err = scanDivision(tx.QueryRow(ctx, `UPDATE divisions d SET valid_to = $2, version = version + 1 WHERE code = $1
			RETURNING `+divisionCols, code, on))
		if err != nil {
			return translate(op, err)
		}
		for _, s := range successors {
			if _, err := tx.Exec(ctx, `INSERT INTO division_successors (code, successor_code, year, kind) VALUES ($1, $2, $3, 'retired')`,
				code, s, on.Year()); err != nil {
				return translate(op, err)
			}
		}
		if err := audit(ctx, tx, Change{Action: "division.retire", Entity: "division", EntityID: code, Before: cur, After: out}); err != nil {
			return err
		}
		return translate(op, retireDivisionPlace(ctx, tx, code, on, successors))
	})
	return out, err
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
