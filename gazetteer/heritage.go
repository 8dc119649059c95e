package gazetteer

import "time"

// HeritageLevel is the level of the body that lists a name.
type HeritageLevel string

// The levels of the protection lists.
const (
	LevelNational   HeritageLevel = "national"
	LevelProvincial HeritageLevel = "provincial"
	LevelCity       HeritageLevel = "city"
	LevelCounty     HeritageLevel = "county"
)

// HeritageEntry is an entry of a place-name heritage protection list
// (地名文化遗产保护名录), linked to its place name when one is known.
type HeritageEntry struct {
	ID                 int64
	PlaceID            *int64
	Name               string
	ListName           string
	Category           string // 千年古县, 千年古镇, 千年古村落, …
	Level              HeritageLevel
	Issuer             string
	Batch              int
	Announced          *time.Time
	Province           string
	City               string
	County             string
	DivisionCode       string
	Evidence           string // evidence for the criteria
	ProtectionMeasures string
	Completeness       string // how complete the source list is
	SourceURL          string
	Shortlist          bool // a shortlist (入围), not a recognition
}

// Protected reports whether the entry protects its name: listed, not
// merely shortlisted.
func (h HeritageEntry) Protected() bool { return !h.Shortlist }
