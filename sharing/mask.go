package sharing

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming"
)

// View is a linked record as one caller sees it: fields above the
// caller's grade are Masked and named in MaskedFields.
type View struct {
	Record
	DepartmentName string   `json:"department_name,omitempty"`
	KindLabel      string   `json:"kind_label,omitempty"`
	MaskedFields   []string `json:"masked_fields,omitempty"`
}

// Linked is a record with what it takes to show it: its kind (schema) and
// its department's name.
type Linked struct {
	Record
	Kind           Kind
	DepartmentName string
}

// Mask returns l as u sees it, and the sensitive-grade fields it shows
// (a read to log). ok is false when the record's grade is above what u
// sees of its division: the caller is not told it exists.
func Mask(l Linked, u *diming.User) (v View, sensitive []string, ok bool) {
	g := CallerGrade(u, l.DivisionCode)
	if !g.Allows(l.Grade) {
		return View{}, nil, false
	}
	v = View{Record: l.Record, DepartmentName: l.DepartmentName, KindLabel: l.Kind.Label}
	v.Payload = make(map[string]any, len(l.Payload))
	for name, val := range l.Payload {
		fg := l.Grade
		if f, ok := l.Kind.field(name); ok && f.Grade.Rank() > fg.Rank() {
			fg = f.Grade
		} else if !ok {
			fg = diming.GradeSensitive // not in the schema (any more): closed
		}
		switch {
		case !g.Allows(fg):
			v.Payload[name] = Masked
			v.MaskedFields = append(v.MaskedFields, name)
		case fg == diming.GradeSensitive:
			v.Payload[name] = val
			sensitive = append(sensitive, "payload."+name)
		default:
			v.Payload[name] = val
		}
	}
	slices.Sort(v.MaskedFields)
	slices.Sort(sensitive)
	return v, sensitive, true
}

// ScanText is what the scan page shows of an address's linked records:
// what an anonymous caller sees (Mask with no user) of the active records
// valid on day, one line per record, "title\x1ftext", in the order given.
// Masked fields are left out, not starred.
func ScanText(links []Linked, day string) string {
	var b strings.Builder
	for _, l := range links {
		if !validOn(l, day) {
			continue
		}
		v, _, ok := Mask(l, nil)
		if !ok {
			continue
		}
		b.WriteString(l.DepartmentName)
		b.WriteString(" · ")
		b.WriteString(l.Kind.Label)
		b.WriteByte('\x1f')
		sep := ""
		for _, f := range l.Kind.Fields { // in schema order
			val, ok := v.Payload[f.Name]
			if !ok || slices.Contains(v.MaskedFields, f.Name) {
				continue
			}
			b.WriteString(sep + f.Label + "：" + ShowValue(val))
			sep = "；"
		}
		if l.ValidTo != "" {
			b.WriteString(sep + "有效期至 " + l.ValidTo)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// validOn reports whether l is an active record valid on day.
func validOn(l Linked, day string) bool {
	return l.Status == "active" && (l.ValidFrom == "" || l.ValidFrom <= day) && (l.ValidTo == "" || l.ValidTo >= day)
}

// ScanUntil is when what ScanText shows of links at now next changes by
// the calendar alone: the start (Beijing time) of the earliest valid_from
// still to come or of the day after the earliest valid_to not yet passed,
// among the records the scan page could show. Zero when no date ahead
// changes it. A cache holding ScanText's answer must read it again then.
func ScanUntil(links []Linked, now time.Time) time.Time {
	day := Today(now)
	var until time.Time
	earliest := func(d string, next bool) {
		t, err := time.ParseInLocation(time.DateOnly, d, beijing)
		if err != nil {
			return
		}
		if next {
			t = t.AddDate(0, 0, 1)
		}
		if until.IsZero() || t.Before(until) {
			until = t
		}
	}
	for _, l := range links {
		if l.Status != "active" {
			continue
		}
		if _, _, ok := Mask(l, nil); !ok {
			continue // never on the scan page
		}
		if l.ValidFrom != "" && l.ValidFrom > day {
			earliest(l.ValidFrom, false)
		}
		if l.ValidTo != "" && l.ValidTo >= day {
			earliest(l.ValidTo, true)
		}
	}
	return until
}

// ShowValue is how a payload value reads to a person, on the scan page
// and in the workspace alike: 是/否 for yes and no, numbers as written.
func ShowValue(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "是"
		}
		return "否"
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// beijing is the time zone of validity dates.
var beijing = time.FixedZone("CST", 8*3600)

// Today is the date the scan page's validity checks use (Beijing time).
func Today(now time.Time) string {
	return now.In(beijing).Format(time.DateOnly)
}
