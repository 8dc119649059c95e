package tiles

// Registry returns the product's layers in drawing order. Each domain's
// layer is one entry here; the web map's style.json names them.
func Registry() []Layer {
	return []Layer{Divisions(), DivisionLabels(), BoundaryLines(), BoundaryMarkers(), Streets(), Places(), Addresses()}
}

// generalized are the pre-simplified copies that divisions and boundary
// lines keep for zooms 0-3, 4-6 and 7-9 (generated columns, migration 010).
func generalized() []Shape { return []Shape{{"geom_z3", 3}, {"geom_z6", 6}, {"geom_z9", 9}} }

// Divisions is the current administrative divisions as polygons.
func Divisions() Layer {
	return Layer{
		Name: "divisions", Description: "行政区划（现行）",
		Table: "divisions", Geometry: "geom", ID: "code",
		Attributes: []Attribute{{"code", "String"}, {"name", "String"}, {"level", "Number"}, {"kind", "String"}},
		MinZoom:    0, MaxZoom: 22,
		Where: "valid_to IS NULL",
		// Simplified by one MVT unit at the band's last zoom (migration
		// 013), so low zooms stay light.
		Shapes:       generalized(),
		DropSubPixel: true,
		// Provinces show at low zooms and villages only at high ones;
		// larger units drop out once they cover many tiles.
		ZoomBy: &ZoomBy{Column: "level", Bands: map[int]ZoomBand{
			1: {0, 12},  // province
			2: {4, 14},  // prefecture
			3: {6, 22},  // county
			4: {9, 22},  // township 乡镇/街道
			5: {11, 22}, // village 村/社区
		}},
	}
}

// DivisionLabels is one label point per current division.
func DivisionLabels() Layer {
	l := Divisions()
	l.Name, l.Description, l.LabelPoints = "division_labels", "行政区划注记点", true
	l.Shapes, l.DropSubPixel = []Shape{{Column: "label_3857", MaxZoom: 22}}, false
	// One label per division, a little after its polygon appears.
	l.MinZoom, l.ZoomBy = 2, &ZoomBy{Column: "level", Bands: map[int]ZoomBand{
		1: {2, 7}, 2: {5, 10}, 3: {7, 13}, 4: {10, 22}, 5: {12, 22},
	}}
	return l
}

// BoundaryLines is the current boundary lines (行政区域界线), coarser levels
// first.
func BoundaryLines() Layer {
	return Layer{
		Name: "boundary_lines", Description: "行政区域界线",
		Table: "boundary_lines", Geometry: "geom", ID: "id",
		Attributes: []Attribute{{"number", "String"}, {"name", "String"}, {"level", "Number"}, {"left_code", "String"}, {"right_code", "String"}},
		MinZoom:    0, MaxZoom: 22,
		Where:  "valid_to IS NULL",
		Shapes: generalized(), DropSubPixel: true,
		ZoomBy: &ZoomBy{Column: "level", Bands: map[int]ZoomBand{
			1: {0, 22}, 2: {4, 22}, 3: {6, 22}, 4: {9, 22}, 5: {11, 22},
		}},
	}
}

// BoundaryMarkers is the public boundary markers (界桩): the database's
// boundary_markers.public column decides which; the others stay off the
// public map (DOMAIN.md §5 item 9).
func BoundaryMarkers() Layer {
	return Layer{
		Name: "boundary_markers", Description: "界桩（公开）",
		Table: "boundary_markers", Geometry: "geom", ID: "id",
		Attributes: []Attribute{{"number", "String"}, {"form", "String"}, {"status", "String"}},
		MinZoom:    12, MaxZoom: 22,
		Where: "public",
	}
}

// Streets is the current streets, roads and lanes that addresses hang on.
func Streets() Layer {
	return Layer{
		Name: "streets", Description: "街路巷",
		Table: "streets", Geometry: "geom", ID: "id",
		Attributes: []Attribute{{"name", "String"}, {"pinyin", "String"}},
		MinZoom:    12, MaxZoom: 22,
		Where: "valid_to IS NULL",
	}
}

// Places is the current standard place names other than the divisions,
// which the division layers already draw.
func Places() Layer {
	return Layer{
		Name: "places", Description: "标准地名",
		Table: "places", Geometry: "geom", ID: "id",
		Attributes: []Attribute{{"name", "String"}, {"romanization", "String"}, {"category", "Number"}, {"division_code", "String"}},
		MinZoom:    12, MaxZoom: 22,
		Where: "status = 'current' AND source_division IS NULL",
	}
}

// Addresses is the entrances of current standard addresses; no resident
// data is in the table, and only the address itself is in the tile.
func Addresses() Layer {
	return Layer{
		Name: "addresses", Description: "标准地址（门牌）",
		Table: "addresses", Geometry: "position", ID: "id",
		Attributes: []Attribute{{"full_text", "String"}, {"door_number", "Number"}, {"door_suffix", "String"}},
		MinZoom:    16, MaxZoom: 22,
		Where: "lifecycle = 'current'",
	}
}
