package doorplate

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/paulmach/orb"
)

// Address lifecycle stages and statuses of GB/T 35639 (DOMAIN.md §1.6).
const (
	LifecycleCurrent  = "current"
	LifecyclePlanned  = "planned"
	LifecycleRejected = "rejected"
	LifecycleReserved = "reserved"
	LifecycleRetired  = "retired"
	LifecycleUnknown  = "unknown"

	StatusOfficial   = "official"
	StatusUnofficial = "unofficial"
	StatusUnknown    = "unknown"
)

// CRS is the coordinate reference system of every stored position.
const CRS = "EPSG:4490"

var lifecycles = []string{LifecycleCurrent, LifecyclePlanned, LifecycleRejected, LifecycleReserved, LifecycleRetired, LifecycleUnknown}

// Live reports whether an address in this lifecycle stage holds its number.
func Live(lifecycle string) bool {
	return lifecycle != LifecycleRetired && lifecycle != LifecycleRejected
}

// Division is one link of an address's division chain.
type Division struct {
	Code  string
	Name  string
	Level int // 1 province … 5 village/community
}

// Street is a street, road or lane. Its line runs in numbering direction.
type Street struct {
	ID           int64
	DivisionCode string
	// PlaceID is the standard name (category 5, 街路巷) the street bears;
	// a new street without one gets its name registered as one.
	PlaceID     int64
	Name        string
	Pinyin      string
	Orientation string // ew, ns or diagonal, derived from Line
	Line        orb.LineString
	Generated   bool
	Version     int
}

// Entrance is a labelled entrance point (正门, 3单元 …), CGCS2000.
type Entrance struct {
	Label    string
	Position orb.Point
}

// Address is a standard address. Position is the main entrance, or the
// plot's centroid when PositionSource is "centroid"; always CGCS2000.
type Address struct {
	ID             int64
	Code           string
	DivisionCode   string
	StreetID       int64
	AreaName       string
	DoorNumber     int
	DoorSuffix     string
	Building       string
	Unit           string
	Floor          string
	Room           string
	FullText       string
	Pinyin         string
	Position       orb.Point
	PositionSource string
	Entrances      []Entrance
	Status         string
	Lifecycle      string
	ValidFrom      time.Time
	ValidTo        *time.Time
	Generated      bool
	Version        int
}

// NewAddress is what it takes to create an address.
type NewAddress struct {
	DivisionCode   string
	StreetID       int64 // or AreaName
	AreaName       string
	DoorNumber     int
	DoorSuffix     string
	Building       string
	Unit           string
	Floor          string
	Room           string
	Position       orb.Point
	PositionSource string
	Entrances      []Entrance
	Status         string
	Lifecycle      string
}

// Validate checks the fields the database cannot; Invalid with Fields.
func (n NewAddress) Validate() error {
	fe := diming.FieldErrors{}
	if len(n.DivisionCode) != 12 && len(n.DivisionCode) != 9 || strings.Trim(n.DivisionCode, "0123456789") != "" {
		fe.Add("division_code", "a 9- or 12-digit township or village/community code")
	}
	if n.StreetID == 0 && strings.TrimSpace(n.AreaName) == "" {
		fe.Add("street_id", "give a street or an area name")
	}
	if n.DoorNumber < 0 || n.DoorNumber > 99999 {
		fe.Add("door_number", "Arabic numerals from 1")
	}
	if n.DoorNumber == 0 && n.Building == "" {
		fe.Add("door_number", "give a door number or a building")
	}
	if !validPoint(n.Position) {
		fe.Add("position", "a longitude/latitude in CGCS2000 (EPSG:4490)")
	}
	for _, e := range n.Entrances {
		if e.Label == "" || !validPoint(e.Position) {
			fe.Add("entrances", "each entrance needs a label and a CGCS2000 position")
		}
	}
	if n.PositionSource != "" && n.PositionSource != "entrance" && n.PositionSource != "centroid" {
		fe.Add("position_source", "entrance or centroid")
	}
	if n.Status != "" && n.Status != StatusOfficial && n.Status != StatusUnofficial && n.Status != StatusUnknown {
		fe.Add("status", "official, unofficial or unknown")
	}
	if n.Lifecycle != "" && !oneOf(n.Lifecycle, lifecycles) {
		fe.Add("lifecycle", "current, planned, rejected, reserved, retired or unknown")
	}
	return fe.Err("doorplate.NewAddress")
}

