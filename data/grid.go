package data

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const gridCols = `id, community_code, name, ST_AsBinary(geom), worker_name, worker_role, worker_phone, worker_phone_kind,
	police_name, police_phone, police_phone_kind, generated, version`

func scanGrid(row pgx.Row) (doorplate.Grid, error) {
	var g doorplate.Grid
	var geom []byte
	var wk, pk string
	err := row.Scan(&g.ID, &g.CommunityCode, &g.Name, &geom, &g.WorkerName, &g.WorkerRole, &g.WorkerPhone, &wk,
		&g.PoliceName, &g.PolicePhone, &pk, &g.Generated, &g.Version)
	g.Geom = multiPolygonFrom(geom)
	g.WorkerPhoneKind, g.PolicePhoneKind = doorplate.PhoneKind(wk), doorplate.PhoneKind(pk)
	return g, err
}

// CreateGrid adds a grid; the database refuses one outside its community
// (Invalid) and a duplicate name in the community (Conflict).
func (db *DB) CreateGrid(ctx context.Context, g doorplate.Grid) (doorplate.Grid, error) {
	const op = "data.CreateGrid"
	geom, err := geomBytes(g.Geom)
	if err != nil {
		return g, diming.E(op, diming.Invalid, "网格范围不是有效的多边形", err)
	}
	err = db.WithTx(ctx, func(tx pgx.Tx) error {
		g, err = scanGrid(tx.QueryRow(ctx, `INSERT INTO grids (community_code, name, geom, worker_name, worker_role, worker_phone,
			worker_phone_kind, police_name, police_phone, police_phone_kind, generated)
			VALUES ($1,$2, ST_Multi(ST_SetSRID(ST_GeomFromWKB($3),4490)), $4,$5,$6,$7,$8,$9,$10,$11) RETURNING `+gridCols,
			g.CommunityCode, g.Name, geom, g.WorkerName, g.WorkerRole, g.WorkerPhone, g.WorkerPhoneKind, g.PoliceName,
			g.PolicePhone, g.PolicePhoneKind, g.Generated))
		if err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "grid.create", Entity: "grid", EntityID: strconv.FormatInt(g.ID, 10), After: g})
	})
	return g, gridError(op, g.CommunityCode, err)
}

// FindGridByID returns one grid, or NotFound.
func (db *DB) FindGridByID(ctx context.Context, id int64) (doorplate.Grid, error) {
	g, err := scanGrid(db.Pool.QueryRow(ctx, `SELECT `+gridCols+` FROM grids WHERE id=$1`, id))
	return g, translate("data.FindGridByID", err)
}

// FindGrids lists a community's current grids.
func (db *DB) FindGrids(ctx context.Context, community string) ([]doorplate.Grid, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+gridCols+` FROM grids WHERE community_code=$1 AND valid_to IS NULL ORDER BY name`, community)
	if err != nil {
		return nil, translate("data.FindGrids", err)
	}
	gs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (doorplate.Grid, error) { return scanGrid(r) })
	return gs, translate("data.FindGrids", err)
}

