package gazetteer

import (
	"sync"
	"time"

	"github.com/longbridgeapp/opencc"
	"github.com/paulmach/orb"
)

// Locus is where a search result is: the point to fly to, the bounds to
// fit and the divisions it lies in (province first), so that equal names
// can be told apart. Point and Bound are nil for a name without geometry.
type Locus struct {
	Point *orb.Point
	Bound *orb.Bound
	Chain []ChainLink
}

// ChainLink is one division of a locus's chain.
type ChainLink struct {
	Code  string
	Name  string
	Level int
}

// OldName is a former division name (a retired code's, or a renamed
// code's earlier name) that a search matched; the hit is the name in use
// now for the division it led to.
type OldName struct {
	Code    string
	Name    string
	ValidTo *time.Time
}

// t2s converts traditional characters to simplified ones, loaded once;
// the converter is read-only after loading.
var t2s = sync.OnceValues(func() (*opencc.OpenCC, error) { return opencc.New("t2s") })

// Simplified writes traditional characters of s as simplified ones
// (绍興 → 绍兴) with OpenCC's tables; s is returned unchanged when it has
// none, or if the tables cannot be loaded.
func Simplified(s string) string {
	cc, err := t2s()
	if err != nil {
		return s
	}
	out, err := cc.Convert(s)
	if err != nil {
		return s
	}
	return out
}
