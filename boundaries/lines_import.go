package boundaries

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// LineRow is one boundary line read from a file, already in CGCS2000,
// with its sides ordered so that LeftCode < RightCode.
type LineRow struct {
	Ref           string // file#feature, for the report
	LeftCode      string
	RightCode     string
	Name          string // "" names it after its sides (LineName)
	Number        string // "" numbers a new line from the sequence
	EstablishedOn *time.Time
	Agreement     string
	ApprovedBy    string
	Geom          orb.MultiLineString
}

// LineImportDistanceM is how far (metres on the ellipsoid) every point of
// an imported line may lie from each side's polygon boundary. DataV
// polygons drift a couple of hundred metres from the true line; a line
// farther away runs between other divisions or was read in the wrong CRS.
const LineImportDistanceM = 1000

// ImportLines imports surveyed boundary lines from GeoJSON read in crs,
// converting to CGCS2000. A feature is a LineString or MultiLineString
// whose properties name its two sides (left_code/right_code, left/right or
// codes: [a, b]) and optionally name, number, established_on, agreement
// and approved_by; the files WriteGeoJSON writes re-import as they are.
// A line for a pair that already has one replaces its geometry, keeping
// its id and number. Rejected features are reported and the rest is
// imported; a damaged file or a database failure imports nothing.
// Invalid when the CRS is missing or a file cannot be read.
func (s *Service) ImportLines(ctx context.Context, paths []string, crs CRS, progress Progress) (*ImportReport, error) {
	start := time.Now()
	rep := &ImportReport{Kind: "lines", Sources: paths, CRS: crs}
	if crs == "" {
		return rep, diming.E("boundaries.ImportLines", diming.Invalid,
			"say which coordinate system the file is in (-crs gcj02, wgs84 or cgcs2000); our own exports are cgcs2000")
	}
	in, err := newInputs(paths, progress)
	if err != nil {
		return rep, err
	}
	err = s.store.ImportLines(ctx, readLines(in, crs, rep), LineImportDistanceM, rep)
	rep.Duration = time.Since(start)
	return rep, err
}

// readLines yields the line features of GeoJSON files. Marker features of
// our own exports are skipped with one warning per file.
func readLines(in *inputs, crs CRS, rep *ImportReport) iter.Seq2[LineRow, error] {
	return func(yield func(LineRow, error) bool) {
		for _, path := range in.paths {
			r, closeFn, err := in.open(path)
			if err != nil {
				yield(LineRow{}, err)
				return
			}
			fc, err := decodeFeatures(r)
			closeFn()
			base := filepath.Base(path)
			if err != nil {
				yield(LineRow{}, diming.E("boundaries.ImportLines", diming.Invalid,
					fmt.Sprintf("%s is not a GeoJSON FeatureCollection: %v", base, err)))
				return
			}
			markers := 0
			for i, f := range fc.Features {
				rep.Read++
				if f.Properties["feature_type"] == "boundary_marker" {
					markers++
					continue
				}
				row, problem := lineRow(fmt.Sprintf("%s#%d", base, i), f, crs)
				if problem != "" {
					rep.Reject(row.Ref, problem)
					continue
				}
				if !yield(row, nil) {
					return
				}
			}
			if markers > 0 {
				rep.Warn(base, fmt.Sprintf("%d boundary marker features skipped: this command imports lines only", markers))
			}
		}
	}
}

// lineRow checks one feature and converts it to CGCS2000; the second
// result says why the feature is rejected.
func lineRow(ref string, f *geojson.Feature, crs CRS) (LineRow, string) {
	row := LineRow{Ref: ref}
	a, b, problem := sideCodes(f.Properties)
	if problem != "" {
		return row, problem
	}
	if a == b {
		return row, fmt.Sprintf("both sides are %s; a line runs between two different divisions", a)
	}
	if a > b {
		a, b = b, a
	}
	row.LeftCode, row.RightCode = a, b
	row.Ref = ref + " " + a + "—" + b
	if problem := lineAttributes(&row, f.Properties); problem != "" {
		return row, problem
	}
	switch g := f.Geometry.(type) {
	case orb.LineString:
		row.Geom = orb.MultiLineString{g}
	case orb.MultiLineString:
		row.Geom = g
	default:
		return row, fmt.Sprintf("a boundary line needs a LineString or MultiLineString, not %s", geomType(f.Geometry))
	}
	if len(row.Geom) == 0 {
		return row, "the geometry is empty"
	}
	for _, ls := range row.Geom {
		if len(ls) < 2 {
			return row, "a line part has fewer than 2 points"
		}
		for _, p := range ls {
			if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
				return row, fmt.Sprintf("coordinate %v is not longitude/latitude", p)
			}
		}
	}
	ToCGCS2000(row.Geom, crs)
	return row, ""
}

// sideCodes reads the two sides' division codes from left_code and
// right_code (our exports), left and right, or a two-element codes array.
func sideCodes(p geojson.Properties) (string, string, string) {
	for _, k := range [][2]string{{"left_code", "right_code"}, {"left", "right"}} {
		a, b := codeValue(p[k[0]]), codeValue(p[k[1]])
		if a != "" || b != "" {
			if a == "" || b == "" {
				return "", "", fmt.Sprintf("give both %s and %s", k[0], k[1])
			}
			return a, b, ""
		}
	}
	if cs, ok := p["codes"].([]any); ok {
		if len(cs) != 2 || codeValue(cs[0]) == "" || codeValue(cs[1]) == "" {
			return "", "", "codes must hold exactly two division codes"
		}
		return codeValue(cs[0]), codeValue(cs[1]), ""
	}
	return "", "", "the feature does not name its sides: give left_code and right_code (or left and right, or codes: [a, b])"
}

// codeValue reads a division code given as a string or a JSON number.
func codeValue(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return fmt.Sprintf("%.0f", v)
	case json.Number:
		return v.String()
	}
	return ""
}

var lineNumberRE = regexp.MustCompile(`^[0-9A-Z]{4}$`)

// lineAttributes reads the optional name, number, date, agreement and
// approving authority.
func lineAttributes(row *LineRow, p geojson.Properties) string {
	var on string
	for _, a := range []struct {
		k   string
		dst *string
	}{{"name", &row.Name}, {"number", &row.Number}, {"agreement", &row.Agreement}, {"approved_by", &row.ApprovedBy}, {"established_on", &on}} {
		k, dst := a.k, a.dst
		switch v := p[k].(type) {
		case nil:
		case string:
			*dst = strings.TrimSpace(v)
		default:
			return k + " must be text"
		}
	}
	row.Number = strings.ToUpper(row.Number)
	if row.Number != "" && !lineNumberRE.MatchString(row.Number) {
		return fmt.Sprintf("number %q is not a line number: 4 characters of 0–9 and A–Z", row.Number)
	}
	if on != "" {
		t, err := time.Parse(time.DateOnly, on)
		if err != nil {
			return fmt.Sprintf("established_on %q is not a date (YYYY-MM-DD)", on)
		}
		row.EstablishedOn = &t
	}
	return ""
}
