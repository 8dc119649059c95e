package data

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/diming/diming/boundaries"
	"github.com/jackc/pgx/v5"
)

// copyRows streams an iterator into a COPY: the first error from the
// iterator aborts the COPY and with it the transaction.
func copyRows[T any](ctx context.Context, tx pgx.Tx, table string, cols []string, rows iter.Seq2[T, error], row func(T) []any) (int64, error) {
	next, stop := iter.Pull2(rows)
	defer stop()
	var srcErr error
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		v, err, ok := next()
		if !ok {
			return nil, nil
		}
		if err != nil {
			srcErr = err
			return nil, err
		}
		return row(v), nil
	}))
	if srcErr != nil {
		// The source's own error says what is wrong with the file.
		return n, srcErr
	}
	return n, err
}

// importTimeout replaces the pool's per-statement backstop inside an
// import transaction: a COPY lasts as long as the source file takes to
// read and convert, which is minutes for the national files.
const importTimeout = `SET LOCAL statement_timeout = '30min'`

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// rejectRows runs a DELETE … RETURNING ref, reason on a staging table and
// records each returned row as rejected.
func rejectRows(ctx context.Context, tx pgx.Tx, rep *boundaries.ImportReport, sql string, args ...any) (int, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var ref, reason string
		if err := rows.Scan(&ref, &reason); err != nil {
			return n, err
		}
		rep.Reject(ref, reason)
		n++
	}
	return n, rows.Err()
}

// divisionChecks remove from import_divisions the rows the code rules
// refuse, each with its reason.
var divisionChecks = []string{
	`DELETE FROM import_divisions a USING import_divisions b WHERE a.code = b.code AND a.ctid > b.ctid
	 RETURNING a.code, 'the code appears more than once; the first row was kept'`,
	`DELETE FROM import_divisions s USING divisions d WHERE d.code = s.code AND d.valid_to IS NOT NULL
	 RETURNING s.code || ' ' || s.name, 'code ' || d.code || ' (' || d.name || ') was retired on ' || d.valid_to || '; a retired code is never reused'`,
	`DELETE FROM import_divisions s USING divisions d WHERE d.code = s.code AND (d.level <> s.level
	   OR (d.parent_code IS NOT NULL AND d.parent_code IS DISTINCT FROM s.parent_code))
	 RETURNING s.code || ' ' || s.name, 'code ' || d.code || ' belongs to ' || coalesce(d.parent_code, 'no parent') || ' at level ' || d.level ||
	   '; a change of parent retires the code and issues a new one'`,
}

// orphanCheck removes rows whose parent is neither imported nor current;
// it runs until nothing more goes, since a rejected town orphans its villages.
const orphanCheck = `DELETE FROM import_divisions s WHERE s.parent_code IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM import_divisions p WHERE p.code = s.parent_code)
	AND NOT EXISTS (SELECT 1 FROM divisions d WHERE d.code = s.parent_code AND d.valid_to IS NULL)
	RETURNING s.code || ' ' || s.name, 'its parent ' || s.parent_code || ' is neither in the import nor a current division'`

