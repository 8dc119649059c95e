package boundaries_test

import (
	"math"
	"testing"

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
