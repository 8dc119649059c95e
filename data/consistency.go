package data

import (
	"context"

	"github.com/diming/diming/boundaries"
	"github.com/jackc/pgx/v5"
)

// geometryIssuesSQL counts per division (within prefix $1) the current
// addresses outside their division's polygon (division_geom, the check
// addresses pass when written, so a later polygon change shows here) or
// more than $2 metres from their street, the current streets and names
// without geometry (division names take the division's polygon), and the
// active plates whose address has no point.
const geometryIssuesSQL = `WITH
	dg AS MATERIALIZED (SELECT code, division_geom(code) AS geom FROM (SELECT DISTINCT division_code AS code FROM addresses
		WHERE starts_with(division_code, $1) AND lifecycle = 'current') x),
	ad AS (SELECT a.division_code AS code,
			count(*) FILTER (WHERE dg.geom IS NOT NULL AND NOT ST_Covers(dg.geom, a.position)) AS outside,
			count(*) FILTER (WHERE s.geom IS NOT NULL AND NOT ST_DWithin(s.geom::geography, a.position::geography, $2)) AS far
		FROM addresses a JOIN dg ON dg.code = a.division_code LEFT JOIN streets s ON s.id = a.street_id
		WHERE starts_with(a.division_code, $1) AND a.lifecycle = 'current' GROUP BY 1),
	st AS (SELECT division_code AS code, count(*) AS n FROM streets WHERE geom IS NULL AND valid_to IS NULL
		AND starts_with(division_code, $1) GROUP BY 1),
	pl AS (SELECT division_code AS code, count(*) AS n FROM places WHERE geom IS NULL AND status = 'current'
		AND source_division IS NULL AND starts_with(division_code, $1) GROUP BY 1),
	pt AS (SELECT a.division_code AS code, count(*) AS n FROM plates p JOIN addresses a ON a.id = p.address_id
		WHERE p.status = 'active' AND ST_IsEmpty(a.position) AND starts_with(a.division_code, $1) GROUP BY 1),
	codes AS (SELECT code FROM ad WHERE outside + far > 0 UNION SELECT code FROM st UNION SELECT code FROM pl UNION SELECT code FROM pt)
	SELECT c.code, d.name, coalesce(ad.outside, 0), coalesce(ad.far, 0), coalesce(st.n, 0), coalesce(pl.n, 0), coalesce(pt.n, 0)
	FROM codes c JOIN divisions d USING (code) LEFT JOIN ad USING (code) LEFT JOIN st USING (code) LEFT JOIN pl USING (code)
		LEFT JOIN pt USING (code)
	ORDER BY c.code`

// FindGeometryIssues returns the address–geometry consistency report of
// the divisions whose codes start with prefix.
func (db *DB) FindGeometryIssues(ctx context.Context, prefix string, maxStreetM float64) ([]boundaries.GeometryIssues, error) {
	rows, err := db.Pool.Query(ctx, geometryIssuesSQL, prefix, maxStreetM)
	return collect("data.FindGeometryIssues", rows, err, func(r pgx.Row) (boundaries.GeometryIssues, error) {
		var g boundaries.GeometryIssues
		err := r.Scan(&g.Code, &g.Name, &g.AddressesOutside, &g.AddressesFarFromStreet, &g.StreetsWithoutGeom, &g.PlacesWithoutGeom,
			&g.PlatesWithoutPoint)
		return g, err
	})
}