// ImportDivisions loads divisions in one transaction: COPY into a staging
// table, reject what the code rules refuse, rename existing codes whose
// name changed (keeping the old name in the history) and insert the rest.
func (db *DB) ImportDivisions(ctx context.Context, rows iter.Seq2[boundaries.Division, error], rep *boundaries.ImportReport) error {
	const op = "data.ImportDivisions"
	return db.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, importTimeout); err != nil {
			return translate(op, err)
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_divisions (code text, name text, level smallint, kind text,
			parent_code text, generated boolean) ON COMMIT DROP`); err != nil {
			return translate(op, err)
		}
		_, err := copyRows(ctx, tx, "import_divisions", []string{"code", "name", "level", "kind", "parent_code", "generated"}, rows,
			func(d boundaries.Division) []any {
				return []any{d.Code, d.Name, int16(d.Level), d.Kind, nullable(d.ParentCode), d.Generated}
			})
		if err != nil {
			return translate(op, err)
		}
		if _, err := tx.Exec(ctx, `CREATE INDEX ON import_divisions(code); ANALYZE import_divisions`); err != nil {
			return translate(op, err)
		}
		if err := applyDivisionImport(ctx, tx, rep); err != nil {
			return translate(op, err)
		}
		return audit(ctx, tx, Change{Action: "division.import", Entity: "import", EntityID: rep.Kind, After: reportSummary(rep)})
	})
}

func applyDivisionImport(ctx context.Context, tx pgx.Tx, rep *boundaries.ImportReport) error {
	for _, sql := range divisionChecks {
		if _, err := rejectRows(ctx, tx, rep, sql); err != nil {
			return err
		}
	}
	for {
		n, err := rejectRows(ctx, tx, rep, orphanCheck)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	rows, err := tx.Query(ctx, `WITH changed AS (
			SELECT d.code, d.name AS old_name, d.valid_from, s.name AS new_name, s.kind, s.parent_code
			FROM import_divisions s JOIN divisions d USING (code)
			WHERE d.name <> s.name OR (d.parent_code IS NULL AND s.parent_code IS NOT NULL)),
		hist AS (INSERT INTO division_names (code, name, valid_from, valid_to, source)
			SELECT code, old_name, valid_from, current_date, 'renamed by import' FROM changed WHERE old_name <> new_name)
		UPDATE divisions d SET name = c.new_name, kind = CASE WHEN c.kind <> '' THEN c.kind ELSE d.kind END,
			parent_code = coalesce(d.parent_code, c.parent_code), version = d.version + 1
		FROM changed c WHERE d.code = c.code
		RETURNING d.code, c.old_name <> c.new_name`)
	if err != nil {
		return err
	}
	var renamed []string
	var code string
	var wasRenamed bool
	if _, err := pgx.ForEachRow(rows, []any{&code, &wasRenamed}, func() error {
		rep.Updated++
		if wasRenamed {
			renamed = append(renamed, code)
		}
		return nil
	}); err != nil {
		return err
	}
	// Addresses under a renamed division take the new name.
	if len(renamed) > 0 {
		if err := retextAudited(ctx, tx, renamed, "import"); err != nil {
			return err
		}
	}
	tag, err := tx.Exec(ctx, `INSERT INTO divisions (code, name, level, kind, parent_code, generated)
		SELECT s.code, s.name, s.level, s.kind, s.parent_code, s.generated FROM import_divisions s
		WHERE NOT EXISTS (SELECT 1 FROM divisions d WHERE d.code = s.code)`)
	if err != nil {
		return err
	}
	rep.Imported += int(tag.RowsAffected())
	return nil
}

// reportSummary is what the audit log keeps of an import.
func reportSummary(rep *boundaries.ImportReport) map[string]any {
	return map[string]any{"sources": rep.Sources, "crs": rep.CRS, "read": rep.Read, "imported": rep.Imported,
		"updated": rep.Updated, "repaired": rep.Repaired, "rejected": rep.Rejected}
}

// codeRow is one code of the MCA history as staged: its latest name and
// its whole interval.
type codeRow struct {
	code, name, kind string
	level            int16
	from, to         *time.Time
}

// ImportCodeHistory loads the MCA code history: names over time, codes no
// longer in use (inserted retired, so they are never reissued), the start
// and end of existing codes, and successor links.
func (db *DB) ImportCodeHistory(ctx context.Context, recs iter.Seq2[boundaries.CodeRecord, error], rep *boundaries.ImportReport) error {
	const op = "data.ImportCodeHistory"
	var all []boundaries.CodeRecord
	codes := map[string]*codeRow{}
	var order []string
	for r, err := range recs {
		if err != nil {
			return err
		}
		all = append(all, r)
		c := codes[r.Code]
		if c == nil {
			c = &codeRow{code: r.Code, from: r.FromDate()}
			codes[r.Code] = c
			order = append(order, r.Code)
		}
		if c.from == nil || r.FromDate().Before(*c.from) {
			c.from = r.FromDate()
		}
		if c.name == "" || latestFirst(r, all, c) {
			c.name, c.level, c.kind, c.to = r.Name, int16(r.Level), boundaries.KindOfName(r.Name, r.Level), nil
			if r.Retired() {
				c.to = r.ToDate()
			}
		}
	}
	return db.WithTx(ctx, func(tx pgx.Tx) error {
		if err := stageCodeHistory(ctx, tx, all, codes, order); err != nil {
			return translate(op, err)
		}
		if err := applyCodeHistory(ctx, tx, rep); err != nil {
			return translate(op, err)
		}
		return audit(ctx, tx, Change{Action: "division.import", Entity: "import", EntityID: rep.Kind, After: reportSummary(rep)})
	})
}

// latestFirst reports whether r starts after every earlier record of its
// code, so that its name and status are the code's latest.
func latestFirst(r boundaries.CodeRecord, all []boundaries.CodeRecord, c *codeRow) bool {
	for _, o := range all[:len(all)-1] {
		if o.Code == r.Code && (o.From > r.From || (o.From == r.From && o.To == 0)) {
			return false
		}
	}
	return true
}

func stageCodeHistory(ctx context.Context, tx pgx.Tx, all []boundaries.CodeRecord, codes map[string]*codeRow, order []string) error {
	if _, err := tx.Exec(ctx, importTimeout); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_codes (code text, name text, kind text, level smallint, valid_from date, valid_to date) ON COMMIT DROP;
		CREATE TEMP TABLE import_names (code text, name text, valid_from date, valid_to date) ON COMMIT DROP;
		CREATE TEMP TABLE import_successors (code text, successor_code text, year int, kind text) ON COMMIT DROP`); err != nil {
		return err
	}
	codeRows := make([][]any, 0, len(order))
	for _, k := range order {
		c := codes[k]
		codeRows = append(codeRows, []any{c.code, c.name, c.kind, c.level, c.from, c.to})
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_codes"}, []string{"code", "name", "kind", "level", "valid_from", "valid_to"},
		pgx.CopyFromRows(codeRows)); err != nil {
		return err
	}
	var names, succ [][]any
	for _, r := range all {
		names = append(names, []any{r.Code, r.Name, r.FromDate(), r.ToDate()})
		for _, s := range r.Successors {
			succ = append(succ, []any{s.Code, s.SuccessorCode, s.Year, s.Kind})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_names"}, []string{"code", "name", "valid_from", "valid_to"}, pgx.CopyFromRows(names)); err != nil {
		return err
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_successors"}, []string{"code", "successor_code", "year", "kind"}, pgx.CopyFromRows(succ))
	return err
}

func applyCodeHistory(ctx context.Context, tx pgx.Tx, rep *boundaries.ImportReport) error {
	// New codes, level by level so that parents exist first. A code's
	// parent is the nearest existing prefix code.
	for level := 1; level <= 3; level++ {
		tag, err := tx.Exec(ctx, `INSERT INTO divisions (code, name, level, kind, parent_code, valid_from, valid_to)
			SELECT c.code, c.name, c.level, c.kind,
				(SELECT p.code FROM divisions p WHERE p.code IN (left(c.code, 4) || '00', left(c.code, 2) || '0000') AND p.code <> c.code
				 ORDER BY p.level DESC LIMIT 1),
				c.valid_from, c.valid_to
			FROM import_codes c WHERE c.level = $1 AND NOT EXISTS (SELECT 1 FROM divisions d WHERE d.code = c.code)`, level)
		if err != nil {
			return err
		}
		rep.Imported += int(tag.RowsAffected())
	}
	if _, err := tx.Exec(ctx, `UPDATE divisions d SET valid_from = c.valid_from, version = d.version + 1
		FROM import_codes c WHERE d.code = c.code AND d.valid_from IS NULL AND c.valid_from IS NOT NULL`); err != nil {
		return err
	}
	// Codes the NBS list still had but the MCA has since retired.
	rows, err := tx.Query(ctx, `UPDATE divisions d SET valid_to = c.valid_to, version = d.version + 1
		FROM import_codes c WHERE d.code = c.code AND d.valid_to IS NULL AND c.valid_to IS NOT NULL
		RETURNING d.code || ' ' || d.name, 'retired in ' || extract(year FROM c.valid_to)`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var ref, why string
		if err := rows.Scan(&ref, &why); err != nil {
			rows.Close()
			return err
		}
		rep.Updated++
		rep.Warn(ref, why)
	}
	rows.Close()
	if _, err := tx.Exec(ctx, `INSERT INTO division_names (code, name, valid_from, valid_to, source)
		SELECT code, name, valid_from, valid_to, 'mca' FROM import_names ON CONFLICT (code, valid_from) DO NOTHING`); err != nil {
		return err
	}
	if _, err := rejectRows(ctx, tx, rep, `DELETE FROM import_successors s WHERE NOT EXISTS (SELECT 1 FROM divisions d WHERE d.code = s.successor_code)
		RETURNING s.code, 'successor code ' || s.successor_code || ' is unknown'`); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO division_successors (code, successor_code, year, kind)
		SELECT DISTINCT ON (code, successor_code, year) code, successor_code, year, kind FROM import_successors
		ORDER BY code, successor_code, year, kind ON CONFLICT DO NOTHING`)
	return err
}

// polygonChecks run on import_polygons (ref, code, name, geom, reason):
// each returns the rows it rejects or reports.
const (
	polygonDuplicates = `DELETE FROM import_polygons a USING import_polygons b WHERE a.code = b.code AND a.ctid > b.ctid
		RETURNING a.code || ' ' || a.name, 'a second polygon for the same code; the first was kept'`
	polygonUnmatched = `DELETE FROM import_polygons s WHERE NOT EXISTS (SELECT 1 FROM divisions d WHERE d.code = s.code AND d.valid_to IS NULL)
		RETURNING s.code || ' ' || s.name, coalesce(
			(SELECT 'code ' || d.code || ' (' || d.name || ') was retired on ' || d.valid_to ||
			  coalesce('; its area went to ' || (SELECT string_agg(x.successor_code || ' ' || n.name, ', ')
			    FROM division_successors x JOIN divisions n ON n.code = x.successor_code WHERE x.code = d.code), '')
			 FROM divisions d WHERE d.code = s.code),
			'no division has code ' || s.code)`
)

// ImportPolygons stores division polygons: unknown and retired codes are
// reported as unmatched, invalid polygons are repaired with ST_MakeValid
// or rejected when nothing polygonal remains, and the subdivided parts
// behind point look-ups are rebuilt for the divisions touched.
func (db *DB) ImportPolygons(ctx context.Context, rows iter.Seq2[boundaries.PolygonRow, error], rep *boundaries.ImportReport) error {
	const op = "data.ImportPolygons"
	return db.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, importTimeout); err != nil {
			return translate(op, err)
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_polygons (ref text, code text, name text, wkb bytea,
			geom geometry(MultiPolygon, 4490)) ON COMMIT DROP`); err != nil {
			return translate(op, err)
		}
		_, err := copyRows(ctx, tx, "import_polygons", []string{"ref", "code", "name", "wkb"}, rows,
			func(r boundaries.PolygonRow) []any { return []any{r.Ref, r.Code, r.Name, wkbBytes(r.Geom)} })
		if err != nil {
			return translate(op, err)
		}
		if err := applyPolygons(ctx, tx, rep); err != nil {
			return translate(op, err)
		}
		return audit(ctx, tx, Change{Action: "division.import", Entity: "import", EntityID: rep.Kind, After: reportSummary(rep)})
	})
}

