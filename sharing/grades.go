package sharing

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
)

// FieldGrade is one entry of the registry: the grade of one field of one
// kind of record, as it appears in the record's JSON (API answers, audit
// snapshots, the change feed and exports).
type FieldGrade struct {
	Entity string       `json:"entity"`
	Field  string       `json:"field"`
	Grade  diming.Grade `json:"grade"`
	// Phone fields carry a sibling FieldKind (work or personal); a caller
	// below the field's grade sees them as the scan page shows them
	// (doorplate.ShowPhone under the phone policy), not starred.
	Phone bool   `json:"phone,omitempty"`
	Note  string `json:"note,omitempty"`
}

// registry is every graded field. A field of a listed entity that is not
// listed is internal: new fields stay out of public answers until someone
// grades them.
var registry = []FieldGrade{
	// Divisions and standard names are published by law (公告).
	{Entity: "division", Field: "*", Grade: diming.GradePublic, Note: "行政区划代码、名称、层级、驻地均为公开信息"},
	{Entity: "place", Field: "*", Grade: diming.GradePublic, Note: "标准地名经公告公开"},
	{Entity: "place", Field: "Reasons", Grade: diming.GradeInternal, Note: "命名理由（申请材料）"},
	{Entity: "street", Field: "*", Grade: diming.GradePublic},
	// Addresses: the text, code and position are on the plate itself.
	{Entity: "address", Field: "ID", Grade: diming.GradePublic},
	{Entity: "address", Field: "Code", Grade: diming.GradePublic, Note: "标准地址编码（一址一码）"},
	{Entity: "address", Field: "DivisionCode", Grade: diming.GradePublic},
	{Entity: "address", Field: "StreetID", Grade: diming.GradePublic},
	{Entity: "address", Field: "AreaName", Grade: diming.GradePublic},
	{Entity: "address", Field: "DoorNumber", Grade: diming.GradePublic},
	{Entity: "address", Field: "DoorSuffix", Grade: diming.GradePublic},
	{Entity: "address", Field: "Building", Grade: diming.GradePublic},
	{Entity: "address", Field: "Unit", Grade: diming.GradePublic},
	{Entity: "address", Field: "Floor", Grade: diming.GradeInternal, Note: "楼层与户室号只在门牌内部使用"},
	{Entity: "address", Field: "Room", Grade: diming.GradeInternal, Note: "户室号"},
	{Entity: "address", Field: "FullText", Grade: diming.GradePublic},
	{Entity: "address", Field: "Pinyin", Grade: diming.GradePublic},
	{Entity: "address", Field: "Position", Grade: diming.GradePublic},
	{Entity: "address", Field: "PositionSource", Grade: diming.GradePublic},
	{Entity: "address", Field: "Entrances", Grade: diming.GradeInternal},
	{Entity: "address", Field: "Status", Grade: diming.GradePublic},
	{Entity: "address", Field: "Lifecycle", Grade: diming.GradePublic},
	{Entity: "address", Field: "ValidFrom", Grade: diming.GradePublic},
	{Entity: "address", Field: "ValidTo", Grade: diming.GradePublic},
	{Entity: "address", Field: "Version", Grade: diming.GradePublic},
	// Plates: the public id is printed on the wall; batches are work data.
	{Entity: "plate", Field: "*", Grade: diming.GradeInternal},
	{Entity: "plate", Field: "PublicID", Grade: diming.GradePublic},
	{Entity: "plate", Field: "AddressID", Grade: diming.GradePublic},
	{Entity: "plate", Field: "Status", Grade: diming.GradePublic},
	{Entity: "plate", Field: "ReplacedBy", Grade: diming.GradePublic},
	{Entity: "plate", Field: "Code", Grade: diming.GradePublic},
	{Entity: "plate", Field: "URL", Grade: diming.GradePublic},
	{Entity: "plate", Field: "FullText", Grade: diming.GradePublic},
	// Grids and community contacts: names and work phones are on the scan
	// page; personal numbers are sensitive (DOMAIN.md rule 31).
	{Entity: "grid", Field: "*", Grade: diming.GradePublic},
	{Entity: "grid", Field: "WorkerPhone", Grade: diming.GradeSensitive, Phone: true, Note: "个人手机号按门牌页规则打码"},
	{Entity: "grid", Field: "PolicePhone", Grade: diming.GradeSensitive, Phone: true},
	{Entity: "community", Field: "*", Grade: diming.GradePublic},
	{Entity: "community", Field: "PolicePhone", Grade: diming.GradeSensitive, Phone: true},
	// Linked records: the record's own grade and its kind's schema decide
	// the payload (see Mask); the envelope is graded here.
	{Entity: "linked_record", Field: "*", Grade: diming.GradePublic},
	{Entity: "linked_record", Field: "payload", Grade: diming.GradeSensitive, Note: "按部门登记的字段等级逐项打码"},
}

