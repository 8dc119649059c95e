package data

import (
	"context"

	"github.com/diming/diming/boundaries"
	"github.com/jackc/pgx/v5"
)

// CreateDemoDivisions stores the generated demo divisions in one
// transaction unless the demo county already exists. Rows that exist
// (the real province and prefecture after an import) are left alone.
func (db *DB) CreateDemoDivisions(ctx context.Context, divs []boundaries.Division) (bool, error) {
	const op = "data.CreateDemoDivisions"
	created := false
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM divisions WHERE code = $1)`, boundaries.DemoCountyCode).Scan(&exists); err != nil {
			return translate(op, err)
		}
		if exists {
			return nil
		}
		for _, d := range divs {
			var g []byte
			if d.Geom != nil {
				g = wkbBytes(d.Geom)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO divisions (code, name, level, kind, parent_code, geom, generated)
				VALUES ($1, $2, $3, $4, $5, ST_SetSRID(ST_GeomFromWKB($6), 4490), $7) ON CONFLICT (code) DO NOTHING`,
				d.Code, d.Name, int16(d.Level), d.Kind, nullable(d.ParentCode), g, d.Generated); err != nil {
				return translate(op, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO division_parts (code, level, geom)
			SELECT code, level, (ST_Dump(geom)).geom FROM divisions WHERE starts_with(code, $1) AND generated AND geom IS NOT NULL`,
			boundaries.DemoCountyCode); err != nil {
			return translate(op, err)
		}
		created = true
		return audit(ctx, tx, Change{Action: "division.demo", Entity: "division", EntityID: boundaries.DemoCountyCode,
			After: map[string]any{"divisions": len(divs), "generated": true}})
	})
	return created, err
}
