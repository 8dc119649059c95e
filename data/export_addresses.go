package data

import (
	"context"

	"github.com/diming/diming"
	"github.com/diming/diming/sharing"
	"github.com/jackc/pgx/v5"
)

// exportChainsSQL gives each division holding addresses within $1 its
// chain of names, province first.
const exportChainsSQL = `WITH RECURSIVE ds AS (SELECT DISTINCT division_code FROM addresses WHERE division_code LIKE $1),
up AS (SELECT ds.division_code AS start, d.parent_code, d.name, d.level, 0 AS depth FROM ds JOIN divisions d ON d.code = ds.division_code
       UNION ALL
       SELECT up.start, p.parent_code, p.name, p.level, up.depth + 1 FROM up JOIN divisions p ON p.code = up.parent_code WHERE up.depth < 6)
SELECT start, array_agg(level::int ORDER BY depth DESC), array_agg(name ORDER BY depth DESC) FROM up GROUP BY start`

// exportAddressesSQL streams the addresses within $1 in code order.
const exportAddressesSQL = `SELECT a.code, a.division_code, coalesce(s.name, ''), a.area_name, coalesce(a.door_number, 0), a.door_suffix,
	a.building, a.unit, a.floor, a.room, a.full_text, ST_X(a.position), ST_Y(a.position), a.status, a.lifecycle,
	a.valid_from::text, coalesce(a.valid_to::text, '')
FROM addresses a LEFT JOIN streets s ON s.id = a.street_id
WHERE a.division_code LIKE $1 ORDER BY a.code`

// ExportAddresses calls fn with every address within division (its code
// prefix), in code order, with its division chain; it stops at fn's
// first error.
func (db *DB) ExportAddresses(ctx context.Context, within string, fn func(*sharing.AddressRow) error) error {
	const op = "data.ExportAddresses"
	pattern := likePrefix(diming.CodePrefix(within))
	rows, err := db.Pool.Query(ctx, exportChainsSQL, pattern)
	if err != nil {
		return translate(op, err)
	}
	chains := map[string][]sharing.ChainName{}
	for rows.Next() {
		var code string
		var levels []int
		var names []string
		if err := rows.Scan(&code, &levels, &names); err != nil {
			rows.Close()
			return translate(op, err)
		}
		for i := range levels {
			chains[code] = append(chains[code], sharing.ChainName{Level: levels[i], Name: names[i]})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translate(op, err)
	}
	rows, err = db.Pool.Query(ctx, exportAddressesSQL, pattern)
	if err != nil {
		return translate(op, err)
	}
	defer rows.Close()
	var a sharing.AddressRow
	_, err = pgx.ForEachRow(rows, []any{&a.Code, &a.DivisionCode, &a.Street, &a.AreaName, &a.DoorNumber, &a.DoorSuffix, &a.Building,
		&a.Unit, &a.Floor, &a.Room, &a.FullText, &a.Lon, &a.Lat, &a.Status, &a.Lifecycle, &a.ValidFrom, &a.ValidTo}, func() error {
		a.Chain = chains[a.DivisionCode]
		return fn(&a)
	})
	return translate(op, err)
}
