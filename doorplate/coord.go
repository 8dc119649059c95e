package doorplate

import "math"

// GCJ-02 is the obfuscated datum every commercial Chinese map uses, and
// BD-09 is Baidu's further offset of it. The master data stays CGCS2000;
// these conversions exist only to build links into third-party map apps
// (DOMAIN.md rule 22). CGCS2000 and WGS-84 agree to a few centimetres,
// far below the offsets here, so CGCS2000 is used as WGS-84 input.
//
// The formulas are the widely published reverse-engineered ones (e.g.
// wandergis/coordtransform); the tests pin them to known points.

const (
	krasovskyA  = 6378245.0             // semi-major axis of Krasovsky 1940
	krasovskyEE = 0.0066934216229659433 // its first eccentricity squared
	bdPi        = math.Pi * 3000.0 / 180.0
)

// OutOfChina reports whether a WGS-84 point lies outside the rough box in
// which GCJ-02 applies an offset; outside it, GCJ-02 equals WGS-84.
func OutOfChina(lon, lat float64) bool {
	return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271
}

// WGS84ToGCJ02 converts a WGS-84 (or CGCS2000) point to GCJ-02.
func WGS84ToGCJ02(lon, lat float64) (float64, float64) {
	if OutOfChina(lon, lat) {
		return lon, lat
	}
	dLon, dLat := gcjDelta(lon, lat)
	return lon + dLon, lat + dLat
}

// GCJ02ToWGS84 inverts WGS84ToGCJ02 by fixed-point iteration; after a few
// rounds the error is below a millimetre (the one-step inverse that many
// libraries use is off by up to a metre or two).
func GCJ02ToWGS84(lon, lat float64) (float64, float64) {
	if OutOfChina(lon, lat) {
		return lon, lat
	}
	wLon, wLat := lon, lat
	for i := 0; i < 10; i++ {
		gLon, gLat := WGS84ToGCJ02(wLon, wLat)
		eLon, eLat := gLon-lon, gLat-lat
		wLon, wLat = wLon-eLon, wLat-eLat
		if math.Abs(eLon) < 1e-10 && math.Abs(eLat) < 1e-10 {
			break
		}
	}
	return wLon, wLat
}

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

func gcjDelta(lon, lat float64) (float64, float64) {
	dLat := transformLat(lon-105.0, lat-35.0)
	dLon := transformLon(lon-105.0, lat-35.0)
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - krasovskyEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLon, dLat
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
