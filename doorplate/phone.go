package doorplate

import (
	"bytes"
	"encoding/json"
	"strings"
)

// PhoneKind says whose number a contact phone is.
type PhoneKind string

// Work numbers (duty phones, office lines, relay numbers) may be shown and
// dialled; personal mobiles are masked or hidden (DOMAIN.md rule 31).
const (
	PhoneWork     PhoneKind = "work"
	PhonePersonal PhoneKind = "personal"
)

// PhonePolicy is how the scan page shows personal numbers.
type PhonePolicy string

// The policies. The default is PhoneMask.
const (
	PhoneMask PhonePolicy = "mask" // personal numbers as 138****0000, not dialable
	PhoneHide PhonePolicy = "hide" // personal numbers left out
	PhoneFull PhonePolicy = "full" // personal numbers shown in full (Xiamen practice)
)

// ValidPhonePolicy reports whether p is a known policy.
func ValidPhonePolicy(p PhonePolicy) bool { return p == PhoneMask || p == PhoneHide || p == PhoneFull }

// Phone is a number as the scan page shows it.
type Phone struct {
	Display string // what is printed; empty when nothing may be shown
	Dial    string // the tel: target; empty when it cannot be dialled
	Masked  bool
}

// ShowPhone applies the policy to a number of the given kind.
func ShowPhone(number string, kind PhoneKind, p PhonePolicy) Phone {
	number = strings.TrimSpace(number)
	if number == "" {
		return Phone{}
	}
	if kind == PhoneWork || p == PhoneFull {
		return Phone{Display: number, Dial: dialable(number)}
	}
	if p == PhoneHide {
		return Phone{}
	}
	return Phone{Display: MaskPhone(number), Masked: true}
}

// MaskPhone hides the middle of a number: 13812340000 → 138****0000.
// Short numbers keep only their last two digits.
func MaskPhone(number string) string {
	r := []rune(number)
	switch {
	case len(r) >= 11:
		return string(r[:3]) + "****" + string(r[len(r)-4:])
	case len(r) > 4:
		return strings.Repeat("*", len(r)-2) + string(r[len(r)-2:])
	}
	return "****"
}

func dialable(number string) string {
	var b strings.Builder
	for _, c := range number {
		if c >= '0' && c <= '9' || c == '+' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// MaskSnapshot applies ShowPhone to every phone number in a JSON snapshot
// of a record (an audit log's before or after): any string field X with a
// sibling XKind, as Grid and CommunityInfo store theirs, at any depth. A
// number hidden by the policy becomes "". Snapshots that are not JSON
// objects or arrays come back unchanged.
func MaskSnapshot(raw []byte, p PhonePolicy) []byte {
	if len(raw) == 0 {
		return raw
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // ids and counts come back digit for digit
	if err := dec.Decode(&v); err != nil {
		return raw
	}
	maskValue(v, p)
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return out
}

func maskValue(v any, p PhonePolicy) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			kind, hasKind := x[k+"Kind"].(string)
			if num, ok := val.(string); ok && hasKind {
				x[k] = ShowPhone(num, PhoneKind(kind), p).Display
				continue
			}
			maskValue(val, p)
		}
	case []any:
		for _, e := range x {
			maskValue(e, p)
		}
	}
}
