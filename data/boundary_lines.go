package data

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// deriveLinesSQL computes, for each pair of neighbouring current polygons
// of one level, the part of the left (smaller-code) side's boundary that
// runs within the tolerance of the right side's boundary. The left side's
// vertices win, so the line follows one surveyed polygon and never zigzags
// between two simplifications; fragments shorter than $4 metres (near
// tri-junctions) are dropped. Distances are metres on the ellipsoid.
const deriveLinesSQL = `WITH pairs AS (
	SELECT a.code AS l, b.code AS r, a.level, a.name AS ln, b.name AS rn, a.geom AS ag, b.geom AS bg, a.generated
	FROM divisions a JOIN divisions b ON a.level = b.level AND a.code < b.code AND a.generated = b.generated
		AND a.geom && ST_Expand(b.geom, $3 / 80000.0)
	WHERE a.level = $1 AND a.valid_to IS NULL AND b.valid_to IS NULL AND a.geom IS NOT NULL AND b.geom IS NOT NULL
		AND ($2 = '' OR starts_with(a.code, $2) OR starts_with(b.code, $2))
		AND ST_DWithin(a.geom::geography, b.geom::geography, $3)),
shared AS (
	SELECT p.*, ST_Intersection(ST_Boundary(p.ag), ST_SetSRID(ST_Buffer(ST_Boundary(p.bg)::geography, $3)::geometry, 4490)) AS g FROM pairs p),
pieces AS (
	SELECT s.l, s.r, s.level, s.ln, s.rn, s.generated, d.geom AS g
	FROM shared s, LATERAL ST_Dump(ST_LineMerge(ST_CollectionExtract(s.g, 2))) d
	WHERE ST_Length(d.geom::geography) >= $4)
SELECT l, r, level, ln, rn, generated, ST_AsBinary(ST_Multi(ST_Collect(g))), sum(ST_Length(g::geography))
FROM pieces GROUP BY l, r, level, ln, rn, generated`

// DeriveLines derives boundary lines from shared edges and stores them:
// new pairs get a line, derived lines get the new geometry, and lines
// that were surveyed or imported are left alone.
func (db *DB) DeriveLines(ctx context.Context, opt boundaries.DeriveOptions) (boundaries.DeriveReport, error) {
	const op = "data.DeriveLines"
	var rep boundaries.DeriveReport
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, importTimeout); err != nil {
			return translate(op, err)
		}
		rows, err := tx.Query(ctx, deriveLinesSQL, int16(opt.Level), diming.CodePrefix(opt.Within), opt.ToleranceM, opt.MinPieceM)
		if err != nil {
			return translate(op, err)
		}
		type derived struct {
			l, r, ln, rn string
			level        int16
			gen          bool
			geom         []byte
			length       float64
		}
		var ds []derived
		for rows.Next() {
			var d derived
			if err := rows.Scan(&d.l, &d.r, &d.level, &d.ln, &d.rn, &d.gen, &d.geom, &d.length); err != nil {
				rows.Close()
				return translate(op, err)
			}
			ds = append(ds, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(op, err)
		}
		for _, d := range ds {
			rep.Pairs++
			var id int64
			var source string
			err := tx.QueryRow(ctx, `SELECT id, source FROM boundary_lines WHERE left_code = $1 AND right_code = $2 AND valid_to IS NULL`,
				d.l, d.r).Scan(&id, &source)
			switch {
			case err == pgx.ErrNoRows:
				err = tx.QueryRow(ctx, `INSERT INTO boundary_lines (left_code, right_code, level, name, geom, length_m, tolerance_m, generated, status)
					VALUES ($1, $2, $3, $4, ST_SetSRID(ST_GeomFromWKB($5), 4490), $6, $7, $8, 'derived') RETURNING id`,
					d.l, d.r, d.level, boundaries.LineName(d.ln, d.rn), d.geom, d.length, opt.ToleranceM, d.gen).Scan(&id)
				rep.Created++
			case err != nil:
			case source != "derived":
				rep.Unchanged++
				continue
			default:
				_, err = tx.Exec(ctx, `UPDATE boundary_lines SET geom = ST_SetSRID(ST_GeomFromWKB($2), 4490), length_m = $3, tolerance_m = $4,
					name = $5, version = version + 1 WHERE id = $1`, id, d.geom, d.length, opt.ToleranceM, boundaries.LineName(d.ln, d.rn))
				rep.Updated++
			}
			if err != nil {
				return translate(op, err)
			}
		}
		return audit(ctx, tx, Change{Action: "line.derive", Entity: "division", EntityID: opt.Within, After: rep,
			Reason: "derived from shared polygon edges"})
	})
	return rep, err
}

