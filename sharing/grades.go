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
	Phone bool `json:"phone,omitempty"`
	// Rule names the rule that masks the field's content itself, field by
	// field, when it holds other records: "kind" (a linked record's
	// payload, by its kind's schema: Mask) or "snapshot" (an audit or
	// change-feed snapshot, by the snapshot's entity: MaskSnapshot). Grade
	// is then the grade of the content where no such rule applies.
	Rule string `json:"rule,omitempty"`
	Note string `json:"note,omitempty"`
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

// norm is a field name as the registry compares it: answers name fields
// in snake_case (division_code), snapshots by their Go names
// (DivisionCode); both are the same field.
func norm(field string) string {
	return strings.ToLower(strings.ReplaceAll(field, "_", ""))
}

var registryIndex = sync.OnceValue(func() map[string]*entityGrades {
	m := map[string]*entityGrades{}
	for _, f := range registry {
		f.Field = norm(f.Field)
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
	if f, ok := e.fields[norm(field)]; ok {
		return f.Grade, f.Phone
	}
	return e.rest, false
}

// Registered returns entity's own registry entry for field: every field an
// answer shows has one (web's route test checks it); fields of snapshots
// may fall back on the entity's "*" entry.
func Registered(entity, field string) (FieldGrade, bool) {
	e := registryIndex()[entity]
	if e == nil {
		return FieldGrade{}, false
	}
	f, ok := e.fields[norm(field)]
	return f, ok
}

// Entities lists the entities of the registry, sorted.
func Entities() []string {
	out := make([]string, 0, len(registryIndex()))
	for e := range registryIndex() {
		out = append(out, e)
	}
	slices.Sort(out)
	return out
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

// Decision is what a caller sees of one field (Decide).
type Decision int

// The decisions.
const (
	FieldShown  Decision = iota // as stored
	FieldMasked                 // starred (strings) or null
	FieldPhone                  // a personal number the scan page's way (doorplate.ShowPhone)
)

// Decide is the one rule of what u sees of entity's field of a record in
// division: the field as stored, masked (above u's grade), or, for a phone
// field u may not see as stored, as the scan page shows it; and whether
// showing it is a read of sensitive-grade data (to log). Unregistered
// fields are internal.
func Decide(u *diming.User, entity, field, division string) (d Decision, sensitive bool) {
	g, phone := GradeOf(entity, field)
	switch {
	case phone && !PhonesVisible(u, division):
		return FieldPhone, false
	case phone || CallerGrade(u, division).Allows(g):
		return FieldShown, g == diming.GradeSensitive
	}
	return FieldMasked, false
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
	masked := map[string]any{}
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
		var orig any
		_ = json.Unmarshal(v, &orig)
		masked[k] = orig
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
	derived := make(map[string]any, len(obj))
	for k, v := range obj {
		var x any
		_ = json.Unmarshal(v, &x)
		derived[k] = x
	}
	Derive(entity, derived, masked)
	for _, k := range []string{"FullText", "Pinyin", "full_text", "pinyin"} {
		if x, ok := derived[k]; ok {
			obj[k], _ = json.Marshal(x)
		}
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

// DivisionField is the field of entity's records that names the division
// they lie in (the scope CallerGrade reads): division_code unless listed.
func DivisionField(entity string) string {
	switch entity {
	case "division":
		return "code"
	case "grid", "community", "grid_summary":
		return "community_code"
	case "boundary_marker":
		return "side_code"
	case "boundary_line":
		return "left_code"
	}
	return "division_code"
}

// Derive applies what masking some fields of a record means for the fields
// made from them: an address's full text names its floor and room last
// (doorplate.Components), so with those masked the text loses them, and
// its pinyin, which cannot be cut by component, is masked. masked holds
// the values of the fields just masked, by name; obj is the record's JSON.
func Derive(entity string, obj map[string]any, masked map[string]any) {
	if entity != "address" || len(masked) == 0 {
		return
	}
	var a doorplate.Address
	for k, v := range masked {
		s, _ := v.(string)
		switch norm(k) {
		case "floor":
			a.Floor = s
		case "room":
			a.Room = s
		}
	}
	if a.Floor == "" && a.Room == "" {
		return
	}
	for _, k := range []string{"full_text", "FullText"} {
		if full, ok := obj[k].(string); ok {
			obj[k] = withoutRooms(full, a)
		}
	}
	for _, k := range []string{"pinyin", "Pinyin"} {
		if p, ok := obj[k].(string); ok && p != "" {
			obj[k] = Masked
		}
	}
}

// withoutRooms is an address's full text without the floor and room of a
// (doorplate.Components puts them last).
func withoutRooms(full string, a doorplate.Address) string {
	return strings.TrimSuffix(full, strings.Join(doorplate.Components(nil, "", doorplate.Address{Floor: a.Floor, Room: a.Room}), ""))
}
