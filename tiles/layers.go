package tiles

// Registry returns the product's layers in drawing order. Each domain's
// layer is one entry here; the web map's style.json names them.
func Registry() []Layer {
	return []Layer{Divisions(), DivisionLabels()}
}

// Divisions is the current administrative divisions as polygons.
func Divisions() Layer {
	return Layer{
		Name: "divisions", Description: "行政区划（现行）",
		Table: "divisions", Geometry: "geom", ID: "code",
		Attributes: []Attribute{{"code", "String"}, {"name", "String"}, {"level", "Number"}, {"kind", "String"}},
		MinZoom:    0, MaxZoom: 22,
		Where: "valid_to IS NULL",
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
	// One label per division, a little after its polygon appears.
	l.MinZoom, l.ZoomBy = 2, &ZoomBy{Column: "level", Bands: map[int]ZoomBand{
		1: {2, 7}, 2: {5, 10}, 3: {7, 13}, 4: {10, 22}, 5: {12, 22},
	}}
	return l
}
