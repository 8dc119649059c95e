package gazetteer

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/diming/diming"
	"github.com/diming/diming/romanize"
	"github.com/paulmach/orb"
)

// Category is one of the eight legal categories of place names (Art. 3).
type Category int

// The eight categories, numbered as in the regulation.
const (
	Natural     Category = 1 // 自然地理实体
	Division    Category = 2 // 行政区划
	VillageSeat Category = 3 // 村民委员会、居民委员会所在地
	Park        Category = 4 // 城市公园、自然保护地
	Street      Category = 5 // 街路巷
	Residential Category = 6 // 具有重要地理方位意义的住宅区、楼宇
	Facility    Category = 7 // 交通运输、水利、电力、通信、气象等设施
	Other       Category = 8 // 其他具有重要地理方位意义的地理实体
)

// CategoryNames are the Chinese names of the categories, by number.
var CategoryNames = map[Category]string{
	Natural: "自然地理实体", Division: "行政区划", VillageSeat: "村(居)民委员会所在地", Park: "城市公园、自然保护地",
	Street: "街路巷", Residential: "住宅区、楼宇", Facility: "设施", Other: "其他地理实体",
}

// Valid reports whether c is one of the eight categories.
func (c Category) Valid() bool { return c >= Natural && c <= Other }

// Subcategories used by the rules. Others are free codes (e.g. GB/T 18521
// class codes such as 22200).
const (
	SubProvince       = "province"        // division: province level
	SubPrefecture     = "prefecture"      // division: prefecture level
	SubCounty         = "county"          // division: county level
	SubTownship       = "township"        // division: 乡、镇、街道
	SubFamous         = "famous"          // natural: famous, of major historical or cultural value
	SubNaturalVillage = "natural_village" // settlement written as one word
)

// Status is whether a name is in use (现今地名) or historical (历史地名).
type Status string

// The two statuses.
const (
	Current    Status = "current"
	Historical Status = "historical"
)

// Place is a standard place name (标准地名).
type Place struct {
	ID           int64
	PlaceCode    string // 20-digit national code when known
	Name         string
	Specific     string // 专名
	Generic      string // 通名
	Category     Category
	Subcategory  string
	Romanization Romanization
	Readings     Readings
	// Unread lists positions of characters with no known reading, left
	// out of the romanization until someone gives their readings.
	Unread       []int
	DivisionCode string // the division the place belongs to
	// SourceDivision is set when the place is the name of that division.
	SourceDivision string
	Meaning        string
	Origin         string
	History        string
	Description    string
	Geometry       orb.Geometry // CGCS2000 (EPSG:4490); point, line or polygon
	ApprovedBy     string
	ApprovedOn     *time.Time
	ApprovalDoc    string
	Status         Status
	ValidFrom      *time.Time
	ValidTo        *time.Time
	Supersedes     *int64 // the name this one replaced
	SupersededBy   *int64 // the name that replaced this one
	Generated      bool
	Version        int
	// Current is, for a historical name, the name in use now (filled by
	// reads, not stored).
	Current *PlaceRef
	// Heritage lists the protection-list entries of this name (reads only).
	Heritage []HeritageEntry
}

// PlaceRef is the short form of a place in lists and links.
type PlaceRef struct {
	ID           int64
	Name         string
	Romanization string
	Category     Category
	DivisionCode string
	Status       Status
}

// Ref returns the short form of p.
func (p Place) Ref() PlaceRef {
	return PlaceRef{ID: p.ID, Name: p.Name, Romanization: p.Romanization.Text, Category: p.Category, DivisionCode: p.DivisionCode, Status: p.Status}
}

// Romanization is a name spelled in Hanyu Pinyin, with its search keys.
type Romanization = romanize.Romanization

// Readings overrides the readings of single characters of a name (多音字),
// by rune position.
type Readings = romanize.Readings

// romanizeName is what the romanizer reads of p.
func (p Place) romanizeName() romanize.Name {
	return romanize.Name{Specific: p.Specific, Generic: p.Generic, Readings: p.Readings, Joined: p.Joined()}
}

// Joined reports whether the name is romanized as one word (natural
// villages and other names that do not split their parts).
func (p Place) Joined() bool { return p.Subcategory == SubNaturalVillage }

// Rank orders autocomplete results: divisions from the top level down,
// then other current names, then historical names.
func (p Place) Rank() int {
	r := 6
	switch {
	case p.Category == Division:
		r = map[string]int{SubProvince: 1, SubPrefecture: 2, SubCounty: 3, SubTownship: 4}[p.Subcategory]
		if r == 0 {
			r = 4
		}
	case p.Category == VillageSeat:
		r = 7
	}
	if p.Status == Historical {
		r += 10
	}
	return r
}

