package boundaries

import (
	"fmt"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/paulmach/orb"
)

// Line statuses (DOMAIN §3.3).
const (
	LineDerived        = "derived" // derived from shared polygon edges, not surveyed
	LineSurveyed       = "surveyed"
	LinePublished      = "published"
	LineJointlyManaged = "jointly_managed"
	LineRetired        = "retired"
)

// Line is a boundary line (行政区域界线) between two adjacent divisions of
// one level. LeftCode is the smaller code; the name joins the two sides'
// names in that order, e.g. 越城区—上虞区线.
type Line struct {
	ID            int64
	Number        string // 4 characters; the prefix of its markers' numbers
	LeftCode      string
	LeftName      string
	RightCode     string
	RightName     string
	Level         Level
	Name          string
	Geom          orb.MultiLineString
	LengthM       float64
	Status        string
	Source        string // derived, imported, surveyed
	ToleranceM    float64
	ApprovedBy    string
	Agreement     string
	EstablishedOn *time.Time
	ValidTo       *time.Time
	Generated     bool
	Version       int
}

// LineName builds a line's name from its two sides, e.g. 越城区—上虞区线.
func LineName(left, right string) string { return left + "—" + right + "线" }

// Sides returns the codes of both sides.
func (l Line) Sides() []string { return []string{l.LeftCode, l.RightCode} }

// DeriveOptions choose which lines Service.DeriveLines computes.
type DeriveOptions struct {
	Level Level
	// Within limits the derivation to pairs where at least one side lies
	// inside this division code ("" for the whole country).
	Within string
	// ToleranceM is how far apart two neighbours' edges may run and still
	// count as one shared edge. Neighbouring polygons were simplified on
	// their own, so exact shared edges are nearly empty; tens of metres
	// recover the line. Default 200.
	ToleranceM float64
	// MinPieceM drops fragments shorter than this (near tri-junctions).
	// Default 2×ToleranceM.
	MinPieceM float64
}

// DefaultToleranceM is the shared-edge tolerance for DataV polygons: each
// polygon was simplified on its own, and neighbours drift apart by up to
// a couple of hundred metres along the same river or ridge.
const DefaultToleranceM = 200

// Valid fills defaults and checks the options.
func (o *DeriveOptions) Valid() error {
	fe := diming.FieldErrors{}
	if o.Level < Province || o.Level > Village {
		fe.Add("level", "give a level from 1 (province) to 5 (village)")
	}
	if o.ToleranceM == 0 {
		o.ToleranceM = DefaultToleranceM
	}
	if o.ToleranceM < 0 || o.ToleranceM > 2000 {
		fe.Add("tolerance_m", "a tolerance between 0 and 2000 metres")
	}
	if o.MinPieceM == 0 {
		o.MinPieceM = 2 * o.ToleranceM
	}
	if o.Within != "" && LevelOfCode(o.Within) == 0 {
		fe.Add("within", "a division code of 6, 9 or 12 digits")
	}
	return fe.Err("boundaries.DeriveOptions")
}

// DeriveReport says what a derivation did.
type DeriveReport struct {
	Pairs     int // neighbouring pairs examined
	Created   int
	Updated   int
	Unchanged int // lines surveyed or imported, left alone
	Empty     int // pairs that touch only at a point or within the tolerance at fragments
}

// MarkerTypes are the type letters (DOMAIN §2.5): a single marker Q, a
// pair A/B sharing a number, a triple C/D/E. Which letters may share a
// number is decided by the database alone (boundary_markers_rules, which
// guards bulk loads too); the store reports its refusal on the type field.
const MarkerTypes = "QABCDE"

// Marker statuses; "moved" is set only by a recorded move.
const (
	MarkerPlanned  = "planned"
	MarkerActive   = "active"
	MarkerDamaged  = "damaged"
	MarkerRepaired = "repaired"
	MarkerMoved    = "moved"
	MarkerRetired  = "retired"
)

// markerTransitions are the status changes an edit may make.
var markerTransitions = map[string][]string{
	MarkerPlanned:  {MarkerActive, MarkerRetired},
	MarkerActive:   {MarkerDamaged, MarkerRetired},
	MarkerDamaged:  {MarkerRepaired, MarkerRetired},
	MarkerRepaired: {MarkerDamaged, MarkerRetired},
	MarkerMoved:    {MarkerDamaged, MarkerRetired},
}

// Reference is a conspicuous fixed object (方位物) near a marker.
type Reference struct {
	Name       string  `json:"name"`
	AzimuthDeg float64 `json:"azimuth_deg"`
	DistanceM  float64 `json:"distance_m"`
}

// Marker is a boundary marker (界桩).
type Marker struct {
	ID          int64
	LineID      int64
	Number      string // line number + 3-digit sequence + type letter
	Seq         int
	Type        string
	SideCode    string // for pairs and triples: the side the post stands on
	Position    orb.Point
	Form        string // e.g. 单立双面型, 单立三面型
	Material    string
	References  []Reference
	Description string
	Status      string
	Published   bool
	// Public is whether anyone may see the marker, as the database decides
	// it (boundary_markers.public: published and not retired).
	Public    bool
	Generated bool
	Version   int
}

