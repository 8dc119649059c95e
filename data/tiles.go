package data

import (
	"context"
	"fmt"
	"strings"

	"github.com/diming/diming/tiles"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/maptile"
)

// mvtExtent and mvtBuffer are the tile grid and its buffer in tile units
// (queryEnvelope's margin is mvtBuffer/mvtExtent).
const mvtExtent, mvtBuffer = 4096, 64

// tileEnvelope is the tile in Web Mercator for ST_AsMVTGeom; queryEnvelope
// is the tile buffered by the MVT buffer and transformed to the table's
// SRID (4490 for master data), so that `&&` is an index condition on the
// master geometry. Both are immutable in the bound z/x/y, so the planner
// folds them once.
const (
	tileEnvelope  = "ST_TileEnvelope($1, $2, $3)"
	queryEnvelope = "ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), %d)"
)

// RenderTile renders the layers of tile t in one query: per layer
// ST_AsMVT(ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(z,x,y),
// 4096, 64)), concatenated (an MVT is a sequence of layers). z/x/y and
// zoom filters are bound as parameters; identifiers come only from the
// registry. It returns Unavailable when the database is slow.
func (db *DB) RenderTile(ctx context.Context, t maptile.Tile, layers []tiles.Layer) ([]byte, error) {
	sql, args := tileQuery(t, layers)
	var b []byte
	if err := db.Pool.QueryRow(ctx, sql, args...).Scan(&b); err != nil {
		return nil, translate("data.RenderTile", err)
	}
	return b, nil
}

// tileQuery builds the SQL and arguments for layers of tile t. The SQL
// text depends only on the layers (not on z/x/y), so pgx's statement cache
// reuses its plan.
func tileQuery(t maptile.Tile, layers []tiles.Layer) (string, []any) {
	var sb strings.Builder
	sb.WriteString("SELECT ")
	args := []any{int(t.Z), int(t.X), int(t.Y)}
	for i, l := range layers {
		if i > 0 {
			sb.WriteString("\n|| ")
		}
		var zoomArg string
		if l.ZoomBy != nil {
			args = append(args, l.ZoomValues(int(t.Z)))
			zoomArg = fmt.Sprintf("$%d", len(args))
		}
		writeLayerQuery(&sb, l, zoomArg)
	}
	return sb.String(), args
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// writeLayerQuery writes one layer's scalar subquery. zoomArg is the
// placeholder holding the ZoomBy values visible at this zoom.
func writeLayerQuery(sb *strings.Builder, l tiles.Layer, zoomArg string) {
	geom := ident(l.Geometry)
	shape := geom
	if l.LabelPoints {
		shape = "ST_PointOnSurface(" + geom + ")"
	}
	sb.WriteString("(SELECT coalesce(ST_AsMVT(t, ")
	sb.WriteString(quoteLiteral(l.Name))
	fmt.Fprintf(sb, ", %d, '__geom'", mvtExtent)
	if l.ID != "" {
		sb.WriteString(", '__fid'")
	}
	sb.WriteString("), ''::bytea) FROM (\n  SELECT ")
	if l.ID != "" {
		sb.WriteString(ident(l.ID) + "::bigint AS __fid, ")
	}
	for _, a := range l.Attributes {
		sb.WriteString(ident(a.Column) + ", ")
	}
	fmt.Fprintf(sb, "ST_AsMVTGeom(ST_Transform(%s, 3857), %s, %d, %d, true) AS __geom\n", shape, tileEnvelope, mvtExtent, mvtBuffer)
	fmt.Fprintf(sb, "  FROM %s WHERE %s && "+queryEnvelope, ident(l.Table), geom, l.TableSRID())
	if l.Where != "" {
		sb.WriteString(" AND (" + l.Where + ")")
	}
	if zoomArg != "" {
		sb.WriteString(" AND " + ident(l.ZoomBy.Column) + " = ANY(" + zoomArg + "::int[])")
	}
	sb.WriteString("\n) t WHERE t.__geom IS NOT NULL)")
}

// quoteLiteral quotes a registry layer name as an SQL string literal; names
// are validated by the registry to [a-z][a-z0-9_]*, so this is belt and
// braces.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
