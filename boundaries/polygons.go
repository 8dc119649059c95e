package boundaries

import (
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"path/filepath"

	"github.com/diming/diming"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// PolygonRow is one polygon read for a division, already in CGCS2000.
type PolygonRow struct {
	Ref  string // file#feature, for the report
	Code string
	Name string
	Geom orb.MultiPolygon
}

// featureCode reads a division code from the properties DataV and our own
// exports use: adcode (string or number) or code.
func featureCode(p geojson.Properties) string {
	for _, k := range []string{"adcode", "code"} {
		switch v := p[k].(type) {
		case string:
			return v
		case float64:
			return fmt.Sprintf("%.0f", v)
		case json.Number:
			return v.String()
		}
	}
	return ""
}

// polygonRow checks one feature and converts it to CGCS2000.
func polygonRow(ref string, f *geojson.Feature, crs CRS) (PolygonRow, string) {
	code := featureCode(f.Properties)
	name, _ := f.Properties["name"].(string)
	row := PolygonRow{Ref: ref, Code: code, Name: name}
	if code == "" {
		return row, "要素没有 adcode 或 code 属性"
	}
	switch g := f.Geometry.(type) {
	case orb.Polygon:
		row.Geom = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		row.Geom = g
	default:
		return row, fmt.Sprintf("区划需要 Polygon 或 MultiPolygon，而不是 %s", geomType(f.Geometry))
	}
	for _, poly := range row.Geom {
		for _, ring := range poly {
			if len(ring) < 4 {
				return row, "有一个环少于 4 个点"
			}
			for _, p := range ring {
				if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
					return row, fmt.Sprintf("坐标 %v 不是经纬度", p)
				}
			}
		}
	}
	ToCGCS2000(row.Geom, crs)
	return row, ""
}

func geomType(g orb.Geometry) string {
	if g == nil {
		return "no geometry"
	}
	return g.GeoJSONType()
}

// readPolygons yields the polygon features of GeoJSON files.
func readPolygons(in *inputs, crs CRS, rep *ImportReport) iter.Seq2[PolygonRow, error] {
	return func(yield func(PolygonRow, error) bool) {
		for _, path := range in.paths {
			r, closeFn, err := in.open(path)
			if err != nil {
				yield(PolygonRow{}, err)
				return
			}
			fc, err := decodeFeatures(r)
			closeFn()
			base := filepath.Base(path)
			if err != nil {
				yield(PolygonRow{}, diming.E("boundaries.ImportPolygons", diming.Invalid,
					fmt.Sprintf("%s 不是 GeoJSON FeatureCollection：%v", base, err)))
				return
			}
			for i, f := range fc.Features {
				rep.Read++
				row, problem := polygonRow(fmt.Sprintf("%s#%d", base, i), f, crs)
				if problem != "" {
					rep.Reject(refOf(row), problem)
					continue
				}
				if !yield(row, nil) {
					return
				}
			}
		}
	}
}

func refOf(r PolygonRow) string {
	if r.Code != "" {
		return r.Code + " " + r.Name
	}
	return r.Ref
}

func decodeFeatures(r io.Reader) (*geojson.FeatureCollection, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return geojson.UnmarshalFeatureCollection(b)
}
