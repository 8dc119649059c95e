package data

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"

	"github.com/diming/diming/boundaries"
	"github.com/jackc/pgx/v5"
)

// lineChecks run on import_lines (ord, ref, left_code, right_code, …,
// geom) in order: each deletes the rows it rejects and returns ref and
// reason. These look at each feature alone; lineUniqueness runs on what
// passed them and the distance check.
var lineChecks = []string{
	`WITH bad AS (SELECT s.ord, string_agg(c.code, ' and ' ORDER BY c.code) AS codes
		FROM import_lines s, unnest(ARRAY[s.left_code, s.right_code]) c(code)
		WHERE NOT EXISTS (SELECT 1 FROM divisions d WHERE d.code = c.code) GROUP BY s.ord)
	 DELETE FROM import_lines s USING bad WHERE s.ord = bad.ord RETURNING s.ref, 'no division has code ' || bad.codes`,
	`WITH bad AS (SELECT s.ord, string_agg('code ' || d.code || ' (' || d.name || ') was retired on ' || d.retired_on ||
			coalesce('; its area went to ' || (SELECT string_agg(DISTINCT x.successor_code || ' ' || n.name, ', ')
				FROM division_successors x JOIN divisions n ON n.code = x.successor_code WHERE x.code = d.code), ''), '; ' ORDER BY d.code) AS why
		FROM import_lines s JOIN retired_codes d ON d.code IN (s.left_code, s.right_code) GROUP BY s.ord)
	 DELETE FROM import_lines s USING bad WHERE s.ord = bad.ord
	 RETURNING s.ref, bad.why || '; a line runs only between current divisions'`,
	`DELETE FROM import_lines s USING divisions a, divisions b
	 WHERE a.code = s.left_code AND b.code = s.right_code AND a.level <> b.level
	 RETURNING s.ref, a.code || ' ' || a.name || ' is at level ' || a.level || ' and ' || b.code || ' ' || b.name || ' at level ' || b.level ||
	   '; a boundary line runs between two divisions of the same level'`,
	`DELETE FROM import_lines WHERE NOT ST_IsValid(geom) OR ST_Length(geom::geography) = 0
	 RETURNING ref, CASE WHEN ST_IsValid(geom) THEN 'the line has no length: all its points coincide'
	   ELSE 'invalid line geometry: ' || ST_IsValidReason(geom) END`,
}

// lineUniqueness keeps one feature per pair and per number, and numbers
// no other line holds.
var lineUniqueness = []string{
	`DELETE FROM import_lines a USING import_lines b
	 WHERE a.left_code = b.left_code AND a.right_code = b.right_code AND a.ord > b.ord
	 RETURNING a.ref, 'a second line for ' || a.left_code || '—' || a.right_code || ' in this import (the first is ' || b.ref ||
	   '); put all parts of a line in one MultiLineString feature'`,
	`DELETE FROM import_lines a USING import_lines b WHERE a.number <> '' AND a.number = b.number AND a.ord > b.ord
	 RETURNING a.ref, 'number ' || a.number || ' is given to ' || b.ref || ' too; a line number is unique'`,
	`DELETE FROM import_lines s USING boundary_lines l
	 WHERE s.number <> '' AND l.number = s.number AND NOT (l.left_code = s.left_code AND l.right_code = s.right_code AND l.valid_to IS NULL)
	 RETURNING s.ref, 'number ' || s.number || ' belongs to ' || l.name || ' (' || l.left_code || '—' || l.right_code || '); a line number is unique'`,
}

// lineFarSQL finds, per staged line and side with a polygon, the points
// that lie more than $1 metres from that side's boundary.
const lineFarSQL = `SELECT s.ord, s.ref, d.code || ' ' || d.name, count(*), ST_NPoints(s.geom),
		max(ST_Distance(p.geom::geography, b.g::geography))
	FROM import_lines s
	JOIN divisions d ON d.code IN (s.left_code, s.right_code) AND d.geom IS NOT NULL
	CROSS JOIN LATERAL (SELECT ST_Boundary(d.geom) AS g) b
	CROSS JOIN LATERAL ST_DumpPoints(s.geom) p
	WHERE NOT ST_DWithin(p.geom::geography, b.g::geography, $1)
	GROUP BY s.ord, s.ref, d.code, d.name, s.geom ORDER BY s.ord, d.code`

