package boundaries

import (
	"math"

	"github.com/paulmach/orb"
)

// CRS names a coordinate system polygons can be read in.
type CRS string

// The systems the importers know. Only CGCS2000 (and WGS-84, which agrees
// with it to well under a metre) is ever stored; GCJ-02 is converted.
const (
	CGCS2000 CRS = "cgcs2000"
	WGS84    CRS = "wgs84"
	GCJ02    CRS = "gcj02"
)

// ParseCRS returns the CRS named s (case-insensitive, EPSG codes allowed).
func ParseCRS(s string) (CRS, bool) {
	switch s {
	case "cgcs2000", "CGCS2000", "EPSG:4490", "4490":
		return CGCS2000, true
	case "wgs84", "WGS84", "EPSG:4326", "4326":
		return WGS84, true
	case "gcj02", "GCJ02", "gcj-02", "GCJ-02":
		return GCJ02, true
	}
	return "", false
}

// The GCJ-02 offset is defined on the Krasovsky 1940 ellipsoid.
const (
	gcjA  = 6378245.0
	gcjEE = 0.00669342162296594323
)

// outOfChina reports whether GCJ-02 leaves the point alone.
func outOfChina(lon, lat float64) bool {
	return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271
}

// WGS84ToGCJ02 applies the GCJ-02 offset to a WGS-84 point, for showing
// positions on commercial Chinese basemaps.
func WGS84ToGCJ02(p orb.Point) orb.Point {
	lon, lat := p[0], p[1]
	if outOfChina(lon, lat) {
		return p
	}
	dLat := transformLat(lon-105.0, lat-35.0)
	dLon := transformLon(lon-105.0, lat-35.0)
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - gcjEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((gcjA * (1 - gcjEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (gcjA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return orb.Point{lon + dLon, lat + dLat}
}

// GCJ02ToWGS84 removes the GCJ-02 offset. The offset has no closed-form
// inverse, so it iterates the forward transform until the round trip is
// within about a millimetre.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if outOfChina(p[0], p[1]) {
		return p
	}
	w := p
	for i := 0; i < 10; i++ {
		g := WGS84ToGCJ02(w)
		dx, dy := g[0]-p[0], g[1]-p[1]
		w = orb.Point{w[0] - dx, w[1] - dy}
		if math.Abs(dx) < 1e-9 && math.Abs(dy) < 1e-9 {
			break
		}
	}
	return w
}

func transformLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func transformLon(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// ToCGCS2000 converts a polygon or line geometry read in crs to CGCS2000
// in place. WGS-84 and CGCS2000 agree to well under a metre, below the
// precision of any source we import, so only GCJ-02 moves.
func ToCGCS2000(g orb.Geometry, crs CRS) {
	if crs != GCJ02 {
		return
	}
	switch g := g.(type) {
	case orb.MultiPolygon:
		for _, poly := range g {
			for _, ring := range poly {
				toWGS84(ring)
			}
		}
	case orb.MultiLineString:
		for _, ls := range g {
			toWGS84(ls)
		}
	}
}

func toWGS84(ps []orb.Point) {
	for i, p := range ps {
		ps[i] = GCJ02ToWGS84(p)
	}
}
