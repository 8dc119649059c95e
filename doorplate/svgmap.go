package doorplate

import (
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
)

// MapView is a small static map of the spot for the scan page: SVG path
// data in a MapWidth × MapHeight box centred on the address, about
// MapMetres across, drawn without tiles, scripts or third-party requests.
type MapView struct {
	Street string // path data of the street line
	Grid   string // path data of the grid outline
	X, Y   float64
}

// The static map's size.
const (
	MapWidth  = 280
	MapHeight = 160
	MapMetres = 400.0
)

func staticMap(c orb.Point, street orb.LineString, grid orb.MultiPolygon) MapView {
	k := MapWidth / MapMetres                       // px per metre
	mLon := 111320 * math.Cos(c[1]*math.Pi/180) * k // px per degree of longitude
	mLat := 110540 * k
	proj := func(p orb.Point) (float64, float64) {
		return MapWidth/2 + (p[0]-c[0])*mLon, MapHeight/2 - (p[1]-c[1])*mLat
	}
	// Whole pixels: the map is a sketch 280 px wide, and integers format
	// several times faster than decimals on the scan's hot path.
	path := func(b []byte, ring []orb.Point, closed bool) []byte {
		for i, p := range ring {
			x, y := proj(p)
			if i == 0 {
				b = append(b, 'M')
			} else {
				b = append(b, 'L')
			}
			b = strconv.AppendInt(b, int64(math.Round(x)), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(math.Round(y)), 10)
		}
		if closed && len(ring) > 0 {
			b = append(b, 'Z')
		}
		return b
	}
	// Only what falls in the frame (plus a margin, so lines run off its
	// edge) is drawn: a grid outline can have thousands of vertices.
	dx, dy := 0.6*MapWidth/mLon, 0.6*MapHeight/mLat
	frame := orb.Bound{Min: orb.Point{c[0] - dx, c[1] - dy}, Max: orb.Point{c[0] + dx, c[1] + dy}}
	var s, g []byte
	if len(street) > 0 {
		s = make([]byte, 0, 16*len(street))
		for _, part := range clip.LineString(frame, street) {
			s = path(s, part, false)
		}
	}
	// clip.MultiPolygon rewrites the rings it is given; the grid is shared
	// by every scan of the community, so clip a copy.
	for _, poly := range clip.MultiPolygon(frame, grid.Clone()) {
		for _, ring := range poly {
			g = path(g, ring, true)
		}
	}
	return MapView{Street: string(s), Grid: string(g), X: MapWidth / 2, Y: MapHeight / 2}
}
