package doorplate_test

import (
	"flag"
	"github.com/diming/diming/boundaries"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/paulmach/orb"
)

var update = flag.Bool("update", false, "rewrite golden files")

func near(a, b, eps float64) bool { return math.Abs(a-b) <= eps }

// xy adapts a point conversion to the lon, lat form of the BD-09 ones.
func xy(f func(orb.Point) orb.Point) func(float64, float64) (float64, float64) {
	return func(lon, lat float64) (float64, float64) {
		p := f(orb.Point{lon, lat})
		return p[0], p[1]
	}
}

// Reference values from wandergis/coordtransform's published test output.
func TestCoordinateConversions(t *testing.T) {
	tests := []struct {
		name     string
		fn       func(float64, float64) (float64, float64)
		in, want orb.Point
		eps      float64
	}{
		{"WGS84→GCJ02 Beijing", xy(boundaries.WGS84ToGCJ02), orb.Point{116.404, 39.915}, orb.Point{116.41024449916938, 39.91640428150164}, 1e-9},
		{"GCJ02→BD09 Beijing", doorplate.GCJ02ToBD09, orb.Point{116.404, 39.915}, orb.Point{116.41036949371029, 39.92133699351021}, 1e-9},
		{"BD09→GCJ02 Beijing", doorplate.BD09ToGCJ02, orb.Point{116.404, 39.915}, orb.Point{116.39762729119315, 39.90865673957631}, 1e-9},
		// The published one-step inverse is approximate; ours iterates,
		// so it agrees to about a metre (1e-5°).
		{"GCJ02→WGS84 Beijing", xy(boundaries.GCJ02ToWGS84), orb.Point{116.404, 39.915}, orb.Point{116.39775550083061, 39.91359571849836}, 1e-5},
		{"outside China unchanged", xy(boundaries.WGS84ToGCJ02), orb.Point{2.35, 48.85}, orb.Point{2.35, 48.85}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, y := tt.fn(tt.in[0], tt.in[1])
			if !near(x, tt.want[0], tt.eps) || !near(y, tt.want[1], tt.eps) {
				t.Errorf("got %.12f,%.12f, want %.12f,%.12f", x, y, tt.want[0], tt.want[1])
			}
		})
	}
	// Round trips: Shaoxing, Sanmen, Jiayu.
	for _, p := range []orb.Point{{120.58, 30.0}, {121.39, 29.1}, {113.94, 29.97}} {
		gx, gy := xy(boundaries.WGS84ToGCJ02)(p[0], p[1])
		if d := math.Hypot(gx-p[0], gy-p[1]); d < 0.001 || d > 0.01 {
			t.Errorf("GCJ-02 offset at %v = %.5f°, want a few hundred metres", p, d)
		}
		wx, wy := xy(boundaries.GCJ02ToWGS84)(gx, gy)
		if !near(wx, p[0], 1e-8) || !near(wy, p[1], 1e-8) {
			t.Errorf("GCJ02ToWGS84(WGS84ToGCJ02(%v)) = %v,%v", p, wx, wy)
		}
		bx, by := doorplate.GCJ02ToBD09(gx, gy)
		rx, ry := doorplate.BD09ToGCJ02(bx, by)
		if !near(rx, gx, 1e-5) || !near(ry, gy, 1e-5) {
			t.Errorf("BD09 round trip at %v off by %g,%g", p, rx-gx, ry-gy)
		}
	}
}