// committeeSuffixes are stripped from village-level division names to get
// the name of the committee's seat: 多福巷社区居委会 → 多福巷社区, 华堂村委会 → 华堂村.
var committeeSuffixes = [][2]string{{"村村民委员会", "村"}, {"村村委会", "村"}, {"村民委员会", "村"}, {"村委会", "村"},
	{"居民委员会", ""}, {"居委会", ""}, {"委员会", ""}}

// SeatName returns the seat name of a village-level division; a trailing
// bracketed note stays (北扎兰营子村委会（一分场） → 北扎兰营子（一分场）).
func SeatName(division string) string {
	if i := strings.LastIndex(division, "（"); i > 0 && strings.HasSuffix(division, "）") {
		if head := SeatName(division[:i]); head != division[:i] {
			return head + division[i:]
		}
	}
	for _, s := range committeeSuffixes {
		if n, ok := strings.CutSuffix(division, s[0]); ok && n != "" {
			return n + s[1]
		}
	}
	return division
}

// NewPlace is what it takes to record a standard name directly (imports,
// approved applications).
type NewPlace struct {
	Name     string
	Specific string // optional: split from Name when empty
	Generic  string
	// Kind is the type (建制类型) of the division the name names, when known:
	// 林区 is a generic only for a division of type 林区.
	Kind         string
	Category     Category
	Subcategory  string
	Readings     Readings
	DivisionCode string
	Meaning      string
	Origin       string
	History      string
	Description  string
	Geometry     orb.Geometry
	ApprovedBy   string
	ApprovedOn   *time.Time
	ApprovalDoc  string
	Generated    bool
}

// Build validates np, splits and romanizes it with z, and returns the
// Place to store. It returns Invalid with the fields to fix.
func (np NewPlace) Build(z *romanize.Romanizer) (Place, error) { return np.build(z, false) }

// BuildLenient is Build for imports of official names: characters without
// a known reading are listed in Unread instead of failing.
func (np NewPlace) BuildLenient(z *romanize.Romanizer) (Place, error) { return np.build(z, true) }

func (np NewPlace) build(z *romanize.Romanizer, lenient bool) (Place, error) {
	const op = "gazetteer.NewPlace"
	fe := diming.FieldErrors{}
	np.Name = strings.TrimSpace(np.Name)
	if np.Specific == "" && np.Generic == "" {
		np.Specific, np.Generic = romanize.Split(np.Name, np.Kind)
	}
	if np.Name == "" {
		np.Name = np.Specific + np.Generic
	}
	switch {
	case np.Name == "":
		fe.Add("name", "必填：地名")
	case np.Specific+np.Generic != np.Name:
		fe.Add("specific", "专名与通名连起来应等于地名")
	case utf8.RuneCountInString(np.Name) > 60:
		fe.Add("name", "地名最多 60 个字")
	}
	if !np.Category.Valid() {
		fe.Add("category", "地名类别应为 1–8 之一（地名管理条例第三条的八类）")
	}
	if !validDivisionCode(np.DivisionCode) {
		fe.Add("division_code", "行政区划代码应为 6、9 或 12 位数字")
	}
	if err := fe.Err(op); err != nil {
		return Place{}, err
	}
	p := Place{Name: np.Name, Specific: np.Specific, Generic: np.Generic, Category: np.Category, Subcategory: np.Subcategory,
		Readings: np.Readings, DivisionCode: np.DivisionCode, Meaning: np.Meaning, Origin: np.Origin, History: np.History,
		Description: np.Description, Geometry: np.Geometry, ApprovedBy: np.ApprovedBy, ApprovedOn: np.ApprovedOn,
		ApprovalDoc: np.ApprovalDoc, Status: Current, ValidFrom: np.ApprovedOn, Generated: np.Generated, Version: 1}
	var err error
	if lenient {
		p.Romanization, p.Unread, err = z.NameLenient(p.romanizeName())
	} else {
		p.Romanization, err = z.Name(p.romanizeName())
	}
	if err != nil {
		return Place{}, diming.E(op, err)
	}
	return p, nil
}

func validDivisionCode(c string) bool {
	switch len(c) {
	case 6, 9, 12:
		return strings.Trim(c, "0123456789") == ""
	}
	return false
}

// PlaceUpdate changes the descriptive fields of a place; nil fields stay.
// Names change only by renaming, never by an update.
type PlaceUpdate struct {
	Meaning     *string
	Origin      *string
	History     *string
	Description *string
	Geometry    orb.Geometry
	Readings    *Readings // re-romanizes the name
	Version     int
}

// Reromanize spells p's name again with z and p's own readings; characters
// without a reading are left out and listed, as for imports.
func (p Place) Reromanize(z *romanize.Romanizer) (Romanization, []int, error) {
	return z.NameLenient(p.romanizeName())
}