func applyPolygons(ctx context.Context, tx pgx.Tx, rep *boundaries.ImportReport) error {
	if _, err := tx.Exec(ctx, `UPDATE import_polygons SET geom = ST_SetSRID(ST_GeomFromWKB(wkb), 4490), wkb = NULL`); err != nil {
		return err
	}
	if _, err := rejectRows(ctx, tx, rep, polygonDuplicates); err != nil {
		return err
	}
	if err := reportUnmatched(ctx, tx, rep); err != nil {
		return err
	}
	if err := repairPolygons(ctx, tx, rep); err != nil {
		return err
	}
	if err := warnNames(ctx, tx, rep); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `UPDATE divisions d SET geom = s.geom, version = d.version + 1 FROM import_polygons s WHERE d.code = s.code`)
	if err != nil {
		return err
	}
	rep.Imported += int(tag.RowsAffected())
	if _, err := tx.Exec(ctx, `DELETE FROM division_parts p USING import_polygons s WHERE p.code = s.code`); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO division_parts (code, level, geom)
		SELECT code, level, g FROM (SELECT d.code, d.level, ST_Subdivide(d.geom, 256) AS g
			FROM divisions d JOIN import_polygons s USING (code)) x WHERE GeometryType(g) = 'POLYGON'`)
	return err
}

func reportUnmatched(ctx context.Context, tx pgx.Tx, rep *boundaries.ImportReport) error {
	rows, err := tx.Query(ctx, polygonUnmatched)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ref, why string
		if err := rows.Scan(&ref, &why); err != nil {
			return err
		}
		rep.Unmatched(ref, why)
	}
	return rows.Err()
}

// repairPolygons makes invalid polygons valid, keeping only their
// polygonal part; a polygon with nothing left is rejected.
func repairPolygons(ctx context.Context, tx pgx.Tx, rep *boundaries.ImportReport) error {
	rows, err := tx.Query(ctx, `WITH bad AS (SELECT ctid, code, name, ST_IsValidReason(geom) AS why FROM import_polygons WHERE NOT ST_IsValid(geom)),
		fixed AS (UPDATE import_polygons s SET geom = (SELECT CASE WHEN ST_IsEmpty(r.g) THEN NULL ELSE ST_Multi(r.g) END
				FROM (SELECT ST_CollectionExtract(ST_MakeValid(s.geom), 3) AS g) r)
			FROM bad WHERE s.ctid = bad.ctid RETURNING s.code, s.geom IS NOT NULL AS ok)
		SELECT bad.code || ' ' || bad.name, bad.why, fixed.ok FROM bad JOIN fixed USING (code)`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ref, why string
		var ok bool
		if err := rows.Scan(&ref, &why, &ok); err != nil {
			return err
		}
		if ok {
			rep.Repair(ref, "invalid polygon ("+why+") repaired with ST_MakeValid")
		} else {
			rep.Reject(ref, "invalid polygon ("+why+") with no area left after repair")
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `DELETE FROM import_polygons WHERE geom IS NULL`)
	return err
}

func warnNames(ctx context.Context, tx pgx.Tx, rep *boundaries.ImportReport) error {
	rows, err := tx.Query(ctx, `SELECT s.code || ' ' || s.name, d.name FROM import_polygons s JOIN divisions d USING (code)
		WHERE s.name <> '' AND s.name <> d.name`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ref, name string
		if err := rows.Scan(&ref, &name); err != nil {
			return err
		}
		rep.Warn(ref, fmt.Sprintf("the file names it differently from the division list (%s); the polygon was stored", name))
	}
	return rows.Err()
}