func mustKeys(t *testing.T, s string) doorplate.Keys {
	t.Helper()
	ks, err := doorplate.ParseKeys(s)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

func TestSignVerifyRotate(t *testing.T) {
	k1 := "k1:" + strings.Repeat("QUJD", 11)
	k2 := "k2:" + strings.Repeat("WFla", 11)
	old := mustKeys(t, k1)
	code, err := old.Sign("0123456789ab", "k1")
	if err != nil {
		t.Fatal(err)
	}
	rotated := mustKeys(t, k2+","+k1)
	if pid, kid, err := rotated.Verify(code); err != nil || pid != "0123456789ab" || kid != "k1" {
		t.Errorf("old code after rotation = %s %s %v", pid, kid, err)
	}
	if rotated.Current() != "k2" {
		t.Errorf("Current() = %s, want k2", rotated.Current())
	}
	tampered := []string{
		code[:len(code)-1] + "x", strings.Replace(code, "0123", "0124", 1), "0123456789ab", "", ".", "..", "0123456789ab.k1.",
		"0123456789ab.k3." + code[len(code)-20:], strings.Repeat("é", 40), "0123456789ab.K1." + code[len(code)-20:],
	}
	for _, c := range tampered {
		if _, _, err := rotated.Verify(c); diming.KindOf(err) != diming.Invalid {
			t.Errorf("Verify(%q) = %v, want Invalid", c, err)
		}
	}
	if _, _, err := mustKeys(t, k2).Verify(code); err == nil {
		t.Error("a code signed with a retired key still verifies")
	}
	for _, bad := range []string{"", "k1", "k1:c2hvcnQ=", "K1:" + strings.Repeat("QUJD", 11)} {
		if _, err := doorplate.ParseKeys(bad); err == nil {
			t.Errorf("ParseKeys(%q) accepted", bad)
		}
	}
}

func TestPhones(t *testing.T) {
	tests := []struct {
		number string
		kind   doorplate.PhoneKind
		policy doorplate.PhonePolicy
		want   doorplate.Phone
	}{
		{"13812340000", doorplate.PhonePersonal, doorplate.PhoneMask, doorplate.Phone{Display: "138****0000", Masked: true}},
		{"13812340000", doorplate.PhonePersonal, doorplate.PhoneHide, doorplate.Phone{}},
		{"13812340000", doorplate.PhonePersonal, doorplate.PhoneFull, doorplate.Phone{Display: "13812340000", Dial: "13812340000"}},
		{"0575-88001234", doorplate.PhoneWork, doorplate.PhoneMask, doorplate.Phone{Display: "0575-88001234", Dial: "057588001234"}},
		{"12345", doorplate.PhonePersonal, doorplate.PhoneMask, doorplate.Phone{Display: "***45", Masked: true}},
		{"", doorplate.PhoneWork, doorplate.PhoneMask, doorplate.Phone{}},
	}
	for _, tt := range tests {
		if got := doorplate.ShowPhone(tt.number, tt.kind, tt.policy); got != tt.want {
			t.Errorf("ShowPhone(%q, %s, %s) = %+v, want %+v", tt.number, tt.kind, tt.policy, got, tt.want)
		}
	}
}

func TestSideWarning(t *testing.T) {
	ew := orb.LineString{{120.00, 30.0}, {120.01, 30.0}} // drawn west→east; numbered east→west
	ns := orb.LineString{{120.0, 30.00}, {120.0, 30.01}} // drawn south→north; numbered north→south
	tests := []struct {
		name   string
		line   orb.LineString
		n      int
		p      orb.Point
		warned bool
	}{
		{"ew odd north", ew, 1, orb.Point{120.005, 30.001}, false},
		{"ew odd south", ew, 1, orb.Point{120.005, 29.999}, true},
		{"ew even south", ew, 2, orb.Point{120.005, 29.999}, false},
		{"ns odd west", ns, 3, orb.Point{119.999, 30.005}, false},
		{"ns odd east", ns, 3, orb.Point{120.001, 30.005}, true},
		{"ns even east", ns, 4, orb.Point{120.001, 30.005}, false},
	}
	for _, tt := range tests {
		if got := doorplate.SideWarning(tt.line, tt.n, tt.p) != ""; got != tt.warned {
			t.Errorf("%s: warned = %v, want %v", tt.name, got, tt.warned)
		}
	}
	if o := doorplate.Orientation(orb.LineString{{120, 30}, {120.01, 30.01}}); o != "diagonal" {
		t.Errorf("Orientation(45°) = %s, want diagonal", o)
	}
}

func TestQRGolden(t *testing.T) {
	got, err := doorplate.QRText("https://dm.example.gov.cn/d/0123456789ab.k1.abcdefghijklmnopqrst")
	if err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/qr_small.golden"
	if *update {
		_ = os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run with -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("QRText() differs from %s", golden)
	}
	for _, s := range doorplate.PlateSizes {
		if px := s.Pixels(300); px < 400 {
			t.Errorf("%s plate QR at 300 dpi = %d px", s.Name, px)
		}
	}
}
