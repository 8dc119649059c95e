package boundaries

import (
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/paulmach/orb"
)

// Level is a division's level: 1 province … 5 village or community.
type Level int

// The five levels.
const (
	Province   Level = 1 // 省级
	Prefecture Level = 2 // 地级
	County     Level = 3 // 县级
	Township   Level = 4 // 乡级: 乡镇, 街道
	Village    Level = 5 // 村级: 村委会, 居委会, 社区
)

// String returns the level's Chinese name.
func (l Level) String() string {
	switch l {
	case Province:
		return "省级"
	case Prefecture:
		return "地级"
	case County:
		return "县级"
	case Township:
		return "乡级"
	case Village:
		return "村级"
	}
	return "未知"
}

// Division is one administrative division (行政区划) as of its validity
// interval. Codes are 6 digits for levels 1–3 (GB/T 2260), 9 for townships
// and 12 for villages (NBS statistical codes).
type Division struct {
	Code       string
	Name       string
	Level      Level
	Kind       string // 建制类型: 市辖区, 县, 县级市, 街道, 镇, 乡, 居委会, 村委会 …
	ParentCode string
	UrbanRural string // NBS 3-digit urban-rural class, when known
	ValidFrom  *time.Time
	ValidTo    *time.Time // nil while current
	HasGeom    bool
	// GeomDerived says the polygon is the union of the current children's
	// polygons (none of its own was imported); it follows them.
	GeomDerived bool
	Generated   bool
	Version     int
	// Geom is the boundary polygon (CGCS2000); set by polygon imports and
	// the demo generator, not by look-ups.
	Geom orb.MultiPolygon
}

// Current reports whether the division's code is in use.
func (d Division) Current() bool { return d.ValidTo == nil }

// DivisionDetail is a division with its ancestor chain (province first)
// and its current children.
type DivisionDetail struct {
	Division
	Ancestors []Division
	Children  []Division
}

// NameRecord is one name a code carried over an interval [From, To).
type NameRecord struct {
	Code   string
	Name   string
	From   *time.Time
	To     *time.Time
	Source string
}

// Succession links a code to one that took over its area: Kind "retired"
// when the code ended, "transfer" when part of the area moved.
type Succession struct {
	Code          string
	SuccessorCode string
	SuccessorName string
	Year          int
	Kind          string
}

// History is what is known about a code over time.
type History struct {
	Division     Division
	Names        []NameRecord
	Successors   []Succession // what replaced or took area from this code
	Predecessors []Succession // codes this one replaced
}

// NameAt returns the name the code carried on day t, or "" when the code
// was not in use then.
func (h History) NameAt(t time.Time) string {
	for _, n := range h.Names {
		if (n.From == nil || !t.Before(*n.From)) && (n.To == nil || t.Before(*n.To)) {
			return n.Name
		}
	}
	d := h.Division
	if (d.ValidFrom == nil || !t.Before(*d.ValidFrom)) && (d.ValidTo == nil || t.Before(*d.ValidTo)) {
		return d.Name
	}
	return ""
}

// LevelOfCode returns the level a code's shape implies: XX0000 province,
// XXXX00 prefecture, other 6-digit county, 9-digit township, 12-digit
// village. It returns 0 for a malformed code.
func LevelOfCode(code string) Level {
	if !diming.IsDivisionCode(code) {
		return 0
	}
	switch len(code) {
	case 6:
		switch {
		case code[2:] == "0000":
			return Province
		case code[4:] == "00":
			return Prefecture
		}
		return County
	case 9:
		return Township
	case 12:
		return Village
	}
	return 0
}

// ValidateCode checks a division code's format and its agreement with
// level and parent; it returns Invalid with the fields to fix.
func ValidateCode(code string, level Level, parent string) error {
	fe := diming.FieldErrors{}
	switch got := LevelOfCode(code); {
	case got == 0:
		fe.Add("code", "a division code has 6, 9 or 12 digits")
	case got != level && !(level == County && len(code) == 6):
		fe.Add("code", "code "+code+" does not fit level "+level.String())
	}
	if parent != "" && (parent == code || !strings.HasPrefix(code, diming.CodePrefix(parent))) {
		fe.Add("parent_code", "a child's code starts with its parent's code "+diming.CodePrefix(parent))
	}
	return fe.Err("boundaries.ValidateCode")
}

// KindOfName guesses the 建制类型 from a division's name and level, as the
// NBS lists carry no type column.
func KindOfName(name string, level Level) string {
	suffixes := map[Level][]string{
		Province:   {"自治区", "特别行政区", "省", "市"},
		Prefecture: {"自治州", "地区", "盟", "市辖区", "省直辖县级行政区划", "自治区直辖县级行政区划", "县", "市"},
		County:     {"自治县", "自治旗", "林区", "特区", "新区", "开发区", "园区", "示范区", "区", "县", "旗", "市"},
		Township:   {"街道办事处", "街道", "民族乡", "民族苏木", "苏木", "镇", "乡", "开发区", "园区", "农场", "林场", "办事处"},
		Village:    {"居民委员会", "居委会", "村民委员会", "村委会", "社区", "村"},
	}
	for _, s := range suffixes[level] {
		if strings.HasSuffix(name, s) {
			switch {
			case level == County && s == "区":
				return "市辖区"
			case level == County && s == "市":
				return "县级市"
			case level == Prefecture && s == "市":
				return "地级市"
			case s == "居民委员会" || s == "社区":
				return "居委会"
			case s == "村民委员会" || s == "村":
				return "村委会"
			case s == "街道办事处":
				return "街道"
			}
			return s
		}
	}
	return ""
}
