package web

import (
	"bytes"
	"strings"
	"testing"

	"github.com/diming/diming/doorplate"
)

// TestScanPageEscapes checks the hand-written scan page escapes every
// value from the database: a name with markup in it shows as text, and a
// phone whose dial target is not a number gets no tel: link.
func TestScanPageEscapes(t *testing.T) {
	evil := `<script>alert("x")</script>`
	v := &doorplate.ScanView{FullText: "胜利街1号" + evil, Pinyin: `Shengli "Jie"`, Lifecycle: "planned", AddressCode: "a&b",
		Community: doorplate.CommunityView{Name: evil, Office: "居委会", ServicePhone: doorplate.Phone{Display: "0575-1", Dial: "javascript:alert(1)"}},
		Grid:      &doorplate.ContactView{Name: "张三", Role: "网格员", Phone: doorplate.Phone{Display: "138****0000", Masked: true}},
		Nav:       []doorplate.NavLink{{App: "高德地图", URL: `https://uri.amap.com/navigation?to=1,2,"><x&src=diming`}},
		Map:       doorplate.MapView{Street: `M1 2L3 4"/><x`, X: 140, Y: 80}}
	var b bytes.Buffer
	writeScanPage(&b, doorplate.ScanResult{State: doorplate.ScanOK, View: v})
	page := b.String()
	for _, bad := range []string{"<script>", `"><x`, "javascript:", `"Jie"`} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q unescaped", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;", "此地址状态：planned", "a&amp;b", "（号码已隐藏部分）", "<h2>网格员</h2>", "高德地图导航", "居委会"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	b.Reset()
	writeScanPage(&b, doorplate.ScanResult{State: doorplate.ScanReplaced, Message: "已替换", ReplacedByURL: "https://dm.example/d/k1.x"})
	if p := b.String(); !strings.Contains(p, "<h1>门牌已更换</h1>") || !strings.Contains(p, `href="https://dm.example/d/k1.x"`) {
		t.Errorf("replaced page = %s", p)
	}
}
