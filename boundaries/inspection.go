package boundaries

import (
	"strings"
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

// CheckStatuses are the states a marker check records, in the order a
// form offers them, with their Chinese labels.
var CheckStatuses = []struct{ Code, Label string }{
	{"intact", "完好"}, {"damaged", "损坏"}, {"missing", "丢失"}, {"moved", "移位"}, {"repaired", "已修复"},
}

func validCheckStatus(s string) bool {
	for _, c := range CheckStatuses {
		if c.Code == s {
			return true
		}
	}
	return false
}

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
		fe.Add("inspected_on", "请填写实地检查的日期（不能晚于今天）")
	}
	ids := map[int64]bool{}
	for _, m := range markers {
		ids[m.ID] = true
	}
	seen := map[int64]bool{}
	for _, c := range n.Checks {
		switch {
		case !ids[c.MarkerID]:
			fe.Add("checks", "检查记录中有界桩不在本界线上")
		case seen[c.MarkerID]:
			fe.Add("checks", "同一界桩被检查了两次")
		case !validCheckStatus(c.Status):
			fe.Add("checks", "界桩状态须为完好、损坏、丢失、移位或已修复")
		case c.Status != "intact" && strings.TrimSpace(c.Findings) == "":
			fe.Add("checks", "界桩 "+c.Number+" 不完好，请写明检查发现的情况")
		}
		seen[c.MarkerID] = true
	}
	return fe.Err("boundaries.NewInspection")
}

// AuthorizeSignature decides who may sign an inspection off for one side
// of line l: an inspector scoped to that side's division (a user of that
// side), who has not signed the other side. A user whose
// scope covers both sides (a city or the whole country) signs neither:
// each side vouches for its own field check. Invalid when side is not a
// side of the line, Conflict when the side has signed already,
// Unauthorized or Forbidden otherwise.
func AuthorizeSignature(u *diming.User, l Line, in Inspection, side string) error {
	const op = "boundaries.SignInspection"
	var signed, other string
	switch side {
	case l.LeftCode:
		signed, other = in.LeftSignedBy, in.RightSignedBy
	case l.RightCode:
		signed, other = in.RightSignedBy, in.LeftSignedBy
	default:
		return diming.E(op, diming.Invalid, "签认的一方不在本界线上", map[string]string{"side": "请选择本界线的一方：" + l.LeftCode + " 或 " + l.RightCode})
	}
	switch {
	case u == nil:
		return diming.E(op, diming.Unauthorized, "请先登录")
	case !u.Has(diming.RoleInspector):
		return diming.E(op, diming.Forbidden, "签认联检需要界线联检员角色")
	case u.Scope == "" || !u.InScope(side) || !strings.HasPrefix(u.Scope, diming.CodePrefix(side)):
		return diming.E(op, diming.Forbidden, "联检须由各方自己的联检员签认：你的管辖范围（"+scopeName(u.Scope)+"）不是 "+side+" 一方")
	case other != "" && other == u.Username:
		return diming.E(op, diming.Forbidden, "你已代表另一方签认，同一人不能签认双方")
	case signed != "":
		return diming.E(op, diming.Conflict, side+" 一方已由 "+signed+" 签认")
	}
	return nil
}

func scopeName(scope string) string {
	if scope == "" {
		return "全国"
	}
	return scope
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