// UpdateGrid applies u; Conflict with the current grid when u.Version is
// stale, Invalid when the new polygon leaves the community.
func (db *DB) UpdateGrid(ctx context.Context, id int64, u doorplate.GridUpdate) (doorplate.Grid, error) {
	const op = "data.UpdateGrid"
	var after doorplate.Grid
	var community string
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		before, err := scanGrid(tx.QueryRow(ctx, `SELECT `+gridCols+` FROM grids WHERE id=$1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		community = before.CommunityCode
		if before.Version != u.Version {
			return staleVersion(op, before.Version, before)
		}
		g := before
		set(&g.Name, u.Name)
		set(&g.WorkerName, u.WorkerName)
		set(&g.WorkerRole, u.WorkerRole)
		set(&g.WorkerPhone, u.WorkerPhone)
		set(&g.WorkerPhoneKind, u.WorkerPhoneKind)
		set(&g.PoliceName, u.PoliceName)
		set(&g.PolicePhone, u.PolicePhone)
		set(&g.PolicePhoneKind, u.PolicePhoneKind)
		set(&g.Geom, u.Geom)
		geom, err := geomBytes(g.Geom)
		if err != nil {
			return diming.E(op, diming.Invalid, "网格范围不是有效的多边形", err)
		}
		after, err = scanGrid(tx.QueryRow(ctx, `UPDATE grids SET name=$2, geom=ST_Multi(ST_SetSRID(ST_GeomFromWKB($3),4490)),
			worker_name=$4, worker_role=$5, worker_phone=$6, worker_phone_kind=$7, police_name=$8, police_phone=$9,
			police_phone_kind=$10, valid_to = CASE WHEN $11 THEN current_date ELSE valid_to END, version=version+1
			WHERE id=$1 RETURNING `+gridCols, id, g.Name, geom, g.WorkerName, g.WorkerRole, g.WorkerPhone, g.WorkerPhoneKind,
			g.PoliceName, g.PolicePhone, g.PolicePhoneKind, u.Retire))
		if err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "grid.update", Entity: "grid", EntityID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	return after, gridError(op, community, err)
}

// gridError translates err; the database's refusal of a polygon outside
// its community (grids_check, raised as P0001) becomes a Chinese message
// on the geometry field.
func gridError(op, community string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "P0001" && strings.HasPrefix(pe.Message, "the grid must lie inside") {
		return diming.E(op, diming.Invalid, "网格范围超出了社区的边界", map[string]string{"geom": "请把网格画在社区 " + community + " 的范围内"}, err)
	}
	return translate(op, err)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

const communityCols = `community_code, office_name, office_address, office_hours, service_phone, police_name, police_unit,
	police_phone, police_phone_kind, version`

func scanCommunity(row pgx.Row) (doorplate.CommunityInfo, error) {
	var c doorplate.CommunityInfo
	var pk string
	err := row.Scan(&c.CommunityCode, &c.OfficeName, &c.OfficeAddress, &c.OfficeHours, &c.ServicePhone, &c.PoliceName,
		&c.PoliceUnit, &c.PolicePhone, &pk, &c.Version)
	c.PolicePhoneKind = doorplate.PhoneKind(pk)
	return c, err
}

// PutCommunityInfo creates (Version 0) or updates a community's contacts;
// Conflict with the current record when the version is stale.
func (db *DB) PutCommunityInfo(ctx context.Context, c doorplate.CommunityInfo) (doorplate.CommunityInfo, error) {
	const op = "data.PutCommunityInfo"
	var after doorplate.CommunityInfo
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		before, err := scanCommunity(tx.QueryRow(ctx, `SELECT `+communityCols+` FROM community_info WHERE community_code=$1 FOR UPDATE`, c.CommunityCode))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if c.Version != 0 {
				return diming.E(op, diming.NotFound, "这个社区还没有联系方式记录，请刷新页面后重新填写")
			}
		case err != nil:
			return err
		case before.Version != c.Version:
			return staleVersion(op, before.Version, before)
		}
		after, err = scanCommunity(tx.QueryRow(ctx, `INSERT INTO community_info (community_code, office_name, office_address,
			office_hours, service_phone, police_name, police_unit, police_phone, police_phone_kind)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
			ON CONFLICT (community_code) DO UPDATE SET office_name=$2, office_address=$3, office_hours=$4, service_phone=$5,
			  police_name=$6, police_unit=$7, police_phone=$8, police_phone_kind=$9, version=community_info.version+1
			RETURNING `+communityCols, c.CommunityCode, c.OfficeName, c.OfficeAddress, c.OfficeHours, c.ServicePhone,
			c.PoliceName, c.PoliceUnit, c.PolicePhone, c.PolicePhoneKind))
		if err != nil {
			return err
		}
		ch := Change{Action: "community.contacts", Entity: "community", EntityID: c.CommunityCode, After: after}
		if c.Version != 0 {
			ch.Before = before
		}
		return audit(ctx, tx, ch)
	})
	return after, translate(op, err)
}

// FindCommunityInfo returns a community's contacts, or NotFound.
func (db *DB) FindCommunityInfo(ctx context.Context, code string) (doorplate.CommunityInfo, error) {
	c, err := scanCommunity(db.Pool.QueryRow(ctx, `SELECT `+communityCols+` FROM community_info WHERE community_code=$1`, code))
	return c, translate("data.FindCommunityInfo", err)
}
