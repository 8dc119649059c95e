package data

import (
	"context"
	"fmt"
	"iter"

	"github.com/diming/diming/boundaries"
	"github.com/jackc/pgx/v5"
)

// ImportPolygons stores division polygons in one transaction. Each row is
// first resolved to the current division it belongs to: its own code, the
// one code a retired code went to (a recode or rename, followed through
// later changes), or, for a retired code with several successors or a code
// no division has, the one current division of the same prefecture and
// level carrying the file's name. A row whose name agrees with neither the code's nor the target's
// names is rejected, and so are rows left unresolved. Invalid polygons are
// repaired keeping their whole area (the union of their parts); rows moved
// to one successor are unioned. A polygon far from its division's parent
// or previous polygon is rejected with the distance, unless its code is
// in opt.Moved. Parents without an imported polygon get the union of
// their children, marked as derived, and follow their children later.
func (db *DB) ImportPolygons(ctx context.Context, rows iter.Seq2[boundaries.PolygonRow, error], opt boundaries.PolygonOptions,
	rep *boundaries.ImportReport) error {
	const op = "data.ImportPolygons"
	return db.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, importTimeout); err != nil {
			return translate(op, err)
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_polygons (ref text, code text, name text, wkb bytea,
			geom geometry(MultiPolygon, 4490), target text, via text, orig text) ON COMMIT DROP`); err != nil {
			return translate(op, err)
		}
		_, err := copyRows(ctx, tx, "import_polygons", []string{"ref", "code", "name", "wkb"}, rows,
			func(r boundaries.PolygonRow) []any { return []any{r.Ref, r.Code, r.Name, wkbBytes(r.Geom)} })
		if err != nil {
			return translate(op, err)
		}
		if err := applyPolygons(ctx, tx, opt, rep); err != nil {
			return translate(op, err)
		}
		return audit(ctx, tx, Change{Action: "division.import", Entity: "import", EntityID: rep.Kind, After: reportSummary(rep)})
	})
}

func applyPolygons(ctx context.Context, tx pgx.Tx, opt boundaries.PolygonOptions, rep *boundaries.ImportReport) error {
	if _, err := tx.Exec(ctx, `UPDATE import_polygons SET geom = ST_SetSRID(ST_GeomFromWKB(wkb), 4490), wkb = NULL;
		CREATE INDEX ON import_polygons (code); ANALYZE import_polygons`); err != nil {
		return err
	}
	steps := []func(context.Context, pgx.Tx, *boundaries.ImportReport) error{
		rejectDuplicatePolygons, resolvePolygonTargets, repairPolygons, mergeSuccessorPolygons,
	}
	for _, step := range steps {
		if err := step(ctx, tx, rep); err != nil {
			return err
		}
	}
	if err := rejectImplausible(ctx, tx, opt, rep); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `UPDATE divisions d SET geom = s.geom, geom_derived = false, version = d.version + 1
		FROM import_polygons s WHERE d.code = s.code`)
	if err != nil {
		return err
	}
	rep.Imported += int(tag.RowsAffected())
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE polygon_touched ON COMMIT DROP AS SELECT code FROM import_polygons`); err != nil {
		return err
	}
	if err := deriveParentPolygons(ctx, tx, rep); err != nil {
		return err
	}
	return rebuildParts(ctx, tx)
}

func rejectDuplicatePolygons(ctx context.Context, tx pgx.Tx, rep *boundaries.ImportReport) error {
	_, err := rejectRows(ctx, tx, rep, `DELETE FROM import_polygons a USING import_polygons b WHERE a.code = b.code AND a.ctid > b.ctid
		RETURNING a.code || ' ' || a.name, '同一代码的第二个多边形，保留第一个'`)
	return err
}