const lineCols = `l.id, l.number, l.left_code, a.name, l.right_code, b.name, l.level, l.name, ST_AsBinary(l.geom), l.length_m,
	l.status, l.source, coalesce(l.tolerance_m, 0), l.approved_by, l.agreement, l.established_on, l.valid_to, l.generated, l.version`

const lineFrom = ` FROM boundary_lines l JOIN divisions a ON a.code = l.left_code JOIN divisions b ON b.code = l.right_code`

func scanLine(row pgx.Row) (boundaries.Line, error) {
	var l boundaries.Line
	var level int16
	var g []byte
	err := row.Scan(&l.ID, &l.Number, &l.LeftCode, &l.LeftName, &l.RightCode, &l.RightName, &level, &l.Name, &g, &l.LengthM,
		&l.Status, &l.Source, &l.ToleranceM, &l.ApprovedBy, &l.Agreement, &l.EstablishedOn, &l.ValidTo, &l.Generated, &l.Version)
	l.Level = boundaries.Level(level)
	if err == nil && len(g) > 0 {
		geom, gerr := wkb.Unmarshal(g)
		if mls, ok := geom.(orb.MultiLineString); gerr == nil && ok {
			l.Geom = mls
		}
	}
	return l, err
}

// FindLine returns one boundary line; NotFound when there is none.
func (db *DB) FindLine(ctx context.Context, id int64) (boundaries.Line, error) {
	l, err := scanLine(db.Pool.QueryRow(ctx, `SELECT `+lineCols+lineFrom+` WHERE l.id = $1`, id))
	return l, translate("data.FindLine", err)
}

