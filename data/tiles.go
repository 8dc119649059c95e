package data

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/diming/diming"
	"github.com/diming/diming/tiles"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// mvtExtent and mvtBuffer are the tile grid and its buffer in tile units
// (queryEnvelope's margin is mvtBuffer/mvtExtent).
const mvtExtent, mvtBuffer = 4096, 64

// tileEnvelope is the tile in Web Mercator for ST_AsMVTGeom; queryEnvelope
// is the tile buffered by the MVT buffer, clipped to the world and
// transformed to the table's SRID (4490 for master data), so that `&&` is
// an index condition on the master geometry. The clip matters: the
// buffered envelope of the first or last tile column crosses ±180°, and
// ST_Transform would wrap it to the other side of the world (1/1/0 lost
// all of China). Both are immutable in the bound z/x/y, so the planner
// folds them once.
const (
	tileEnvelope  = "ST_TileEnvelope($1, $2, $3)"
	queryEnvelope = "ST_Transform(ST_ClipByBox2D(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), ST_TileEnvelope(0, 0, 0)), %d)"
)

// RenderTile renders the layers of tile t in one query: per layer
// ST_AsMVT(ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(z,x,y),
// 4096, 64)), concatenated (an MVT is a sequence of layers). z/x/y and
// zoom filters are bound as parameters; identifiers come only from the
// registry. It returns Unavailable when the database is slow.
func (db *DB) RenderTile(ctx context.Context, t maptile.Tile, layers []tiles.Layer) ([]byte, error) {
	sql, args := tileQuery(t, layers)
	var b []byte
	if err := db.reader(ctx, "tiles_changed").QueryRow(ctx, sql, args...).Scan(&b); err != nil {
		return nil, translate("data.RenderTile", err)
	}
	return b, nil
}

// tileQuery builds the SQL and arguments for layers of tile t. The SQL
// text depends only on the layers and the zoom band (not on z/x/y), so
// pgx's statement cache reuses its plan.
func tileQuery(t maptile.Tile, layers []tiles.Layer) (string, []any) {
	var sb strings.Builder
	sb.WriteString("SELECT ")
	args := []any{int(t.Z), int(t.X), int(t.Y)}
	for i, l := range layers {
		if i > 0 {
			sb.WriteString("\n|| ")
		}
		q := layerQuery{layer: l, shape: l.ShapeAt(int(t.Z))}
		if l.ZoomBy != nil {
			args = append(args, l.ZoomValues(int(t.Z)))
			q.zoomArg = fmt.Sprintf("$%d", len(args))
		}
		if px := l.SubPixel(int(t.Z)); px > 0 {
			args = append(args, px)
			q.pixelArg = fmt.Sprintf("$%d", len(args))
		}
		q.write(&sb)
	}
	return sb.String(), args
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// layerQuery is one layer's scalar subquery: zoomArg is the placeholder
// holding the ZoomBy values visible at this zoom, pixelArg the one holding
// the sub-pixel size, and shape the generated 3857 column drawn at this
// zoom ("" transforms the geometry).
type layerQuery struct {
	layer                    tiles.Layer
	zoomArg, pixelArg, shape string
}

func (q layerQuery) write(sb *strings.Builder) {
	l := q.layer
	geom := ident(l.Geometry)
	shape := "ST_Transform(" + geom + ", 3857)"
	switch {
	case q.shape != "":
		shape = ident(q.shape)
	case l.LabelPoints:
		shape = "ST_Transform(ST_PointOnSurface(" + geom + "), 3857)"
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
	fmt.Fprintf(sb, "ST_AsMVTGeom(%s, %s, %d, %d, true) AS __geom\n", shape, tileEnvelope, mvtExtent, mvtBuffer)
	fmt.Fprintf(sb, "  FROM %s WHERE %s && "+queryEnvelope, ident(l.Table), geom, l.TableSRID())
	if l.Where != "" {
		sb.WriteString(" AND (" + l.Where + ")")
	}
	if q.zoomArg != "" {
		sb.WriteString(" AND " + ident(l.ZoomBy.Column) + " = ANY(" + q.zoomArg + "::int[])")
	}
	if q.pixelArg != "" {
		// The shape is small (simplified), so its box is cheap to read.
		fmt.Fprintf(sb, " AND greatest(ST_XMax(%[1]s) - ST_XMin(%[1]s), ST_YMax(%[1]s) - ST_YMin(%[1]s)) >= %[2]s::float8", ident(q.shape), q.pixelArg)
	}
	sb.WriteString("\n) t WHERE t.__geom IS NOT NULL)")
}

// quoteLiteral quotes a registry layer name as an SQL string literal; names
// are validated by the registry to [a-z][a-z0-9_]*, so this is belt and
// braces.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ListenTileChanges listens on the tiles_changed channel on a connection
// of its own, calling ready once listening and changed with the boxes each
// notification names, until ctx ends or the connection fails.
func (db *DB) ListenTileChanges(ctx context.Context, ready func(), changed func([]tiles.Change)) error {
	return translate("data.ListenTileChanges", db.listen(ctx, "tiles_changed", ready, func(payload string) {
		changed(parseTileChanges(payload))
	}))
}

// parseTileChanges reads a tiles_changed payload: "b:" and boxes
// "xmin,ymin,xmax,ymax" separated by ";" (migration 010), or "all". A
// payload it cannot read means everything, so no tile stays stale.
func parseTileChanges(payload string) []tiles.Change {
	boxes, ok := strings.CutPrefix(payload, "b:")
	if !ok {
		return []tiles.Change{{All: true}}
	}
	var out []tiles.Change
	for _, b := range strings.Split(boxes, ";") {
		var v [4]float64
		f := strings.Split(b, ",")
		if len(f) != 4 {
			return []tiles.Change{{All: true}}
		}
		for i := range f {
			x, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return []tiles.Change{{All: true}}
			}
			v[i] = x
		}
		out = append(out, tiles.Change{Bound: orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}})
	}
	return out
}

