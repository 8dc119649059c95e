package boundaries

import (
	"time"

	"github.com/diming/diming"
)

// Inspection is one joint inspection (联检) of a line in a round, with a
// check per marker; it is complete when both sides signed it off.
type Inspection struct {
	ID            int64
	LineID        int64
	Round         int
	InspectedOn   time.Time
	Findings      string
	Remediation   string
	LeftSignedBy  string
	LeftSignedAt  *time.Time
	RightSignedBy string
	RightSignedAt *time.Time
	Checks        []MarkerCheck
	Version       int
}

// Complete reports whether both sides signed off.
func (in Inspection) Complete() bool { return in.LeftSignedAt != nil && in.RightSignedAt != nil }

// MarkerCheck is what an inspection found at one marker.
type MarkerCheck struct {
	MarkerID    int64
	Number      string
	Status      string // intact, damaged, missing, moved, repaired
	Findings    string
	Remediation string
}

var checkStatuses = map[string]bool{"intact": true, "damaged": true, "missing": true, "moved": true, "repaired": true}

// NewInspection records an inspection of a line.
type NewInspection struct {
	InspectedOn time.Time
	Findings    string
	Remediation string
	Checks      []MarkerCheck
}

// Validate checks the record against the line's markers.
func (n NewInspection) Validate(markers []Marker, now time.Time) error {
	fe := diming.FieldErrors{}
	if n.InspectedOn.IsZero() || n.InspectedOn.After(now) {
		fe.Add("inspected_on", "give the day of the field check, not in the future")
	}
	ids := map[int64]bool{}
	for _, m := range markers {
		ids[m.ID] = true
	}
	seen := map[int64]bool{}
	for _, c := range n.Checks {
		switch {
		case !ids[c.MarkerID]:
			fe.Add("checks", "a check names a marker that is not on this line")
		case seen[c.MarkerID]:
			fe.Add("checks", "a marker is checked twice")
		case !checkStatuses[c.Status]:
			fe.Add("checks", "a check's status is intact, damaged, missing, moved or repaired")
		case c.Status != "intact" && c.Findings == "":
			fe.Add("checks", "say what was found at a marker that is not intact")
		}
		seen[c.MarkerID] = true
	}
	return fe.Err("boundaries.NewInspection")
}

// InspectionCycle is the legal interval between joint inspections of a
// line (Art. 12 of 行政区域界线管理条例): five years.
const InspectionCycle = 5

// FirstRoundYear is the year the first five-year round started; rounds
// run 2001–2005, 2006–2010 … so the fifth is 2021–2025.
const FirstRoundYear = 2001

// RoundOf returns the inspection round a day falls in.
func RoundOf(t time.Time) int {
	if t.Year() < FirstRoundYear {
		return 1
	}
	return (t.Year()-FirstRoundYear)/InspectionCycle + 1
}

// OverdueLine is a line whose last complete inspection is older than the
// cycle, or that was never inspected and was established longer ago than
// the cycle (or on a day not recorded).
type OverdueLine struct {
	Line          Line
	LastInspected *time.Time
	DueSince      *time.Time // nil when never inspected and the establishment day is unknown
}

// LineExport is what field teams take out: a line, its markers and its
// latest inspection.
type LineExport struct {
	Line       Line
	Markers    []Marker
	Inspection *Inspection
}
