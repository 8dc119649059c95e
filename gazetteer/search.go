package gazetteer

import (
	"github.com/diming/diming/romanize"
	"strings"
	"unicode"
)

// Filter narrows a search. Query may be characters, full pinyin
// ("shaoxing") or initials ("sx"); it tolerates typos.
type Filter struct {
	Query        string
	Key          string   // toneless pinyin of a query in characters; set by the service
	Category     Category // 0 for all
	DivisionCode string   // names within this division (by code prefix)
	Near         *Near
	Historical   bool // include historical names
	Limit        int
	Offset       int
}

// Near limits a search to names within Radius metres of a point.
type Near struct {
	Lon, Lat float64
	Radius   float64
}

// Hit is a search result; historical names carry the name that replaced
// them.
type Hit struct {
	PlaceRef
	Current  *PlaceRef
	Distance *float64 // metres, for searches near a point
	Match    string   // how it matched: name, pinyin, initials, fuzzy
}

// MaxLimit caps the results of one search.
const MaxLimit = 100

// Normalize tidies a filter: trims the query, lower-cases latin input
// and strips its spaces and apostrophes, and bounds the limit.
func (f Filter) Normalize() Filter {
	f.Query = NormalizeQuery(f.Query)
	if f.Limit <= 0 || f.Limit > MaxLimit {
		f.Limit = 20
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	return f
}

// NormalizeQuery trims q; latin input is lower-cased with spaces,
// apostrophes and tone marks removed so that "Xi'an", "xi an" and "Xī'ān"
// all read "xian".
func NormalizeQuery(q string) string {
	q = strings.TrimSpace(q)
	if !IsLatin(q) {
		return q
	}
	q = romanize.Toneless(strings.ToLower(q))
	return strings.NewReplacer(" ", "", "'", "", "’", "", "-", "", "ü", "v").Replace(q)
}

// IsLatin reports whether q is written in latin letters (pinyin or
// initials) rather than characters.
func IsLatin(q string) bool {
	if q == "" {
		return false
	}
	for _, r := range q {
		if unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

// QueryKey returns the toneless pinyin of a query written in characters,
// so that a wrong character with the right sound (绍星) still finds the
// name (绍兴); "" for latin queries or characters without a reading.
func QueryKey(z *romanize.Romanizer, q string) string {
	if q == "" || IsLatin(q) {
		return ""
	}
	ro, err := z.Name(romanize.Name{Specific: q, Joined: true})
	if err != nil {
		return ""
	}
	return ro.Key
}