// FindLines lists current lines with a side inside f.Code.
func (db *DB) FindLines(ctx context.Context, f boundaries.LineFilter) ([]boundaries.Line, error) {
	const op = "data.FindLines"
	where := []string{"l.valid_to IS NULL"}
	args := []any{}
	if f.Code != "" {
		args = append(args, diming.CodePrefix(f.Code))
		where = append(where, "(starts_with(l.left_code, $1) OR starts_with(l.right_code, $1))")
	}
	if f.Level != 0 {
		args = append(args, int16(f.Level))
		where = append(where, "l.level = $"+itoa(len(args)))
	}
	args = append(args, f.Limit)
	rows, err := db.Pool.Query(ctx, `SELECT `+lineCols+lineFrom+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY l.level, l.left_code, l.right_code LIMIT $`+itoa(len(args)), args...)
	return collect(op, rows, err, scanLine)
}

const markerCols = `m.id, m.line_id, m.number, m.seq, m.type, coalesce(m.side_code, ''), ST_X(m.geom), ST_Y(m.geom), m.form, m.material,
	m.refs, m.description, m.status, m.published, m.public, m.generated, m.version`

func scanMarker(row pgx.Row) (boundaries.Marker, error) {
	var m boundaries.Marker
	err := row.Scan(&m.ID, &m.LineID, &m.Number, &m.Seq, &m.Type, &m.SideCode, &m.Position[0], &m.Position[1], &m.Form, &m.Material,
		&m.References, &m.Description, &m.Status, &m.Published, &m.Public, &m.Generated, &m.Version)
	if m.References == nil {
		m.References = []boundaries.Reference{}
	}
	return m, err
}

// CreateMarker stores a new marker on line l, numbered after DOMAIN §2.5.
func (db *DB) CreateMarker(ctx context.Context, l boundaries.Line, nm boundaries.NewMarker) (boundaries.Marker, error) {
	const op = "data.CreateMarker"
	var m boundaries.Marker
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		refs := nm.References
		if refs == nil {
			refs = []boundaries.Reference{}
		}
		var err error
		m, err = scanMarker(tx.QueryRow(ctx, `INSERT INTO boundary_markers AS m (line_id, number, seq, type, side_code, geom, form, material,
			refs, description, status, published, generated)
			VALUES ($1, $2, $3, $4, $5, ST_SetSRID(ST_MakePoint($6, $7), 4490), $8, $9, $10, $11, $12, $13, $14) RETURNING `+markerCols,
			l.ID, boundaries.MarkerNumber(l.Number, nm.Seq, nm.Type), nm.Seq, nm.Type, nullable(nm.SideCode), nm.Position[0], nm.Position[1],
			nm.Form, nm.Material, refs, nm.Description, nm.Status, nm.Published, l.Generated))
		if err != nil {
			return markerError(op, nm.Seq, err)
		}
		return audit(ctx, tx, Change{Action: "marker.create", Entity: "boundary_marker", EntityID: itoa64(m.ID), After: m})
	})
	return m, err
}

// markerError translates err; the database's refusal of a type that does
// not belong with the other markers of its number (boundary_markers_rules,
// the one place the marker groups are decided) becomes a message on the
// type field.
func markerError(op string, seq int, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "P0001" && strings.Contains(pe.Message, "mixes types of a single") {
		return diming.E(op, diming.Invalid, fmt.Sprintf("编号 %03d 下已有另一组的界桩", seq), map[string]string{
			"type": "同一编号下的界桩只能同为单立（Q）、同号双立（A/B）或同号三立（C/D/E）"}, err)
	}
	return translate(op, err)
}

// FindMarker returns one marker.
func (db *DB) FindMarker(ctx context.Context, id int64) (boundaries.Marker, error) {
	m, err := scanMarker(db.Pool.QueryRow(ctx, `SELECT `+markerCols+` FROM boundary_markers m WHERE m.id = $1`, id))
	return m, translate("data.FindMarker", err)
}

// FindMarkers lists a line's markers in number order.
func (db *DB) FindMarkers(ctx context.Context, lineID int64) ([]boundaries.Marker, error) {
	const op = "data.FindMarkers"
	rows, err := db.Pool.Query(ctx, `SELECT `+markerCols+` FROM boundary_markers m WHERE m.line_id = $1 ORDER BY m.number`, lineID)
	return collect(op, rows, err, scanMarker)
}

// UpdateMarker applies an edit with optimistic locking.
func (db *DB) UpdateMarker(ctx context.Context, id int64, up boundaries.MarkerUpdate) (boundaries.Marker, error) {
	const op = "data.UpdateMarker"
	var m boundaries.Marker
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		cur, err := scanMarker(tx.QueryRow(ctx, `SELECT `+markerCols+` FROM boundary_markers m WHERE m.id = $1 FOR UPDATE`, id))
		if err != nil {
			return translate(op, err)
		}
		if cur.Version != up.Version {
			return staleVersion(op, cur.Version, cur)
		}
		next := cur
		setIf(&next.Status, up.Status)
		setIf(&next.Form, up.Form)
		setIf(&next.Material, up.Material)
		setIf(&next.Description, up.Description)
		setIf(&next.Published, up.Published)
		setIf(&next.References, up.References)
		m, err = scanMarker(tx.QueryRow(ctx, `UPDATE boundary_markers m SET status = $2, form = $3, material = $4, description = $5,
			published = $6, refs = $7, version = version + 1 WHERE id = $1 RETURNING `+markerCols,
			id, next.Status, next.Form, next.Material, next.Description, next.Published, next.References))
		if err != nil {
			return translate(op, err)
		}
		return audit(ctx, tx, Change{Action: "marker.update", Entity: "boundary_marker", EntityID: itoa64(id), Before: cur, After: m})
	})
	return m, err
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// MoveMarker records an agreed move and applies it; the database refuses
// any position change without such a record.
func (db *DB) MoveMarker(ctx context.Context, id int64, mv boundaries.Move) (boundaries.Marker, error) {
	const op = "data.MoveMarker"
	var m boundaries.Marker
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		cur, err := scanMarker(tx.QueryRow(ctx, `SELECT `+markerCols+` FROM boundary_markers m WHERE m.id = $1 FOR UPDATE`, id))
		if err != nil {
			return translate(op, err)
		}
		if cur.Version != mv.Version {
			return staleVersion(op, cur.Version, cur)
		}
		var moveID int64
		if err := tx.QueryRow(ctx, `INSERT INTO marker_moves (marker_id, agreement_no, agreed_on, signed_by, from_geom, to_geom, reason, created_by)
			SELECT $1, $2, $3, $4, geom, ST_SetSRID(ST_MakePoint($5, $6), 4490), $7, $8 FROM boundary_markers WHERE id = $1 RETURNING id`,
			id, mv.AgreementNo, mv.AgreedOn, mv.SignedBy, mv.To[0], mv.To[1], mv.Reason, mv.CreatedBy).Scan(&moveID); err != nil {
			return translate(op, err)
		}
		m, err = scanMarker(tx.QueryRow(ctx, `UPDATE boundary_markers m SET geom = ST_SetSRID(ST_MakePoint($2, $3), 4490), last_move_id = $4,
			status = 'moved', version = version + 1 WHERE id = $1 RETURNING `+markerCols, id, mv.To[0], mv.To[1], moveID))
		if err != nil {
			return translate(op, err)
		}
		mv.ID = moveID
		return audit(ctx, tx, Change{Action: "marker.move", Entity: "boundary_marker", EntityID: itoa64(id), Before: cur, After: m,
			Reason: "agreement " + mv.AgreementNo + ": " + mv.Reason})
	})
	return m, err
}

func itoa64(i int64) string { return itoa(int(i)) }

const inspectionCols = `i.id, i.line_id, i.round, i.inspected_on, i.findings, i.remediation, coalesce(i.left_signed_by, ''), i.left_signed_at,
	coalesce(i.right_signed_by, ''), i.right_signed_at, i.version`

func scanInspection(row pgx.Row) (boundaries.Inspection, error) {
	var in boundaries.Inspection
	err := row.Scan(&in.ID, &in.LineID, &in.Round, &in.InspectedOn, &in.Findings, &in.Remediation, &in.LeftSignedBy, &in.LeftSignedAt,
		&in.RightSignedBy, &in.RightSignedAt, &in.Version)
	return in, err
}

// CreateInspection stores an inspection with its marker checks.
func (db *DB) CreateInspection(ctx context.Context, lineID int64, round int, n boundaries.NewInspection) (boundaries.Inspection, error) {
	const op = "data.CreateInspection"
	var in boundaries.Inspection
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		var err error
		in, err = scanInspection(tx.QueryRow(ctx, `INSERT INTO line_inspections AS i (line_id, round, inspected_on, findings, remediation)
			VALUES ($1, $2, $3, $4, $5) RETURNING `+inspectionCols, lineID, round, n.InspectedOn, n.Findings, n.Remediation))
		if err != nil {
			return translate(op, err)
		}
		for _, c := range n.Checks {
			if _, err := tx.Exec(ctx, `INSERT INTO marker_checks (inspection_id, marker_id, status, findings, remediation) VALUES ($1, $2, $3, $4, $5)`,
				in.ID, c.MarkerID, c.Status, c.Findings, c.Remediation); err != nil {
				return translate(op, err)
			}
		}
		if in.Checks, err = inspectionChecks(ctx, tx, in.ID); err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "inspection.create", Entity: "line_inspection", EntityID: itoa64(in.ID), After: in})
	})
	return in, err
}

func inspectionChecks(ctx context.Context, q DBTX, id int64) ([]boundaries.MarkerCheck, error) {
	rows, err := q.Query(ctx, `SELECT c.marker_id, m.number, c.status, c.findings, c.remediation FROM marker_checks c
		JOIN boundary_markers m ON m.id = c.marker_id WHERE c.inspection_id = $1 ORDER BY m.number`, id)
	if err != nil {
		return nil, translate("data.inspectionChecks", err)
	}
	defer rows.Close()
	out := []boundaries.MarkerCheck{}
	for rows.Next() {
		var c boundaries.MarkerCheck
		if err := rows.Scan(&c.MarkerID, &c.Number, &c.Status, &c.Findings, &c.Remediation); err != nil {
			return nil, translate("data.inspectionChecks", err)
		}
		out = append(out, c)
	}
	return out, translate("data.inspectionChecks", rows.Err())
}

// FindInspection returns one inspection with its checks.
func (db *DB) FindInspection(ctx context.Context, id int64) (boundaries.Inspection, error) {
	in, err := scanInspection(db.Pool.QueryRow(ctx, `SELECT `+inspectionCols+` FROM line_inspections i WHERE i.id = $1`, id))
	if err != nil {
		return in, translate("data.FindInspection", err)
	}
	in.Checks, err = inspectionChecks(ctx, db.Pool, id)
	return in, err
}

// LatestInspection returns a line's latest inspection, or nil.
func (db *DB) LatestInspection(ctx context.Context, lineID int64) (*boundaries.Inspection, error) {
	var id int64
	err := db.Pool.QueryRow(ctx, `SELECT id FROM line_inspections WHERE line_id = $1 ORDER BY inspected_on DESC, id DESC LIMIT 1`, lineID).Scan(&id)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, translate("data.LatestInspection", err)
	}
	in, err := db.FindInspection(ctx, id)
	return &in, err
}

// SignInspection signs an inspection off for the left or right side.
func (db *DB) SignInspection(ctx context.Context, id int64, left bool, by string, version int) (boundaries.Inspection, error) {
	const op = "data.SignInspection"
	var in boundaries.Inspection
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		cur, err := scanInspection(tx.QueryRow(ctx, `SELECT `+inspectionCols+` FROM line_inspections i WHERE i.id = $1 FOR UPDATE`, id))
		if err != nil {
			return translate(op, err)
		}
		if cur.Version != version {
			return staleVersion(op, cur.Version, cur)
		}
		col := "right"
		if left {
			col = "left"
		}
		in, err = scanInspection(tx.QueryRow(ctx, `UPDATE line_inspections i SET `+col+`_signed_by = $2, `+col+`_signed_at = now(),
			version = version + 1 WHERE id = $1 RETURNING `+inspectionCols, id, by))
		if err != nil {
			return translate(op, err)
		}
		if in.Checks, err = inspectionChecks(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "inspection.sign", Entity: "line_inspection", EntityID: itoa64(id), Before: cur, After: in})
	})
	return in, err
}

// FindOverdueLines lists current lines within a division whose last
// inspection signed by both sides is before dueBefore; a line never
// inspected counts from the day it was established, and is overdue when
// that day is not known.
func (db *DB) FindOverdueLines(ctx context.Context, within string, dueBefore time.Time) ([]boundaries.OverdueLine, error) {
	const op = "data.FindOverdueLines"
	rows, err := db.Pool.Query(ctx, `SELECT `+lineCols+`, last.on `+lineFrom+`
		LEFT JOIN LATERAL (SELECT max(inspected_on) AS on FROM line_inspections i
			WHERE i.line_id = l.id AND i.left_signed_at IS NOT NULL AND i.right_signed_at IS NOT NULL) last ON true
		WHERE l.valid_to IS NULL AND ($1 = '' OR starts_with(l.left_code, $1) OR starts_with(l.right_code, $1))
			AND coalesce(last.on, l.established_on, '-infinity') < $2
		ORDER BY last.on NULLS FIRST, l.left_code, l.right_code LIMIT 5000`, diming.CodePrefix(within), dueBefore)
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	out := []boundaries.OverdueLine{}
	for rows.Next() {
		var o boundaries.OverdueLine
		var last *time.Time
		var level int16
		var g []byte
		l := &o.Line
		if err := rows.Scan(&l.ID, &l.Number, &l.LeftCode, &l.LeftName, &l.RightCode, &l.RightName, &level, &l.Name, &g, &l.LengthM,
			&l.Status, &l.Source, &l.ToleranceM, &l.ApprovedBy, &l.Agreement, &l.EstablishedOn, &l.ValidTo, &l.Generated, &l.Version, &last); err != nil {
			return nil, translate(op, err)
		}
		l.Level = boundaries.Level(level)
		o.LastInspected = last
		if from := cmp.Or(last, l.EstablishedOn); from != nil {
			due := from.AddDate(boundaries.InspectionCycle, 0, 0)
			o.DueSince = &due
		}
		out = append(out, o)
	}
	return out, translate(op, rows.Err())
}