func validPoint(p orb.Point) bool {
	return p[0] >= 73 && p[0] <= 136 && p[1] >= 3 && p[1] <= 54 && !math.IsNaN(p[0]) && !math.IsNaN(p[1])
}

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Components returns the address's components in GB/T 35639 order,
// division names first: 浙江省|绍兴市|越城区|…|胜利街|3号|2幢|1单元|6层|602室.
func Components(chain []Division, street string, a Address) []string {
	var out []string
	for _, d := range chain {
		out = append(out, d.Name)
	}
	for _, c := range []string{street, a.AreaName} {
		if c != "" {
			out = append(out, c)
		}
	}
	if a.DoorNumber > 0 {
		out = append(out, strconv.Itoa(a.DoorNumber)+a.DoorSuffix+"号")
	}
	out = appendPart(out, a.Building, "幢")
	out = appendPart(out, a.Unit, "单元")
	out = appendPart(out, a.Floor, "层")
	return appendPart(out, a.Room, "室")
}

// appendPart adds a component, giving a bare number its generic part.
func appendPart(out []string, v, generic string) []string {
	if v == "" {
		return out
	}
	if strings.Trim(v, "0123456789") == "" {
		v += generic
	}
	return append(out, v)
}

// Orientation classifies a street line for the odd/even rule: ew when it
// runs within 30° of east–west, ns within 30° of north–south.
func Orientation(l orb.LineString) string {
	if len(l) < 2 {
		return "diagonal"
	}
	a, b := l[0], l[len(l)-1]
	dx := (b[0] - a[0]) * math.Cos(a[1]*math.Pi/180)
	dy := b[1] - a[1]
	deg := math.Abs(math.Atan2(dy, dx) * 180 / math.Pi)
	switch {
	case deg <= 30 || deg >= 150:
		return "ew"
	case deg >= 60 && deg <= 120:
		return "ns"
	}
	return "diagonal"
}

// NumberingLine returns the street line in numbering direction: east to
// west for ew streets, north to south for ns streets, as drawn otherwise
// (GB/T 35639 informative appendix, DOMAIN.md rule 27).
func NumberingLine(l orb.LineString) orb.LineString {
	if len(l) < 2 {
		return l
	}
	a, b := l[0], l[len(l)-1]
	rev := false
	switch Orientation(l) {
	case "ew":
		rev = b[0] > a[0]
	case "ns":
		rev = b[1] > a[1]
	}
	if !rev {
		return l
	}
	out := make(orb.LineString, len(l))
	for i, p := range l {
		out[len(l)-1-i] = p
	}
	return out
}

// SideWarning checks the odd/even rule: walking the street in numbering
// direction, odd numbers lie on the right (north side of ew streets, west
// side of ns streets), even numbers on the left. It returns "" when the
// number is on its side or the geometry cannot tell.
func SideWarning(street orb.LineString, number int, p orb.Point) string {
	if number <= 0 || len(street) < 2 {
		return ""
	}
	l := NumberingLine(street)
	best, side := math.Inf(1), 0.0
	for i := 0; i+1 < len(l); i++ {
		a, b := l[i], l[i+1]
		d, cross := segmentDistance(a, b, p)
		if d < best {
			best, side = d, cross
		}
	}
	if side == 0 {
		return ""
	}
	right := side < 0
	odd := number%2 == 1
	switch {
	case odd && !right:
		return "odd number " + strconv.Itoa(number) + " lies on the even (left) side of the street"
	case !odd && right:
		return "even number " + strconv.Itoa(number) + " lies on the odd (right) side of the street"
	}
	return ""
}

// segmentDistance returns p's squared distance to segment ab and the
// cross product telling its side (>0 left, <0 right), in local metres.
func segmentDistance(a, b, p orb.Point) (float64, float64) {
	k := math.Cos(a[1] * math.Pi / 180)
	ax, ay, bx, by, px, py := a[0]*k, a[1], b[0]*k, b[1], p[0]*k, p[1]
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l2))
	}
	cx, cy := ax+t*dx-px, ay+t*dy-py
	return cx*cx + cy*cy, dx*(py-ay) - dy*(px-ax)
}
