package data

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// wkbBytes encodes a geometry as WKB for ST_GeomFromWKB.
func wkbBytes(g orb.Geometry) []byte {
	b, err := wkb.Marshal(g)
	if err != nil {
		return nil
	}
	return b
}