// ImportLines stores boundary lines read from files, all in one
// transaction. Features the checks refuse (unknown or retired codes,
// sides of different levels, invalid geometry, a line more than maxDistM
// from a side's polygon, a number taken) are reported and the rest is
// imported, as ImportPolygons does. A pair without a current line gets a
// new one; a pair with one keeps its id and number and gets the imported
// geometry, whatever its source was. Every line written is audited with
// its record before and after, and the import with its summary.
func (db *DB) ImportLines(ctx context.Context, rows iter.Seq2[boundaries.LineRow, error], maxDistM float64, rep *boundaries.ImportReport) error {
	const op = "data.ImportLines"
	return db.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, importTimeout); err != nil {
			return translate(op, err)
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_lines (ord int, ref text, left_code text, right_code text, name text,
			number text, established_on date, agreement text, approved_by text, wkb bytea,
			geom geometry(MultiLineString, 4490)) ON COMMIT DROP`); err != nil {
			return translate(op, err)
		}
		ord := 0
		_, err := copyRows(ctx, tx, "import_lines", []string{"ord", "ref", "left_code", "right_code", "name", "number",
			"established_on", "agreement", "approved_by", "wkb"}, rows,
			func(r boundaries.LineRow) []any {
				ord++
				return []any{ord, r.Ref, r.LeftCode, r.RightCode, r.Name, r.Number, r.EstablishedOn, r.Agreement, r.ApprovedBy, wkbBytes(r.Geom)}
			})
		if err != nil {
			return translate(op, err)
		}
		if err := checkLines(ctx, tx, maxDistM, rep); err != nil {
			return translate(op, err)
		}
		if err := applyLines(ctx, tx, rep); err != nil {
			return translate(op, err)
		}
		return audit(ctx, tx, Change{Action: "line.import", Entity: "import", EntityID: rep.Kind, After: reportSummary(rep)})
	})
}

func checkLines(ctx context.Context, tx pgx.Tx, maxDistM float64, rep *boundaries.ImportReport) error {
	if _, err := tx.Exec(ctx, `UPDATE import_lines SET geom = ST_SetSRID(ST_GeomFromWKB(wkb), 4490), wkb = NULL`); err != nil {
		return err
	}
	for _, sql := range lineChecks {
		if _, err := rejectRows(ctx, tx, rep, sql); err != nil {
			return err
		}
	}
	if err := rejectFarLines(ctx, tx, maxDistM, rep); err != nil {
		return err
	}
	for _, sql := range lineUniqueness {
		if _, err := rejectRows(ctx, tx, rep, sql); err != nil {
			return err
		}
	}
	rows, err := tx.Query(ctx, `SELECT s.ref FROM import_lines s WHERE NOT EXISTS (SELECT 1 FROM divisions d
		WHERE d.code IN (s.left_code, s.right_code) AND d.geom IS NOT NULL) ORDER BY s.ord`)
	if err != nil {
		return err
	}
	refs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	for _, ref := range refs {
		rep.Warn(ref, "neither side has a polygon, so the line's position was not checked")
	}
	return err
}

// rejectFarLines rejects the lines with points farther than maxDistM from
// either side's polygon boundary, saying how far and from which side.
func rejectFarLines(ctx context.Context, tx pgx.Tx, maxDistM float64, rep *boundaries.ImportReport) error {
	rows, err := tx.Query(ctx, lineFarSQL, maxDistM)
	if err != nil {
		return err
	}
	var ords []int32
	var refs, reasons []string
	var ord int32
	var ref, side string
	var n, total int
	var farthest float64
	_, err = pgx.ForEachRow(rows, []any{&ord, &ref, &side, &n, &total, &farthest}, func() error {
		why := fmt.Sprintf("%d of its %d points lie more than %.0f m from the boundary of %s (the farthest %.0f m)",
			n, total, maxDistM, side, farthest)
		if k := len(ords) - 1; k >= 0 && ords[k] == ord {
			reasons[k] += "; " + why
			return nil
		}
		ords, refs, reasons = append(ords, ord), append(refs, ref), append(reasons, why)
		return nil
	})
	if err != nil {
		return err
	}
	for i := range ords {
		rep.Reject(refs[i], reasons[i]+"; the line does not run between these two divisions, or the file is not in the coordinate system given")
	}
	_, err = tx.Exec(ctx, `DELETE FROM import_lines WHERE ord = ANY($1)`, ords)
	return err
}

// stagedLine is a checked line waiting to be written.
type stagedLine struct {
	ord                         int32
	ref, left, right, name, num string
	leftName, rightName         string
}

func applyLines(ctx context.Context, tx pgx.Tx, rep *boundaries.ImportReport) error {
	rows, err := tx.Query(ctx, `SELECT s.ord, s.ref, s.left_code, s.right_code, s.name, s.number, a.name, b.name
		FROM import_lines s JOIN divisions a ON a.code = s.left_code JOIN divisions b ON b.code = s.right_code ORDER BY s.ord`)
	if err != nil {
		return err
	}
	ls, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (stagedLine, error) {
		var s stagedLine
		err := r.Scan(&s.ord, &s.ref, &s.left, &s.right, &s.name, &s.num, &s.leftName, &s.rightName)
		return s, err
	})
	if err != nil {
		return err
	}
	for _, s := range ls {
		if s.name == "" {
			s.name = boundaries.LineName(s.leftName, s.rightName)
		}
		cur, err := scanLine(tx.QueryRow(ctx, `SELECT `+lineCols+lineFrom+
			` WHERE l.left_code = $1 AND l.right_code = $2 AND l.valid_to IS NULL FOR UPDATE OF l`, s.left, s.right))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			err = createImportedLine(ctx, tx, s, rep)
		case err == nil:
			err = replaceLineGeometry(ctx, tx, s, cur, rep)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// createImportedLine inserts a new line, numbered by the file or the
// sequence; a file's number moves the sequence past it, so later lines
// never draw it again.
func createImportedLine(ctx context.Context, tx pgx.Tx, s stagedLine, rep *boundaries.ImportReport) error {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO boundary_lines (number, left_code, right_code, level, name, geom, length_m, source,
			approved_by, agreement, established_on, generated)
		SELECT coalesce(nullif(s.number, ''), base36(nextval('boundary_line_number_seq'), 4)), s.left_code, s.right_code, a.level, $2,
			s.geom, ST_Length(s.geom::geography), 'imported', s.approved_by, s.agreement, s.established_on, a.generated AND b.generated
		FROM import_lines s JOIN divisions a ON a.code = s.left_code JOIN divisions b ON b.code = s.right_code
		WHERE s.ord = $1 RETURNING id`, s.ord, s.name).Scan(&id)
	if err != nil {
		return err
	}
	if s.num != "" {
		n, err := strconv.ParseInt(s.num, 36, 64)
		if err != nil {
			return fmt.Errorf("line number %q: %w", s.num, err)
		}
		if _, err := tx.Exec(ctx, `SELECT setval('boundary_line_number_seq', $1) FROM boundary_line_number_seq
			WHERE last_value < $1 OR (NOT is_called AND last_value = $1)`, n); err != nil {
			return err
		}
	}
	l, err := scanLine(tx.QueryRow(ctx, `SELECT `+lineCols+lineFrom+` WHERE l.id = $1`, id))
	if err != nil {
		return err
	}
	rep.Imported++
	return audit(ctx, tx, Change{Action: "line.import", Entity: "boundary_line", EntityID: itoa64(id), After: l,
		Reason: "imported from " + s.ref})
}

