package doorplate

import "math"

// GCJ-02 is the obfuscated datum every commercial Chinese map uses, and
// BD-09 is Baidu's further offset of it. The master data stays CGCS2000;
// these conversions exist only to build links into third-party map apps
// (DOMAIN.md rule 22). CGCS2000 and WGS-84 agree to a few centimetres,
// far below the offsets here, so CGCS2000 is used as WGS-84 input.
//
// The GCJ-02 offset itself is boundaries.WGS84ToGCJ02 (the importers
// need its inverse); BD-09 is here because only the scan page needs it.
// The formulas are the widely published reverse-engineered ones (e.g.
// wandergis/coordtransform); the tests pin them to known points.

const bdPi = math.Pi * 3000.0 / 180.0

// GCJ02ToBD09 converts a GCJ-02 point to Baidu's BD-09.
func GCJ02ToBD09(lon, lat float64) (float64, float64) {
	z := math.Sqrt(lon*lon+lat*lat) + 0.00002*math.Sin(lat*bdPi)
	theta := math.Atan2(lat, lon) + 0.000003*math.Cos(lon*bdPi)
	return z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006
}

// BD09ToGCJ02 converts a BD-09 point back to GCJ-02.
func BD09ToGCJ02(lon, lat float64) (float64, float64) {
	x, y := lon-0.0065, lat-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdPi)
	return z * math.Cos(theta), z * math.Sin(theta)
}
