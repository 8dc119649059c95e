package tiles

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/diming/diming"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// ZoomRange is an inclusive range of zooms, as "0-8" or "5" on a command
// line.
type ZoomRange struct{ Min, Max int }

// ParseZoomRange reads "A-B" or "A" with 0 <= A <= B <= 22. It returns
// Invalid, naming the flag, for anything else.
func ParseZoomRange(s string) (ZoomRange, error) {
	lo, hi, found := strings.Cut(strings.TrimSpace(s), "-")
	if !found {
		hi = lo
	}
	a, errA := strconv.Atoi(lo)
	b, errB := strconv.Atoi(hi)
	if errA != nil || errB != nil || a < 0 || b > 22 || a > b {
		return ZoomRange{}, diming.E("tiles.ParseZoomRange", diming.Invalid,
			fmt.Sprintf("-zoom %q 应为 0 到 22 之间的级别或范围，如 0-8", s))
	}
	return ZoomRange{a, b}, nil
}

// Cover returns the tiles at zooms r that meet bound b (degrees), lowest
// zoom first, rows north to south. Latitudes are clamped to the Web
// Mercator limit.
func Cover(b orb.Bound, r ZoomRange) []maptile.Tile {
	const maxLat = 85.05112878
	clamp := func(v, lo, hi float64) float64 { return max(lo, min(hi, v)) }
	nw := orb.Point{clamp(b.Min[0], -180, 179.9999999), clamp(b.Max[1], -maxLat, maxLat)}
	se := orb.Point{clamp(b.Max[0], -180, 179.9999999), clamp(b.Min[1], -maxLat, maxLat)}
	var out []maptile.Tile
	for z := r.Min; z <= r.Max; z++ {
		a, c := maptile.At(nw, maptile.Zoom(z)), maptile.At(se, maptile.Zoom(z))
		for y := a.Y; y <= c.Y; y++ {
			for x := a.X; x <= c.X; x++ {
				out = append(out, maptile.New(x, y, maptile.Zoom(z)))
			}
		}
	}
	return out
}