// replaceLineGeometry gives a pair's current line the imported geometry,
// name and, where the file gives them, agreement, approver and date. Its
// id and number stay: the markers carry the number.
func replaceLineGeometry(ctx context.Context, tx pgx.Tx, s stagedLine, cur boundaries.Line, rep *boundaries.ImportReport) error {
	_, err := tx.Exec(ctx, `UPDATE boundary_lines l SET geom = s.geom, length_m = ST_Length(s.geom::geography), source = 'imported',
			status = CASE WHEN l.status = 'derived' THEN 'surveyed' ELSE l.status END, tolerance_m = NULL, name = $3,
			approved_by = CASE WHEN s.approved_by <> '' THEN s.approved_by ELSE l.approved_by END,
			agreement = CASE WHEN s.agreement <> '' THEN s.agreement ELSE l.agreement END,
			established_on = coalesce(s.established_on, l.established_on), version = l.version + 1
		FROM import_lines s WHERE l.id = $1 AND s.ord = $2`, cur.ID, s.ord, s.name)
	if err != nil {
		return err
	}
	l, err := scanLine(tx.QueryRow(ctx, `SELECT `+lineCols+lineFrom+` WHERE l.id = $1`, cur.ID))
	if err != nil {
		return err
	}
	rep.Updated++
	if s.num != "" && s.num != cur.Number {
		rep.Warn(s.ref, fmt.Sprintf("the file numbers the line %s, but it is numbered %s already; the number was kept because its markers carry it",
			s.num, cur.Number))
	}
	return audit(ctx, tx, Change{Action: "line.import", Entity: "boundary_line", EntityID: itoa64(cur.ID), Before: cur, After: l,
		Reason: fmt.Sprintf("geometry replaced from %s (was %s)", s.ref, cur.Source)})
}