// polygonTargets resolve each row to a current division: its own code,
// the end of its chain of single successors (a code retired with exactly
// one successor of kind retired), or a unique same-name division of the
// same prefecture and level.
var polygonTargets = []string{
	`UPDATE import_polygons s SET target = s.code FROM divisions d WHERE d.code = s.code AND d.valid_to IS NULL`,
	`CREATE TEMP TABLE polygon_moves ON COMMIT DROP AS WITH RECURSIVE one AS MATERIALIZED (
		SELECT code, min(successor_code) AS succ FROM division_successors WHERE kind = 'retired'
		GROUP BY code HAVING count(DISTINCT successor_code) = 1),
	start AS MATERIALIZED (SELECT DISTINCT code FROM import_polygons WHERE target IS NULL),
	chain AS (
		SELECT s.code AS start, o.succ AS code, 1 AS depth FROM start s JOIN one o ON o.code = s.code
		UNION ALL SELECT c.start, o.succ, c.depth + 1 FROM chain c JOIN one o ON o.code = c.code WHERE c.depth < 8)
	SELECT c.start, c.code FROM chain c JOIN divisions d ON d.code = c.code AND d.valid_to IS NULL`,
	`UPDATE import_polygons s SET target = m.code, via = 'successor' FROM polygon_moves m WHERE s.code = m.start AND s.target IS NULL`,
	`WITH m AS (SELECT s.ctid AS id, min(d.code) AS code FROM import_polygons s LEFT JOIN divisions r ON r.code = s.code
		JOIN divisions d ON d.valid_to IS NULL AND d.code <> s.code AND left(d.code, 4) = left(s.code, 4) AND d.name = s.name
			AND length(d.code) = length(s.code) AND d.level = coalesce(r.level, d.level)
		WHERE s.target IS NULL AND s.name <> '' GROUP BY s.ctid HAVING count(*) = 1)
	UPDATE import_polygons s SET target = m.code, via = 'name' FROM m WHERE s.ctid = m.id`,
}

// polygonNameMismatch rejects rows whose name names neither the code's
// division nor the division it resolved to (DataV's 460302 南沙区 is not
// MCA's 460302 西沙区).
const polygonNameMismatch = `DELETE FROM import_polygons s USING divisions d
	WHERE d.code = s.code AND s.target IS NOT NULL AND coalesce(s.via, '') <> 'name'
		AND NOT division_name_agrees(s.name, s.code) AND NOT division_name_agrees(s.name, s.target)
	RETURNING s.code || ' ' || s.name, '文件中的名称“' || s.name || '”与代码 ' || s.code || ' 的区划“' || d.name ||
		'”不符，多边形未挂接；请核对代码或名称'`

// polygonOwnRow drops a moved row whose target has a polygon of its own in
// the file: the target's own polygon is the better one.
const polygonOwnRow = `DELETE FROM import_polygons s WHERE s.via IS NOT NULL
	AND EXISTS (SELECT 1 FROM import_polygons o WHERE o.code = s.target AND o.via IS NULL)
	RETURNING s.code || ' ' || s.name, '代码 ' || s.code || ' 已废止；其继任区划 ' || s.target || ' 在文件中有自己的多边形，本多边形未用'`

// polygonUnmatched removes the rows left without a target.
const polygonUnmatched = `DELETE FROM import_polygons s WHERE s.target IS NULL
	RETURNING s.code || ' ' || s.name, coalesce(
		(SELECT '代码 ' || d.code || '（' || d.name || '）已于 ' || d.valid_to || ' 废止' ||
		  coalesce('，其区域归入 ' || (SELECT string_agg(x.successor_code || ' ' || n.name, '、' ORDER BY x.successor_code)
		    FROM division_successors x JOIN divisions n ON n.code = x.successor_code WHERE x.code = d.code AND x.kind = 'retired'), '') ||
		  '；继任不止一个，无法确定多边形归属'
		 FROM divisions d WHERE d.code = s.code),
		'没有代码为 ' || s.code || ' 的区划')`

func resolvePolygonTargets(ctx context.Context, tx pgx.Tx, rep *boundaries.ImportReport) error {
	for _, sql := range polygonTargets {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return err
		}
	}
	if _, err := rejectRows(ctx, tx, rep, polygonNameMismatch); err != nil {
		return err
	}
	if err := reportRows(ctx, tx, polygonOwnRow, rep.Unmatched); err != nil {
		return err
	}
	if err := reportRows(ctx, tx, polygonUnmatched, rep.Unmatched); err != nil {
		return err
	}
	return reportRows(ctx, tx, `UPDATE import_polygons s SET orig = s.code, code = s.target FROM divisions t
		WHERE s.via IS NOT NULL AND t.code = s.target
		RETURNING s.orig || ' ' || s.name, coalesce((SELECT '代码 ' || d.code || '（' || d.name || '）已于 ' || d.valid_to || ' 废止'
				FROM divisions d WHERE d.code = s.orig), '没有代码为 ' || s.orig || ' 的区划') || '，多边形' ||
			CASE s.via WHEN 'name' THEN '按名称归入同一地级区划下的 ' ELSE '归入继任区划 ' END || t.code || ' ' || t.name`, rep.Succeed)
}

