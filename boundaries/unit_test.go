package boundaries_test

import (
	"math"
	"testing"
	"unicode"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/paulmach/orb"
)

func TestGCJ02RoundTrip(t *testing.T) {
	tests := []struct {
		name string
		wgs  orb.Point
	}{
		{"三门县", orb.Point{121.38, 29.11}},
		{"嘉鱼县", orb.Point{113.93, 29.97}},
		{"outside China", orb.Point{2.35, 48.85}},
	}
	for _, tt := range tests {
		g := boundaries.WGS84ToGCJ02(tt.wgs)
		back := boundaries.GCJ02ToWGS84(g)
		if math.Abs(back[0]-tt.wgs[0]) > 1e-8 || math.Abs(back[1]-tt.wgs[1]) > 1e-8 {
			t.Errorf("%s: GCJ02ToWGS84(WGS84ToGCJ02(%v)) = %v", tt.name, tt.wgs, back)
		}
	}
	// The offset in Zhejiang is about 500 m.
	g := boundaries.WGS84ToGCJ02(orb.Point{121.38, 29.11})
	if d := math.Hypot((g[0]-121.38)*97000, (g[1]-29.11)*111000); d < 200 || d > 900 {
		t.Errorf("GCJ-02 offset near 三门 = %.0f m, want about 500 m", d)
	}
}

func TestValidateCodeAndNames(t *testing.T) {
	tests := []struct {
		code   string
		level  boundaries.Level
		parent string
		ok     bool
	}{
		{"330000", boundaries.Province, "", true},
		{"330600", boundaries.Prefecture, "330000", true},
		{"330602", boundaries.County, "330600", true},
		{"330602001", boundaries.Township, "330602", true},
		{"330602001004", boundaries.Village, "330602001", true},
		{"330602", boundaries.County, "330700", false},
		{"33060", boundaries.County, "", false},
		{"330602001", boundaries.Village, "", false},
	}
	for _, tt := range tests {
		if err := boundaries.ValidateCode(tt.code, tt.level, tt.parent); (err == nil) != tt.ok {
			t.Errorf("ValidateCode(%s, %d, %s) = %v, want ok %v", tt.code, tt.level, tt.parent, err, tt.ok)
		}
	}
	if got := boundaries.LineName("越城区", "上虞区"); got != "越城区—上虞区线" {
		t.Errorf("LineName = %s", got)
	}
	if got := boundaries.MarkerNumber("0A1B", 7, "Q"); got != "0A1B007Q" {
		t.Errorf("MarkerNumber = %s", got)
	}
	for name, want := range map[string]string{"塔山街道": "街道", "心湖社区": "居委会", "海游镇": "镇", "东街社区居委会": "居委会"} {
		lvl := boundaries.Township
		if want == "居委会" {
			lvl = boundaries.Village
		}
		if got := boundaries.KindOfName(name, lvl); got != want {
			t.Errorf("KindOfName(%s) = %s, want %s", name, got, want)
		}
	}
}

// TestAuthorizeSignature: each side of a joint inspection is signed by an
// inspector of that side's division, never by one user for both sides.
func TestAuthorizeSignature(t *testing.T) {
	l := boundaries.Line{LeftCode: "330602", RightCode: "330604"}
	user := func(name, scope string, roles ...diming.Role) *diming.User {
		return &diming.User{Username: name, Scope: scope, Roles: roles}
	}
	yue := user("yue", "330602", diming.RoleInspector)
	yueTown := user("yue-town", "330602001", diming.RoleInspector)
	shangyu := user("shangyu", "330604", diming.RoleInspector)
	city := user("city", "330600", diming.RoleInspector)
	national := user("root", "", diming.RoleAdmin)
	clerk := user("clerk", "330602", diming.RoleCommittee)
	tests := []struct {
		name string
		u    *diming.User
		in   boundaries.Inspection
		side string
		want diming.Kind // Internal means allowed
		ok   bool
	}{
		{"own side", yue, boundaries.Inspection{}, "330602", 0, true},
		{"a township inspector for the county's side", yueTown, boundaries.Inspection{}, "330602", diming.Forbidden, false},
		{"the other side", yue, boundaries.Inspection{}, "330604", diming.Forbidden, false},
		{"a city inspector covering both sides", city, boundaries.Inspection{}, "330602", diming.Forbidden, false},
		{"a national admin", national, boundaries.Inspection{}, "330604", diming.Forbidden, false},
		{"not an inspector", clerk, boundaries.Inspection{}, "330602", diming.Forbidden, false},
		{"anonymous", nil, boundaries.Inspection{}, "330602", diming.Unauthorized, false},
		{"not a side of the line", yue, boundaries.Inspection{}, "330603", diming.Invalid, false},
		{"second side after the first", shangyu, boundaries.Inspection{LeftSignedBy: "yue"}, "330604", 0, true},
		{"same user for the second side", user("yue", "330604", diming.RoleInspector), boundaries.Inspection{LeftSignedBy: "yue"}, "330604", diming.Forbidden, false},
		{"side signed already", yue, boundaries.Inspection{LeftSignedBy: "yue2"}, "330602", diming.Conflict, false},
	}
	for _, tt := range tests {
		err := boundaries.AuthorizeSignature(tt.u, l, tt.in, tt.side)
		if (err == nil) != tt.ok || (!tt.ok && diming.KindOf(err) != tt.want) {
			t.Errorf("%s: AuthorizeSignature = %v, want ok %v kind %v", tt.name, err, tt.ok, tt.want)
		}
		if err != nil && !hasHan(err.Error()) {
			t.Errorf("%s: message %q is not in Chinese", tt.name, err)
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
