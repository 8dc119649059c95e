package data

import (
	"context"

	"github.com/diming/diming/gazetteer"
	"github.com/paulmach/orb"
)

// divisionHeir is the rule for where a division code leads today, as a
// recursive step over heir(start, code, hops): a current code is where it
// ends; a retired code goes to its heir among the successors it was
// retired into. The heir is the successor issued in the year the code
// ended (绍兴县 330621 became the new 柯桥区 330603 in 2013) before one that
// already existed and took part of its area (越城区 330602), then a current
// one, then the lowest code.
const divisionHeir = `SELECT h.start, (SELECT s.successor_code FROM division_successors s JOIN divisions n ON n.code = s.successor_code
		WHERE s.code = h.code AND s.kind = 'retired'
		ORDER BY s.year DESC,
			coalesce(extract(year FROM n.valid_from)::int,
				(SELECT min(extract(year FROM x.valid_from))::int FROM division_names x WHERE x.code = n.code)) = s.year DESC NULLS LAST,
			n.valid_to IS NULL DESC, s.successor_code LIMIT 1), h.hops + 1
	FROM heir h JOIN divisions r ON r.code = h.code WHERE r.valid_to IS NOT NULL AND h.hops < 20`

// FindOldNames returns, for each former division name equal to q (or
// starting with it when prefix), the current place name of the division
// it leads to today. A former name is the name of a retired code or an
// earlier name of a code (division_names).
func (db *DB) FindOldNames(ctx context.Context, q string, prefix bool, limit int) ([]gazetteer.Hit, error) {
	const op = "data.FindOldNames"
	pattern := likePrefix(q)
	if !prefix {
		pattern = pattern[:len(pattern)-1]
	}
	rows, err := db.Pool.Query(ctx, `WITH RECURSIVE old AS (
			SELECT code, name, valid_to FROM divisions WHERE valid_to IS NOT NULL AND name LIKE $1
			UNION SELECT n.code, n.name, n.valid_to FROM division_names n JOIN divisions d ON d.code = n.code
				WHERE n.name LIKE $1 AND (d.valid_to IS NOT NULL OR n.name <> d.name)),
		heir(start, code, hops) AS (SELECT DISTINCT code, code, 0 FROM old UNION ALL `+divisionHeir+`),
		found AS (SELECT DISTINCT ON (o.code, o.name) o.code, o.name, o.valid_to, p.id FROM old o
			JOIN heir h ON h.start = o.code JOIN divisions cur ON cur.code = h.code AND cur.valid_to IS NULL
			JOIN places p ON p.source_division = cur.code AND p.status = 'current'
			ORDER BY o.code, o.name, o.valid_to DESC NULLS FIRST)
		SELECT f.code, f.name, f.valid_to, `+hitCols+` FROM found f JOIN places p ON p.id = f.id`+successorJoin+`
		ORDER BY f.name = $2 DESC, length(f.name), f.valid_to DESC NULLS FIRST, f.code LIMIT $3`, pattern, q, limit)
	if err != nil {
		return nil, translate(op, err)
	}
	hits, err := scanHits(rows, op, nil, func(h *gazetteer.Hit) []any {
		h.Old, h.Match = &gazetteer.OldName{}, "old_name"
		return []any{&h.Old.Code, &h.Old.Name, &h.Old.ValidTo}
	})
	return hits, err
}

// LocatePlaces returns where each place is: its own geometry, or the
// polygon of the division it names; the point is the geometry itself for
// a point and a point on its surface otherwise. The chain is the divisions
// the place lies in, province first (for a division's own name, its
// parents). One query, one round trip.
func (db *DB) LocatePlaces(ctx context.Context, ids []int64) (map[int64]gazetteer.Locus, error) {
	const op = "data.LocatePlaces"
	out := make(map[int64]gazetteer.Locus, len(ids))
	rows, err := db.Pool.Query(ctx, `SELECT p.id, ST_X(x.pt), ST_Y(x.pt), ST_XMin(x.b), ST_YMin(x.b), ST_XMax(x.b), ST_YMax(x.b),
			ch.codes, ch.names, ch.levels
		FROM places p LEFT JOIN divisions d ON d.code = p.source_division
		CROSS JOIN LATERAL (SELECT coalesce(p.geom, d.geom) AS g) g
		CROSS JOIN LATERAL (SELECT CASE WHEN GeometryType(g.g) = 'POINT' THEN g.g ELSE ST_PointOnSurface(g.g) END AS pt,
			g.g::box2d AS b) x
		CROSS JOIN LATERAL (WITH RECURSIVE up AS (
				SELECT c.code, c.name, c.level, c.parent_code, 0 AS depth FROM divisions c
				WHERE c.code = CASE WHEN p.source_division IS NOT NULL THEN d.parent_code ELSE p.division_code END
				UNION ALL SELECT c.code, c.name, c.level, c.parent_code, up.depth + 1 FROM up JOIN divisions c ON c.code = up.parent_code
				WHERE up.depth < 6)
			SELECT array_agg(code ORDER BY depth DESC) AS codes, array_agg(name ORDER BY depth DESC) AS names,
				array_agg(level ORDER BY depth DESC) AS levels FROM up) ch
		WHERE p.id = ANY($1)`, ids)
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var x, y, x0, y0, x1, y1 *float64
		var codes, names []string
		var levels []int16
		if err := rows.Scan(&id, &x, &y, &x0, &y0, &x1, &y1, &codes, &names, &levels); err != nil {
			return nil, translate(op, err)
		}
		var l gazetteer.Locus
		if x != nil && y != nil {
			l.Point = &orb.Point{*x, *y}
		}
		if x0 != nil && y0 != nil && x1 != nil && y1 != nil {
			l.Bound = &orb.Bound{Min: orb.Point{*x0, *y0}, Max: orb.Point{*x1, *y1}}
		}
		for i := range codes {
			l.Chain = append(l.Chain, gazetteer.ChainLink{Code: codes[i], Name: names[i], Level: int(levels[i])})
		}
		out[id] = l
	}
	return out, translate(op, rows.Err())
}
