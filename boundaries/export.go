package boundaries

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/twpayne/go-geom"
	geomkml "github.com/twpayne/go-geom/encoding/kml"
	"github.com/twpayne/go-kml/v3"
)

// The export code is the only user of go-geom: its encoding/kml writes
// the KML that field teams load into handheld and phone map apps.

func lineProperties(e LineExport) map[string]any {
	l := e.Line
	p := map[string]any{
		"feature_type": "boundary_line", "id": l.ID, "number": l.Number, "name": l.Name,
		"left_code": l.LeftCode, "left_name": l.LeftName, "right_code": l.RightCode, "right_name": l.RightName,
		"level": int(l.Level), "length_m": round1(l.LengthM), "status": l.Status, "source": l.Source,
		"generated": l.Generated, "markers": len(e.Markers),
		"last_inspected": "", "inspection_round": 0, "inspection_signed": false, "inspection_findings": "",
	}
	if in := e.Inspection; in != nil {
		p["last_inspected"] = in.InspectedOn.Format(time.DateOnly)
		p["inspection_round"] = in.Round
		p["inspection_signed"] = in.Complete()
		p["inspection_findings"] = in.Findings
	}
	return p
}

func markerProperties(l Line, m Marker, check *MarkerCheck) map[string]any {
	refs, _ := json.Marshal(m.References)
	p := map[string]any{
		"feature_type": "boundary_marker", "id": m.ID, "number": m.Number, "name": m.Number,
		"line_number": l.Number, "line_name": l.Name, "type": m.Type, "side_code": m.SideCode,
		"form": m.Form, "material": m.Material, "status": m.Status, "references": string(refs),
		"generated": m.Generated, "last_check": "",
	}
	if check != nil {
		p["last_check"] = check.Status
	}
	return p
}

// PropertyFilter edits a feature's properties in place before they are
// written: the caller's data grades (web passes sharing's one rule).
// entity is "boundary_line" or "boundary_marker".
type PropertyFilter func(entity string, props map[string]any)

func filtered(entity string, props map[string]any, filters []PropertyFilter) map[string]any {
	for _, f := range filters {
		f(entity, props)
	}
	return props
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

func checkOf(in *Inspection, markerID int64) *MarkerCheck {
	if in == nil {
		return nil
	}
	for i := range in.Checks {
		if in.Checks[i].MarkerID == markerID {
			return &in.Checks[i]
		}
	}
	return nil
}

// WriteGeoJSON writes lines with their markers as an RFC 7946
// FeatureCollection (longitude/latitude, CGCS2000 ≈ WGS-84).
// Filters, if any, grade each feature's properties.
func WriteGeoJSON(w io.Writer, lines []LineExport, filters ...PropertyFilter) error {
	fc := geojson.NewFeatureCollection()
	for _, e := range lines {
		f := geojson.NewFeature(e.Line.Geom)
		if e.Line.Geom == nil {
			f.Geometry = orb.MultiLineString{}
		}
		f.Properties = filtered("boundary_line", lineProperties(e), filters)
		fc.Append(f)
		for _, m := range e.Markers {
			mf := geojson.NewFeature(m.Position)
			mf.Properties = filtered("boundary_marker", markerProperties(e.Line, m, checkOf(e.Inspection, m.ID)), filters)
			fc.Append(mf)
		}
	}
	b, err := json.Marshal(fc)
	if err != nil {
		return fmt.Errorf("encode geojson: %w", err)
	}
	_, err = w.Write(b)
	return err
}

// WriteKML writes lines with their markers as KML 2.2: one folder of
// lines and one of markers, attributes as ExtendedData. Filters, if any,
// grade each placemark's attributes.
func WriteKML(w io.Writer, title string, lines []LineExport, filters ...PropertyFilter) error {
	var lineMarks, markerMarks []kml.Element
	for _, e := range lines {
		g, err := geomkml.Encode(toGeomLines(e.Line.Geom))
		if err != nil {
			return fmt.Errorf("encode kml line: %w", err)
		}
		lineMarks = append(lineMarks, placemark(e.Line.Name, g, filtered("boundary_line", lineProperties(e), filters)))
		for _, m := range e.Markers {
			pt, err := geomkml.Encode(geom.NewPointFlat(geom.XY, []float64{m.Position[0], m.Position[1]}))
			if err != nil {
				return fmt.Errorf("encode kml marker: %w", err)
			}
			markerMarks = append(markerMarks, placemark(m.Number, pt, filtered("boundary_marker", markerProperties(e.Line, m, checkOf(e.Inspection, m.ID)), filters)))
		}
	}
	doc := kml.KML(kml.Document(
		kml.Name(title),
		kml.Folder(append([]kml.Element{kml.Name("界线 boundary lines")}, lineMarks...)...),
		kml.Folder(append([]kml.Element{kml.Name("界桩 boundary markers")}, markerMarks...)...),
	))
	return doc.WriteIndent(w, "", " ")
}

func placemark(name string, g kml.Element, props map[string]any) kml.Element {
	var data []kml.Element
	for _, k := range sortedKeys(props) {
		data = append(data, kml.Data(k, kml.Value(fmt.Sprint(props[k]))))
	}
	return kml.Placemark(kml.Name(name), kml.ExtendedData(data...), g)
}

func toGeomLines(mls orb.MultiLineString) *geom.MultiLineString {
	var flat []float64
	var ends []int
	for _, ls := range mls {
		for _, p := range ls {
			flat = append(flat, p[0], p[1])
		}
		ends = append(ends, len(flat))
	}
	return geom.NewMultiLineStringFlat(geom.XY, flat, ends)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