// reportRows runs a statement returning (ref, reason) rows and records
// each with add.
func reportRows(ctx context.Context, tx pgx.Tx, sql string, add func(ref, reason string)) error {
	rows, err := tx.Query(ctx, sql)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ref, why string
		if err := rows.Scan(&ref, &why); err != nil {
			return err
		}
		add(ref, why)
	}
	return rows.Err()
}

// repairPolygons makes invalid polygons valid with the structure method:
// the union of the parts' shells less their holes, so that where two
// parts of a division overlap the area stays the division's (the default
// linework method turns such an overlap into a hole no division covers).
// A polygon with nothing left is rejected.
func repairPolygons(ctx context.Context, tx pgx.Tx, rep *boundaries.ImportReport) error {
	rows, err := tx.Query(ctx, `WITH bad AS (SELECT ctid, code, name, ST_IsValidReason(geom) AS why FROM import_polygons WHERE NOT ST_IsValid(geom)),
		fixed AS (UPDATE import_polygons s SET geom = (SELECT CASE WHEN ST_IsEmpty(r.g) THEN NULL ELSE ST_Multi(r.g) END
				FROM (SELECT ST_CollectionExtract(ST_MakeValid(s.geom, 'method=structure keepcollapsed=false'), 3) AS g) r)
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
			rep.Repair(ref, "多边形无效（"+why+"），已合并各部分修复（保留全部面积）")
		} else {
			rep.Reject(ref, "多边形无效（"+why+"），修复后不剩任何面积")
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `DELETE FROM import_polygons WHERE geom IS NULL`)
	return err
}

// mergeSuccessorPolygons unions the rows that went to one successor (崇川区
// 320602 and 港闸区 320611 are together the new 崇川区 320613).
func mergeSuccessorPolygons(ctx context.Context, tx pgx.Tx, _ *boundaries.ImportReport) error {
	_, err := tx.Exec(ctx, `WITH many AS (
			SELECT code, string_agg(ref, ', ' ORDER BY orig) AS ref, string_agg(orig, ',' ORDER BY orig) AS orig,
				ST_Multi(ST_CollectionExtract(ST_Union(geom), 3)) AS geom
			FROM import_polygons GROUP BY code HAVING count(*) > 1),
		gone AS (DELETE FROM import_polygons s USING many m WHERE s.code = m.code)
		INSERT INTO import_polygons (ref, code, name, geom, target, via, orig)
		SELECT m.ref, m.code, d.name, m.geom, m.code, 'successor', m.orig FROM many m JOIN divisions d USING (code)`)
	return err
}

// MaxPolygonShiftM is how far (in metres) an imported polygon may lie from
// its division's parent polygon, and from the division's previous polygon,
// before the import refuses it as misplaced. Sources differ by metres to
// hundreds of metres along a line; a county drawn in the wrong place, or
// with longitude and latitude swapped, is hundreds of kilometres off.
const MaxPolygonShiftM = 10_000

// rejectImplausible rejects polygons far from their nearest ancestor's
// polygon or from the division's previous (imported) polygon, saying how
// far, and whether swapping longitude and latitude would put them in place.
func rejectImplausible(ctx context.Context, tx pgx.Tx, opt boundaries.PolygonOptions, rep *boundaries.ImportReport) error {
	moved := opt.Moved
	if moved == nil {
		moved = []string{}
	}
	rows, err := tx.Query(ctx, `WITH refs AS (
			SELECT s.ctid AS id, s.code, s.name, s.geom, p.code AS parent, p.geom AS parent_geom,
				CASE WHEN NOT d.geom_derived THEN d.geom END AS prev
			FROM import_polygons s JOIN divisions d ON d.code = s.code
			LEFT JOIN LATERAL (WITH RECURSIVE up AS (
					SELECT d.parent_code AS code, 1 AS depth WHERE d.parent_code IS NOT NULL
					UNION ALL SELECT a.parent_code, up.depth + 1 FROM divisions a JOIN up ON a.code = up.code
					WHERE a.parent_code IS NOT NULL AND up.depth < 5)
				SELECT a.code, a.geom FROM up JOIN divisions a ON a.code = up.code WHERE a.geom IS NOT NULL
				ORDER BY up.depth LIMIT 1) p ON true),
		dist AS (SELECT r.*, polygon_gap_m(r.geom, r.parent_geom) AS from_parent, polygon_gap_m(r.geom, r.prev) AS from_prev FROM refs r)
		SELECT id::text, code, name, coalesce(parent, ''), coalesce(from_parent, 0), coalesce(from_prev, 0),
			polygon_gap_m(ST_FlipCoordinates(geom), coalesce(parent_geom, prev)) <= $1, code = ANY($2)
		FROM dist WHERE from_parent > $1 OR from_prev > $1`, MaxPolygonShiftM, moved)
	if err != nil {
		return err
	}
	type far struct{ id, ref, why string }
	var drop []far
	for rows.Next() {
		var id, code, name, parent string
		var fromParent, fromPrev float64
		var swapped, declared bool
		if err := rows.Scan(&id, &code, &name, &parent, &fromParent, &fromPrev, &swapped, &declared); err != nil {
			rows.Close()
			return err
		}
		why := implausibleReason(parent, fromParent, fromPrev, swapped)
		if declared {
			rep.Warn(code+" "+name, why+"；操作员已声明该区划迁移（-moved），照常导入")
			continue
		}
		drop = append(drop, far{id, code + " " + name, why + "；如确已迁移，导入时用 -moved " + code + " 声明"})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, f := range drop {
		if _, err := tx.Exec(ctx, `DELETE FROM import_polygons WHERE ctid = $1::tid`, f.id); err != nil {
			return err
		}
		rep.Reject(f.ref, f.why)
	}
	return nil
}

func implausibleReason(parent string, fromParent, fromPrev float64, swapped bool) string {
	var why string
	switch {
	case fromParent > MaxPolygonShiftM && fromPrev > MaxPolygonShiftM:
		why = fmt.Sprintf("多边形距上级区划 %s 的多边形 %.1f 千米、距本区划原有多边形 %.1f 千米", parent, fromParent/1000, fromPrev/1000)
	case fromParent > MaxPolygonShiftM:
		why = fmt.Sprintf("多边形距上级区划 %s 的多边形 %.1f 千米", parent, fromParent/1000)
	default:
		why = fmt.Sprintf("多边形距本区划原有多边形 %.1f 千米", fromPrev/1000)
	}
	why += fmt.Sprintf("（容许 %.0f 千米）", MaxPolygonShiftM/1000.0)
	if swapped {
		why += "；经纬度似乎颠倒：对调后即在原位"
	}
	return why
}

// deriveParentPolygons gives every ancestor of the touched divisions that
// has no imported polygon the union of its current children's polygons,
// deepest level first so that provinces union fresh prefectures.
func deriveParentPolygons(ctx context.Context, tx pgx.Tx, rep *boundaries.ImportReport) error {
	for level := 4; level >= 1; level-- {
		tag, err := tx.Exec(ctx, `WITH parents AS (
				SELECT DISTINCT p.code FROM divisions d JOIN polygon_touched t USING (code) JOIN divisions p ON p.code = d.parent_code
				WHERE p.level = $1 AND (p.geom IS NULL OR p.geom_derived)),
			u AS (SELECT c.parent_code AS code, ST_Multi(ST_CollectionExtract(ST_Union(c.geom), 3)) AS geom
				FROM divisions c JOIN parents p ON p.code = c.parent_code
				WHERE c.valid_to IS NULL AND c.geom IS NOT NULL GROUP BY c.parent_code),
			upd AS (UPDATE divisions d SET geom = u.geom, geom_derived = true, version = d.version + 1 FROM u
				WHERE d.code = u.code AND NOT ST_IsEmpty(u.geom)
				RETURNING d.code)
			INSERT INTO polygon_touched SELECT code FROM upd`, level)
		if err != nil {
			return err
		}
		rep.Derived += int(tag.RowsAffected())
	}
	return nil
}

// rebuildParts re-cuts the look-up parts of every division whose polygon
// the import wrote. Derived polygons get none: their children's parts
// already cover them, and the look-up climbs to them by parent code.
func rebuildParts(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `DELETE FROM division_parts p USING polygon_touched t WHERE p.code = t.code`); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO division_parts (code, level, geom)
		SELECT code, level, g FROM (SELECT d.code, d.level, ST_Subdivide(d.geom, 256) AS g
			FROM divisions d WHERE d.code IN (SELECT code FROM polygon_touched) AND NOT d.geom_derived) x WHERE GeometryType(g) = 'POLYGON'`)
	return err
}
