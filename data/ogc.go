package data

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/diming/diming/ogc"
)

// ogcSQL builds a query's SQL and arguments from the registry's trusted
// fragments; request values travel only as arguments.
type ogcSQL struct{ args []any }

func (b *ogcSQL) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

func (b *ogcSQL) where(q ogc.Query, withCursor bool) string {
	c := q.Coll
	var conds []string
	if c.Where != "" {
		conds = append(conds, c.Where)
	}
	if iv := q.Datetime; iv != nil && c.Valid != nil {
		if iv.End != nil {
			conds = append(conds, fmt.Sprintf("(%s IS NULL OR %s <= %s::date)", c.Valid.From, c.Valid.From, b.arg(*iv.End)))
		}
		if iv.Start != nil {
			conds = append(conds, fmt.Sprintf("(%s IS NULL OR %s > %s::date)", c.Valid.To, c.Valid.To, b.arg(*iv.Start)))
		}
	} else if c.Current != "" {
		conds = append(conds, c.Current)
	}
	for _, p := range q.Prefixes {
		conds = append(conds, strings.ReplaceAll(c.Within, "@prefix", b.arg(p)))
	}
	if bb := q.BBox; bb != nil {
		conds = append(conds, fmt.Sprintf("ST_Intersects(%s, ST_MakeEnvelope(%s, %s, %s, %s, 4490))",
			c.Geom, b.arg(bb.MinX), b.arg(bb.MinY), b.arg(bb.MaxX), b.arg(bb.MaxY)))
	}
	if q.Filter != nil {
		conds = append(conds, b.expr(q, q.Filter))
	}
	if q.ID != "" {
		conds = append(conds, fmt.Sprintf("%s::text = %s", c.Key, b.arg(q.ID)))
	}
	if withCursor && q.After != "" {
		conds = append(conds, fmt.Sprintf("%s > %s", c.Key, b.typed(q.After, c.KeyInt)))
	}
	if len(conds) == 0 {
		return "true"
	}
	return strings.Join(conds, " AND ")
}

func (b *ogcSQL) typed(v any, isInt bool) string {
	if isInt {
		return b.arg(v) + "::bigint"
	}
	return b.arg(v) + "::text"
}

var sqlCast = map[ogc.Type]string{ogc.String: "text", ogc.Integer: "bigint", ogc.Number: "float8", ogc.Boolean: "boolean", ogc.Date: "date"}

func (b *ogcSQL) propSQL(q ogc.Query, p ogc.Property) string {
	if p.AtSQL != "" && q.Datetime != nil {
		return strings.ReplaceAll(p.AtSQL, "@at", b.arg(q.Datetime.At())+"::date")
	}
	return p.SQL
}

func (b *ogcSQL) expr(q ogc.Query, e ogc.Expr) string {
	switch e := e.(type) {
	case *ogc.Logic:
		parts := make([]string, len(e.Args))
		for i, a := range e.Args {
			parts[i] = b.expr(q, a)
		}
		return "(" + strings.Join(parts, " "+e.Op+" ") + ")"
	case *ogc.Not:
		return "(NOT " + b.expr(q, e.X) + ")"
	case *ogc.Cmp:
		p, _ := q.Coll.Prop(e.Prop)
		col, cast := "("+b.propSQL(q, p)+")", "::"+sqlCast[p.Type]
		not := ""
		if e.Not {
			not = "NOT "
		}
		switch e.Op {
		case "ISNULL":
			return fmt.Sprintf("(%s IS %sNULL)", col, not)
		case "LIKE":
			return fmt.Sprintf("(%s %sLIKE %s)", col, not, b.arg(e.Value)+cast)
		case "IN":
			vs := make([]string, len(e.Values))
			for i, v := range e.Values {
				vs[i] = b.arg(v) + cast
			}
			return fmt.Sprintf("(%s %sIN (%s))", col, not, strings.Join(vs, ", "))
		case "BETWEEN":
			return fmt.Sprintf("(%s %sBETWEEN %s AND %s)", col, not, b.arg(e.Values[0])+cast, b.arg(e.Values[1])+cast)
		}
		// Comparison operators come from the parser's closed set.
		return fmt.Sprintf("(%s %s %s)", col, e.Op, b.arg(e.Value)+cast)
	}
	panic(fmt.Sprintf("ogc filter node %T", e))
}

func (b *ogcSQL) geometry(q ogc.Query, enc ogc.Encoding) string {
	g := q.Coll.Geom
	switch enc {
	case ogc.KML:
		// KML is WGS 84; CGCS2000 coordinates are the same to centimetres.
		return fmt.Sprintf("ST_AsKML(ST_SetSRID(%s, 4326), 7)", g)
	}
	return fmt.Sprintf("ST_AsText(%s, 7)", g)
}

