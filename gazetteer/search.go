package gazetteer

import (
	"context"
	"github.com/diming/diming/romanize"
	"strings"
	"unicode"
	"unicode/utf8"
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
	Match    string   // how it matched: prefix, initials, sound, fuzzy, old_name
	// Old is the former division name the query matched (Match
	// "old_name"); the hit itself is the name in use now.
	Old *OldName
	// Locus is where the name to open is: Current's for a historical
	// name, the hit's own otherwise.
	Locus Locus
}

// Target is the id of the name a result opens: the current name of a
// historical one.
func (h Hit) Target() int64 {
	if h.Current != nil {
		return h.Current.ID
	}
	return h.ID
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

// NormalizeQuery trims q; characters are written simplified (绍興 reads
// 绍兴), and latin input is lower-cased with spaces, apostrophes and tone
// marks removed so that "Xi'an", "xi an" and "Xī'ān" all read "xian".
func NormalizeQuery(q string) string {
	q = strings.TrimSpace(q)
	if !IsLatin(q) {
		return Simplified(q)
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

// withOldNames adds the names in use now that former division names lead
// to: an old name equal to the query comes first (绍兴县 is what the user
// typed, and 柯桥区 is where it is now), old names starting with it after
// the other hits. Latin queries have no old names (they are kept in
// characters only), and neither has one character: a division's name has
// at least two (and one character would read every old name). A target
// already in the list is not repeated.
func (s *Service) withOldNames(ctx context.Context, q string, hits []Hit, limit int) ([]Hit, error) {
	if utf8.RuneCountInString(q) < 2 || IsLatin(q) {
		return hits, nil
	}
	old, err := s.store.FindOldNames(ctx, q, true, limit)
	if err != nil || len(old) == 0 {
		return hits, err
	}
	var exact, rest []Hit
	for _, h := range old {
		if h.Old != nil && h.Old.Name == q {
			exact = append(exact, h)
		} else {
			rest = append(rest, h)
		}
	}
	seen := map[int64]bool{}
	out := make([]Hit, 0, len(hits)+len(old))
	for _, group := range [][]Hit{exact, hits, rest} {
		for _, h := range group {
			// An old name always shows, even beside its current name: it
			// says why the current name was found.
			if h.Old == nil && seen[h.Target()] {
				continue
			}
			seen[h.Target()] = true
			out = append(out, h)
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// locate fills the locus of each hit: where the name it opens is.
func (s *Service) locate(ctx context.Context, hits []Hit) error {
	if len(hits) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(hits))
	for _, h := range hits {
		ids = append(ids, h.Target())
	}
	loci, err := s.store.LocatePlaces(ctx, ids)
	if err != nil {
		return err
	}
	for i := range hits {
		hits[i].Locus = loci[hits[i].Target()]
	}
	return nil
}

// Locate returns the locus of a place: its point, bounds and division
// chain. Public.
func (s *Service) Locate(ctx context.Context, id int64) (Locus, error) {
	loci, err := s.store.LocatePlaces(ctx, []int64{id})
	return loci[id], err
}
