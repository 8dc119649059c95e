package data

import (
	"context"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/jackc/pgx/v5"
)

// FindCommunitySummaries lists up to limit current villages/communities
// inside division within, in code order, with their streets, live
// addresses, active plates and current grids; unless all, only those
// holding streets or addresses.
func (db *DB) FindCommunitySummaries(ctx context.Context, within string, all bool, limit int) ([]doorplate.CommunitySummary, error) {
	const op = "data.FindCommunitySummaries"
	rows, err := db.Pool.Query(ctx, `WITH c AS (
		SELECT d.code, d.name FROM divisions d
		 WHERE d.level = 5 AND d.valid_to IS NULL AND starts_with(d.code, $1)
		   AND ($2 OR EXISTS (SELECT 1 FROM addresses a WHERE a.division_code = d.code)
		        OR EXISTS (SELECT 1 FROM streets s WHERE s.division_code = d.code))
		 ORDER BY d.code LIMIT $3)
	SELECT c.code, c.name,
	  coalesce((WITH RECURSIVE up AS (SELECT code, parent_code, name, 0 AS depth FROM divisions WHERE code = c.code
	      UNION ALL SELECT d.code, d.parent_code, d.name, up.depth + 1 FROM divisions d JOIN up ON d.code = up.parent_code WHERE up.depth < 6)
	    SELECT string_agg(name, '' ORDER BY depth DESC) FROM up WHERE depth > 0), ''),
	  (SELECT count(*) FROM streets s WHERE s.division_code = c.code
	     OR s.id IN (SELECT a.street_id FROM addresses a WHERE a.division_code = c.code)),
	  (SELECT count(*) FROM addresses a WHERE a.division_code = c.code AND a.lifecycle NOT IN ('retired','rejected')),
	  (SELECT count(*) FROM plates p JOIN addresses a ON a.id = p.address_id WHERE a.division_code = c.code AND p.status = 'active'),
	  (SELECT count(*) FROM grids g WHERE g.community_code = c.code AND g.valid_to IS NULL)
	FROM c ORDER BY c.code`, diming.CodePrefix(within), all, limit)
	return collect(op, rows, err, func(r pgx.Row) (doorplate.CommunitySummary, error) {
		var c doorplate.CommunitySummary
		err := r.Scan(&c.Code, &c.Name, &c.Prefix, &c.Streets, &c.Addresses, &c.Plates, &c.Grids)
		return c, err
	})
}

// FindStreetSummaries lists the streets of a community, and those its
// addresses lie on, by name, with each street's live addresses and active
// plates.
func (db *DB) FindStreetSummaries(ctx context.Context, community string) ([]doorplate.StreetSummary, error) {
	const op = "data.FindStreetSummaries"
	rows, err := db.Pool.Query(ctx, `SELECT s.id, s.division_code, s.name, s.pinyin, s.orientation, s.generated, s.version,
		(SELECT count(*) FROM addresses a WHERE a.street_id = s.id AND a.lifecycle NOT IN ('retired','rejected')),
		(SELECT count(*) FROM plates p JOIN addresses a ON a.id = p.address_id WHERE a.street_id = s.id AND p.status = 'active')
	FROM streets s
	WHERE s.division_code = $1 OR s.id IN (SELECT a.street_id FROM addresses a WHERE a.division_code = $1)
	ORDER BY s.name, s.id LIMIT 1000`, community)
	return collect(op, rows, err, func(r pgx.Row) (doorplate.StreetSummary, error) {
		var s doorplate.StreetSummary
		err := r.Scan(&s.ID, &s.DivisionCode, &s.Name, &s.Pinyin, &s.Orientation, &s.Generated, &s.Version, &s.Addresses, &s.Plates)
		return s, err
	})
}