func (b *ogcSQL) selectSQL(q ogc.Query, enc ogc.Encoding, limit int) string {
	c := q.Coll
	var sb strings.Builder
	if enc == ogc.GeoJSON {
		// PostGIS writes the whole feature from a row of the properties
		// and the geometry. The rows are sorted (and cut to the page) by
		// their key first, so the sort carries no GeoJSON.
		g := c.Geom
		if q.FlipAxes {
			g = "ST_FlipCoordinates(" + g + ")"
		}
		fmt.Fprintf(&sb, "SELECT s.__k, ST_AsGeoJSON(__f.*, '__geom', 7) FROM (\n  SELECT %s AS __o, %s::text AS __k, %s AS __g", c.Key, c.Key, g)
		for i, p := range c.Props {
			fmt.Fprintf(&sb, ", %s AS __p%d", b.propSQL(q, p), i)
		}
		fmt.Fprintf(&sb, "\n  FROM %s\n  WHERE %s\n  ORDER BY %s", c.From, b.where(q, true), c.Key)
		if limit > 0 {
			fmt.Fprintf(&sb, " LIMIT %d", limit)
		}
		sb.WriteString("\n) s CROSS JOIN LATERAL (SELECT ")
		for i, p := range c.Props {
			fmt.Fprintf(&sb, "s.__p%d AS %s, ", i, pgIdent(p.Name))
		}
		sb.WriteString("s.__g AS __geom) __f\nORDER BY s.__o")
		return sb.String()
	}
	fmt.Fprintf(&sb, "SELECT %s::text, %s", c.Key, b.geometry(q, enc))
	for _, p := range c.Props {
		fmt.Fprintf(&sb, ", (%s)::text", b.propSQL(q, p))
	}
	fmt.Fprintf(&sb, "\nFROM %s\nWHERE %s\nORDER BY %s", c.From, b.where(q, true), c.Key)
	if limit > 0 {
		fmt.Fprintf(&sb, " LIMIT %d", limit)
	}
	return sb.String()
}

func pgIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// ST_AsGeoJSON(record) writes a row without a geometry as
// {"type": null}, GeoJSON's is null; and it names CGCS2000 in a "crs"
// member, which RFC 7946 does not have (its coordinates are
// longitude/latitude, as CGCS2000's are to centimetres).
var (
	nullGeometry = []byte(`{"type": "Feature", "geometry": {"type": null}`)
	nullFixed    = []byte(`{"type": "Feature", "geometry": null`)
	crsMember    = []byte(`"crs":{"type":"name","properties":{"name":"EPSG:4490"}},`)
)

// cleanFeature fixes the two in the first bytes of a feature, copying into
// scratch only when needed.
func cleanFeature(f, scratch []byte) ([]byte, []byte) {
	if bytes.HasPrefix(f, nullGeometry) {
		scratch = append(append(scratch[:0], nullFixed...), f[len(nullGeometry):]...)
		return scratch, scratch
	}
	head := f[:min(len(f), 120)]
	if i := bytes.Index(head, crsMember); i >= 0 {
		scratch = append(append(scratch[:0], f[:i]...), f[i+len(crsMember):]...)
		return scratch, scratch
	}
	return f, scratch
}

// Features streams the features a query selects, in key order, to fn;
// at most limit (0: all). Rows come from the server as they are read,
// so a province's export never sits in memory.
func (db *DB) Features(ctx context.Context, q ogc.Query, enc ogc.Encoding, limit int, fn func(*ogc.Row) error) error {
	const op = "data.Features"
	var b ogcSQL
	sql := b.selectSQL(q, enc, limit)
	rows, err := db.reader(ctx, "").Query(ctx, sql, b.args...)
	if err != nil {
		return translate(op, err)
	}
	defer rows.Close()
	var fr ogc.Row
	var fixed []byte
	for rows.Next() {
		raw := rows.RawValues()
		fr.Key, fr.Geom = raw[0], raw[1]
		if enc == ogc.GeoJSON {
			fr.Geom = nil
			fr.Feature, fixed = cleanFeature(raw[1], fixed)
		} else {
			fr.Values = raw[2:]
		}
		if err := fn(&fr); err != nil {
			return err
		}
	}
	return translate(op, rows.Err())
}

// CountFeatures is numberMatched: how many features the query selects,
// over all pages.
func (db *DB) CountFeatures(ctx context.Context, q ogc.Query) (int64, error) {
	var b ogcSQL
	sql := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", q.Coll.From, b.where(q, false))
	var n int64
	err := db.reader(ctx, "").QueryRow(ctx, sql, b.args...).Scan(&n)
	return n, translate("data.CountFeatures", err)
}