// Registry returns the registry, for the API documentation.
func Registry() []FieldGrade { return slices.Clone(registry) }

// entityGrades is the registry indexed by entity, built once.
type entityGrades struct {
	fields map[string]FieldGrade
	rest   diming.Grade // unlisted fields
	top    diming.Grade // the highest grade of any field
	phones bool
}

var registryIndex = sync.OnceValue(func() map[string]*entityGrades {
	m := map[string]*entityGrades{}
	for _, f := range registry {
		e := m[f.Entity]
		if e == nil {
			e = &entityGrades{fields: map[string]FieldGrade{}, rest: diming.GradeInternal, top: diming.GradePublic}
			m[f.Entity] = e
		}
		if f.Field == "*" {
			e.rest = f.Grade
		} else {
			e.fields[f.Field] = f
		}
		e.phones = e.phones || f.Phone
	}
	for _, e := range m {
		e.top = e.rest
		for _, f := range e.fields {
			if f.Grade.Rank() > e.top.Rank() {
				e.top = f.Grade
			}
		}
	}
	return m
})

// GradeOf returns the grade of entity's field: its own entry, else the
// entity's "*" entry, else internal; and whether it is a phone field.
func GradeOf(entity, field string) (diming.Grade, bool) {
	e := registryIndex()[entity]
	if e == nil {
		return diming.GradeInternal, false
	}
	if f, ok := e.fields[field]; ok {
		return f.Grade, f.Phone
	}
	return e.rest, false
}

// wholly reports whether a caller of grade g sees every field of entity
// as stored, with nothing sensitive among them to log.
func wholly(entity string, g diming.Grade) bool {
	e := registryIndex()[entity]
	if e == nil {
		return g.Allows(diming.GradeInternal)
	}
	return !e.phones && g.Allows(e.top) && e.top != diming.GradeSensitive
}

// CallerGrade is the grade of data u sees of a record in division: public
// for anonymous callers and outside u's scope, else u's own grade
// (internal unless set; an API token may have narrowed it).
func CallerGrade(u *diming.User, division string) diming.Grade {
	if u == nil || !u.InScope(division) {
		return diming.GradePublic
	}
	if u.Grade == "" {
		return diming.GradeInternal
	}
	return u.Grade
}

// PhonesVisible reports whether u sees personal phone numbers of records
// in division as stored: sensitive-grade callers, and the community's
// keepers (doorplate.PhonesVisible) as they always did.
func PhonesVisible(u *diming.User, division string) bool {
	return CallerGrade(u, division).Allows(diming.GradeSensitive) || doorplate.PhonesVisible(u, division)
}

// Visible reports whether u sees entity's field of a record in division as
// stored. Personal phone numbers are seen by grade, and by the keepers of
// the community (doorplate.PhonesVisible), as they always were.
func Visible(u *diming.User, entity, field, division string) bool {
	g, phone := GradeOf(entity, field)
	if phone {
		return PhonesVisible(u, division)
	}
	return CallerGrade(u, division).Allows(g)
}

// Masked is what a starred value reads.
const Masked = "***"

// MaskSnapshot returns a JSON snapshot of an entity's record (an audit
// row's before or after, a change-feed entry) as u may see it in
// division, and the sensitive fields it shows unmasked (to log). Fields
// above u's grade become Masked (strings) or null; phone fields the scan
// page's way under policy. Snapshots that are not JSON objects come back
// unchanged.
func MaskSnapshot(raw []byte, entity, division string, u *diming.User, policy doorplate.PhonePolicy) ([]byte, []string) {
	if len(raw) == 0 || raw[0] != '{' || wholly(entity, CallerGrade(u, division)) {
		return raw, nil
	}
	phones := PhonesVisible(u, division)
	if !phones {
		// Numbers with a kind, at any depth, the scan page's way.
		raw = doorplate.MaskSnapshot(raw, policy)
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return raw, nil
	}
	var sensitive []string
	changed := false
	for k, v := range obj {
		if strings.HasSuffix(k, "Kind") && obj[strings.TrimSuffix(k, "Kind")] != nil {
			continue
		}
		g, phone := GradeOf(entity, k)
		if phone && !phones {
			continue // masked above
		}
		if Visible(u, entity, k, division) {
			if g == diming.GradeSensitive && !isEmpty(v) {
				sensitive = append(sensitive, k)
			}
			continue
		}
		changed = true
		switch {
		case len(v) > 0 && v[0] == '"':
			obj[k] = json.RawMessage(`"` + Masked + `"`)
		default:
			obj[k] = json.RawMessage(`null`)
		}
	}
	if !changed {
		return raw, sensitive
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return raw, sensitive
	}
	slices.Sort(sensitive)
	return out, sensitive
}

func isEmpty(v json.RawMessage) bool {
	s := string(v)
	return s == `""` || s == "null" || s == "{}" || s == "[]"
}