// MarkerNumber builds the number of DOMAIN §2.5: the line's 4-character
// number, the 3-digit sequence and the type letter.
func MarkerNumber(lineNumber string, seq int, typ string) string {
	return fmt.Sprintf("%s%03d%s", lineNumber, seq, typ)
}

// NewMarker is a marker to place on a line.
type NewMarker struct {
	Seq         int
	Type        string
	SideCode    string
	Position    orb.Point
	Form        string
	Material    string
	References  []Reference
	Description string
	Status      string // planned or active; default active
	Published   bool
}

// Validate checks a new marker against its line: the type letter, the
// side of a pair (A on the smaller code's side), the position near the
// line. siblings are the markers already sharing its sequence number.
func (m *NewMarker) Validate(l Line, siblings []Marker) error {
	fe := diming.FieldErrors{}
	if m.Seq < 1 || m.Seq > 999 {
		fe.Add("seq", "markers are numbered 001–999 along the line")
	}
	if len(m.Type) != 1 || !strings.Contains(MarkerTypes, m.Type) {
		fe.Add("type", "Q for a single marker, A/B for a pair, C/D/E for a triple")
	}
	for _, s := range siblings {
		if s.Type == m.Type {
			fe.Add("type", fmt.Sprintf("marker %s already exists on this line", s.Number))
		}
	}
	switch m.Type {
	case "A":
		checkSide(fe, m, l.LeftCode, "A goes to the side with the smaller code")
	case "B":
		checkSide(fe, m, l.RightCode, "B goes to the side with the larger code")
	case "Q":
		m.SideCode = ""
	}
	if m.Status == "" {
		m.Status = MarkerActive
	}
	if m.Status != MarkerActive && m.Status != MarkerPlanned {
		fe.Add("status", "a new marker is planned or active")
	}
	if m.Position[0] < 72 || m.Position[0] > 136 || m.Position[1] < 3 || m.Position[1] > 54 {
		fe.Add("position", "longitude and latitude (CGCS2000) inside China")
	}
	if len(m.References) > 3 {
		fe.Add("references", "at most three reference objects")
	}
	return fe.Err("boundaries.NewMarker")
}

func checkSide(fe diming.FieldErrors, m *NewMarker, want, msg string) {
	if m.SideCode == "" {
		m.SideCode = want
	}
	if m.SideCode != want {
		fe.Add("side_code", msg+" ("+want+")")
	}
}

// MarkerUpdate edits a marker's description and status. The position is
// not here on purpose: a marker moves only through Move.
type MarkerUpdate struct {
	Status      *string
	Form        *string
	Material    *string
	References  *[]Reference
	Description *string
	Published   *bool
	Version     int
}

// Validate checks the update against the marker as it is.
func (u MarkerUpdate) Validate(cur Marker) error {
	fe := diming.FieldErrors{}
	if u.Status != nil && *u.Status != cur.Status {
		ok := false
		for _, s := range markerTransitions[cur.Status] {
			ok = ok || s == *u.Status
		}
		if !ok {
			msg := fmt.Sprintf("a %s marker cannot become %s", cur.Status, *u.Status)
			if *u.Status == MarkerMoved {
				msg = "a marker is moved only by recording the agreement (POST …/moves)"
			}
			fe.Add("status", msg)
		}
	}
	if u.References != nil && len(*u.References) > 3 {
		fe.Add("references", "at most three reference objects")
	}
	if u.Version < 1 {
		fe.Add("version", diming.MsgVersion)
	}
	return fe.Err("boundaries.MarkerUpdate")
}

// Move is the record of an agreed move (Art. 6 of 行政区域界线管理条例): the
// agreement of every side, then the new position.
type Move struct {
	ID          int64
	MarkerID    int64
	AgreementNo string
	AgreedOn    time.Time
	SignedBy    []string // division codes of every side that signed
	From        orb.Point
	To          orb.Point
	Reason      string
	CreatedBy   string
	Version     int // the marker version the mover read
}

// Validate checks that every side of the line signed.
func (mv Move) Validate(l Line) error {
	fe := diming.FieldErrors{}
	if mv.AgreementNo == "" {
		fe.Add("agreement_no", "give the number of the agreement (协议书) all sides signed")
	}
	if mv.AgreedOn.IsZero() {
		fe.Add("agreed_on", "give the date of the agreement")
	}
	for _, side := range l.Sides() {
		if !contains(mv.SignedBy, side) {
			fe.Add("signed_by", "every side must sign; missing "+side+": unilateral moves are void")
		}
	}
	if mv.Reason == "" {
		fe.Add("reason", "say why the marker moves (construction, river change …)")
	}
	if mv.To[0] < 72 || mv.To[0] > 136 || mv.To[1] < 3 || mv.To[1] > 54 {
		fe.Add("to", "longitude and latitude (CGCS2000) inside China")
	}
	if mv.Version < 1 {
		fe.Add("version", diming.MsgVersion)
	}
	return fe.Err("boundaries.Move")
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
