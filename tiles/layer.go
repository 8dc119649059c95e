package tiles

import (
	"fmt"
	"regexp"
	"sort"
)

// Layer is one entry of the registry: a table whose rows become the features
// of one MVT layer. Every identifier here is written in code, never taken
// from a request; the data layer quotes them with pgx.Identifier.
type Layer struct {
	// Name is the layer's name in URLs, in the MVT and in style.json.
	Name        string
	Description string
	// Table, Geometry and ID name the table, its geometry column (SRID
	// 4490, GiST-indexed) and the column that becomes the MVT feature id.
	// ID must hold integers or all-digit text (it is cast to bigint); leave
	// it empty for features without ids.
	Table, Geometry, ID string
	// SRID is the geometry column's SRID; 0 means 4490 (CGCS2000), the
	// master system. The tile envelope is transformed to it so that `&&`
	// uses the column's index.
	SRID int
	// Attributes are the columns copied into each feature's properties.
	Attributes []Attribute
	// MinZoom and MaxZoom bound the zooms at which the layer has features.
	MinZoom, MaxZoom int
	// Where is a trusted SQL predicate on the table written in code, such
	// as "valid_to IS NULL" for current rows only; empty for all rows.
	Where string
	// ZoomBy, when set, shows rows by the value of an integer column, so
	// that provinces show at low zooms and villages only at high ones.
	ZoomBy *ZoomBy
	// LabelPoints renders one point inside each polygon
	// (ST_PointOnSurface) instead of the polygon, for labels that appear
	// once rather than once per tile.
	LabelPoints bool
	// Shapes are Web Mercator (EPSG:3857) copies of the geometry that the
	// database keeps (generated columns), pre-simplified for zoom bands or
	// pre-computed label points, so that no request simplifies or
	// transforms what could be done once. At zoom z a tile uses the first
	// shape whose MaxZoom is at least z; beyond them, the geometry.
	Shapes []Shape
	// DropSubPixel leaves out, at zooms drawn from a shape, features whose
	// shape is smaller than half a pixel (its bounding box), which nobody
	// could see.
	DropSubPixel bool
	// Staff marks a layer only signed-in staff may see; its tiles are
	// never stored by shared caches (Cache-Control: private).
	Staff bool
}

// Shape is a generated 3857 column of a layer's table, used up to MaxZoom.
type Shape struct {
	Column  string
	MaxZoom int
}

// ShapeAt returns the 3857 column the layer draws at zoom z, or "" when it
// transforms the geometry itself.
func (l Layer) ShapeAt(z int) string {
	for _, s := range l.Shapes {
		if z <= s.MaxZoom {
			return s.Column
		}
	}
	return ""
}

// mercatorWorld is the width of the Web Mercator world in metres.
const mercatorWorld = 2 * 20037508.342789244

// SubPixel returns the size in Web Mercator metres below which a feature's
// shape is left out at zoom z: half a pixel of a 512-pixel tile. It is 0
// when the layer keeps every feature at z.
func (l Layer) SubPixel(z int) float64 {
	if !l.DropSubPixel || l.ShapeAt(z) == "" {
		return 0
	}
	return mercatorWorld / float64(uint64(1)<<z) / 512 / 2
}

// Attribute is a column copied into feature properties; Type is the
// TileJSON field type: "String", "Number" or "Boolean".
type Attribute struct {
	Column, Type string
}

// ZoomBy shows a row only in the zoom band of its Column value. Values that
// have no band never show.
type ZoomBy struct {
	Column string
	Bands  map[int]ZoomBand
}

// ZoomBand is an inclusive range of zooms.
type ZoomBand struct{ Min, Max int }

// Visible reports whether the layer can have features at zoom z.
func (l Layer) Visible(z int) bool {
	if z < l.MinZoom || z > l.MaxZoom {
		return false
	}
	return l.ZoomBy == nil || len(l.ZoomValues(z)) > 0
}

// ZoomValues returns, in ascending order, the values of ZoomBy.Column shown
// at zoom z; nil when the layer has no ZoomBy.
func (l Layer) ZoomValues(z int) []int32 {
	if l.ZoomBy == nil {
		return nil
	}
	vals := []int32{}
	for v, b := range l.ZoomBy.Bands {
		if z >= b.Min && z <= b.Max {
			vals = append(vals, int32(v))
		}
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
	return vals
}

var layerName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// TableSRID returns the SRID of the layer's geometry column.
func (l Layer) TableSRID() int {
	if l.SRID == 0 {
		return 4490
	}
	return l.SRID
}

// validate checks a registry entry when the service is built, so that a
// mistake in the registry stops start-up rather than a tile request.
func (l Layer) validate(maxZoom int) error {
	switch {
	case !layerName.MatchString(l.Name) || l.Name == AllLayers:
		return fmt.Errorf("layer name %q must match %s and not be %q", l.Name, layerName, AllLayers)
	case l.Table == "" || l.Geometry == "":
		return fmt.Errorf("layer %s: table and geometry column are required", l.Name)
	case l.SRID < 0:
		return fmt.Errorf("layer %s: SRID %d", l.Name, l.SRID)
	case l.MinZoom < 0 || l.MaxZoom > maxZoom || l.MinZoom > l.MaxZoom:
		return fmt.Errorf("layer %s: zooms %d..%d outside 0..%d", l.Name, l.MinZoom, l.MaxZoom, maxZoom)
	case l.ZoomBy != nil && (l.ZoomBy.Column == "" || len(l.ZoomBy.Bands) == 0):
		return fmt.Errorf("layer %s: ZoomBy needs a column and bands", l.Name)
	}
	for i, sh := range l.Shapes {
		if sh.Column == "" || (i > 0 && sh.MaxZoom <= l.Shapes[i-1].MaxZoom) {
			return fmt.Errorf("layer %s: shapes need columns in ascending MaxZoom", l.Name)
		}
	}
	for _, a := range l.Attributes {
		if a.Column == "" || (a.Type != "String" && a.Type != "Number" && a.Type != "Boolean") {
			return fmt.Errorf("layer %s: attribute %q has type %q; want String, Number or Boolean", l.Name, a.Column, a.Type)
		}
	}
	return nil
}
