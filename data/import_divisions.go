package data

import (
	"context"
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
	 RETURNING a.code, '同一代码出现多次，保留第一行'`,
	`DELETE FROM import_divisions s USING retired_codes r WHERE r.code = s.code
	 RETURNING s.code || ' ' || s.name, retired_code_message(r.code, r.name, r.retired_on)`,
	`DELETE FROM import_divisions s USING divisions d WHERE d.code = s.code AND (d.level <> s.level
	   OR (d.parent_code IS NOT NULL AND d.parent_code IS DISTINCT FROM s.parent_code))
	 RETURNING s.code || ' ' || s.name, '代码 ' || d.code || ' 属于 ' || coalesce(d.parent_code, '（无上级）') || '，级别 ' || d.level ||
	   '；隶属关系变更须废止旧代码、另发新代码'`,
}

// orphanCheck removes rows whose parent is neither imported nor current;
// it runs until nothing more goes, since a rejected town orphans its villages.
const orphanCheck = `DELETE FROM import_divisions s WHERE s.parent_code IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM import_divisions p WHERE p.code = s.parent_code)
	AND NOT EXISTS (SELECT 1 FROM divisions d WHERE d.code = s.parent_code AND d.valid_to IS NULL)
	RETURNING s.code || ' ' || s.name, '上级代码 ' || s.parent_code || ' 既不在本次导入中，也不是现行区划'`

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
	// Renames first write the names history (one function for every
	// rename path), then the divisions.
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_changed ON COMMIT DROP AS
			SELECT d.code, d.name AS old_name, s.name AS new_name, s.kind, s.parent_code
			FROM import_divisions s JOIN divisions d USING (code)
			WHERE d.name <> s.name OR (d.parent_code IS NULL AND s.parent_code IS NOT NULL);
		SELECT record_division_rename(code, old_name, new_name, current_date, 'nbs') FROM import_changed WHERE old_name <> new_name`); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `UPDATE divisions d SET name = c.new_name, kind = CASE WHEN c.kind <> '' THEN c.kind ELSE d.kind END,
			parent_code = coalesce(d.parent_code, c.parent_code), version = d.version + 1
		FROM import_changed c WHERE d.code = c.code
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
		var today time.Time
		if err := tx.QueryRow(ctx, `SELECT current_date`).Scan(&today); err != nil {
			return err
		}
		if err := renameDivisionPlaces(ctx, tx, renamed, today); err != nil {
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
		"updated": rep.Updated, "repaired": rep.Repaired, "rejected": rep.Rejected, "derived": rep.Derived}
}

// ImportCodeHistory loads the MCA code history: names over time, codes no
// longer in use (inserted retired, so they are never reissued), the start
// and end of existing codes, and successor links. A record that starts on
// or after its code's retirement (in the file or in the database) reuses a
// retired code and is rejected with its successor links.
func (db *DB) ImportCodeHistory(ctx context.Context, recs iter.Seq2[boundaries.CodeRecord, error], rep *boundaries.ImportReport) error {
	const op = "data.ImportCodeHistory"
	var all []boundaries.CodeRecord
	for r, err := range recs {
		if err != nil {
			return err
		}
		all = append(all, r)
	}
	return db.WithTx(ctx, func(tx pgx.Tx) error {
		if err := stageCodeHistory(ctx, tx, all); err != nil {
			return translate(op, err)
		}
		if err := applyCodeHistory(ctx, tx, rep); err != nil {
			return translate(op, err)
		}
		return audit(ctx, tx, Change{Action: "division.import", Entity: "import", EntityID: rep.Kind, After: reportSummary(rep)})
	})
}

func stageCodeHistory(ctx context.Context, tx pgx.Tx, all []boundaries.CodeRecord) error {
	if _, err := tx.Exec(ctx, importTimeout); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_names (ref text, code text, name text, kind text, level smallint,
			valid_from date, valid_to date, retired boolean) ON COMMIT DROP;
		CREATE TEMP TABLE import_successors (ref text, code text, successor_code text, year int, kind text) ON COMMIT DROP`); err != nil {
		return err
	}
	var names, succ [][]any
	for _, r := range all {
		names = append(names, []any{r.Ref, r.Code, r.Name, boundaries.KindOfName(r.Name, r.Level), int16(r.Level),
			r.FromDate(), r.ToDate(), r.Retired()})
		for _, s := range r.Successors {
			succ = append(succ, []any{r.Ref, s.Code, s.SuccessorCode, s.Year, s.Kind})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_names"},
		[]string{"ref", "code", "name", "kind", "level", "valid_from", "valid_to", "retired"}, pgx.CopyFromRows(names)); err != nil {
		return err
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_successors"}, []string{"ref", "code", "successor_code", "year", "kind"}, pgx.CopyFromRows(succ))
	return err
}

// mcaReuse rejects the records that reuse a retired code: a record
// starting on or after the day its code ended, by the database or by a
// 弃用 record of the same file (废码不用, 行政区划代码管理办法).
const mcaReuse = `WITH ended AS (
		SELECT code, min(valid_to) AS day FROM (
			SELECT code, retired_on AS valid_to FROM retired_codes
			UNION ALL SELECT code, valid_to FROM import_names WHERE retired) x GROUP BY code),
	gone AS (DELETE FROM import_names n USING ended e WHERE n.code = e.code AND n.valid_from >= e.day
		RETURNING n.ref, n.code, e.day),
	links AS (DELETE FROM import_successors s USING gone g WHERE s.ref = g.ref)
	SELECT ref, retired_code_message(code, NULL, day) || '；本行未导入' FROM gone`

// mcaCodes is each code's latest record (its current or last name and
// status) with the start of its earliest record.
const mcaCodes = `CREATE TEMP TABLE import_codes ON COMMIT DROP AS
	SELECT DISTINCT ON (n.code) n.code, n.name, n.kind, n.level, min(n.valid_from) OVER (PARTITION BY n.code) AS valid_from,
		CASE WHEN n.retired THEN n.valid_to END AS valid_to
	FROM import_names n ORDER BY n.code, n.valid_from DESC, n.valid_to DESC NULLS FIRST`

func applyCodeHistory(ctx context.Context, tx pgx.Tx, rep *boundaries.ImportReport) error {
	if _, err := rejectRows(ctx, tx, rep, mcaReuse); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, mcaCodes); err != nil {
		return err
	}
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
		RETURNING d.code, d.code || ' ' || d.name, '于 ' || extract(year FROM c.valid_to) || ' 年废止'`)
	if err != nil {
		return err
	}
	var retired []string
	for rows.Next() {
		var code, ref, why string
		if err := rows.Scan(&code, &ref, &why); err != nil {
			rows.Close()
			return err
		}
		rep.Updated++
		rep.Warn(ref, why)
		retired = append(retired, code)
	}
	rows.Close()
	if _, err := tx.Exec(ctx, `INSERT INTO division_names (code, name, valid_from, valid_to, source)
		SELECT code, name, valid_from, valid_to, 'mca' FROM import_names ON CONFLICT (code, valid_from) DO NOTHING`); err != nil {
		return err
	}
	if _, err := rejectRows(ctx, tx, rep, `DELETE FROM import_successors s WHERE NOT EXISTS (SELECT 1 FROM divisions d WHERE d.code = s.successor_code)
		RETURNING s.ref, '新代码 ' || s.successor_code || ' 不是已知的区划代码'`); err != nil {
		return err
	}
	if _, err = tx.Exec(ctx, `INSERT INTO division_successors (code, successor_code, year, kind)
		SELECT DISTINCT ON (code, successor_code, year) code, successor_code, year, kind FROM import_successors
		ORDER BY code, successor_code, year, kind ON CONFLICT DO NOTHING`); err != nil {
		return err
	}
	return retireDivisionPlaces(ctx, tx, retired)
}