// PurgeTiles tells every running server to drop all its cached tiles.
func (db *DB) PurgeTiles(ctx context.Context) error {
	_, err := db.Pool.Exec(ctx, `SELECT pg_notify('tiles_changed', 'all')`)
	return translate("data.PurgeTiles", err)
}

var _ tiles.Changes = (*DB)(nil)

// TileExtent returns the bounding box, in degrees, of the current division
// code's polygon, or of its current descendants' polygons when it has none;
// with code empty, of every current division. It returns NotFound for an
// unknown code and Invalid when there is no polygon to take it from.
func (db *DB) TileExtent(ctx context.Context, code string) (orb.Bound, error) {
	const op = "data.TileExtent"
	var known bool
	var minX, minY, maxX, maxY *float64
	err := db.Pool.QueryRow(ctx, `
		WITH d AS (SELECT code FROM divisions WHERE code = $1),
		     own AS (SELECT ST_Extent(geom) AS b FROM divisions WHERE code = $1 AND geom IS NOT NULL),
		     sub AS (SELECT ST_Extent(geom) AS b FROM divisions
		              WHERE valid_to IS NULL AND geom IS NOT NULL
		                AND ($1 = '' OR code LIKE division_prefix($1) || '%'))
		SELECT $1 = '' OR EXISTS (SELECT 1 FROM d), ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
		FROM (SELECT coalesce((SELECT b FROM own), (SELECT b FROM sub)) AS e) x`, code).Scan(&known, &minX, &minY, &maxX, &maxY)
	if err != nil {
		return orb.Bound{}, translate(op, err)
	}
	if !known {
		return orb.Bound{}, diming.E(op, diming.NotFound, "没有代码为 "+code+" 的行政区划")
	}
	if minX == nil {
		return orb.Bound{}, diming.E(op, diming.Invalid, "行政区划 "+code+" 及其下级都没有边界面，无法确定范围")
	}
	return orb.Bound{Min: orb.Point{*minX, *minY}, Max: orb.Point{*maxX, *maxY}}, nil
}
