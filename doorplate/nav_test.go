package doorplate

import (
	"net/url"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestNavLinks(t *testing.T) {
	tests := []struct {
		full, chain, want string
	}{
		{"浙江省绍兴市越城区城南街道锦园社区胜利街1号", "浙江省绍兴市越城区城南街道锦园社区", "胜利街1号"},
		{"浙江省绍兴市越城区城南街道锦园社区胜利街1号3幢2单元", "浙江省绍兴市越城区城南街道锦园社区", "胜利街1号3幢2单元"},
		// A community named like its town: the chain, not the name, is cut.
		{"湖北省咸宁市嘉鱼县新街镇新街村新街路2号", "湖北省咸宁市嘉鱼县新街镇新街村", "新街路2号"},
		{"胜利街1号", "浙江省绍兴市越城区城南街道锦园社区", "胜利街1号"},    // text not under the chain
		{"浙江省绍兴市锦园社区", "浙江省绍兴市锦园社区", "浙江省绍兴市锦园社区"}, // nothing after it
		{"胜利街1号", "", "胜利街1号"},
	}
	for _, tt := range tests {
		if got := navLabel(tt.full, tt.chain); got != tt.want {
			t.Errorf("navLabel(%q, %q) = %q, want %q", tt.full, tt.chain, got, tt.want)
		}
	}
	// Each app gets its own datum: GCJ-02 for Amap and Tencent (lon,lat
	// and lat,lon), BD-09 for Baidu (lat,lon), and the label.
	links := navLinks("胜利街1号", orb.Point{120.123456, 30.5}, orb.Point{120.1301, 30.506})
	want := map[string][]string{
		"高德地图": {"uri.amap.com/navigation?to=120.123456,30.500000,胜利街1号&mode=car"},
		"百度地图": {"api.map.baidu.com/marker?location=30.506000,120.130100&title=胜利街1号&content=胜利街1号", "coord_type=bd09ll"},
		"腾讯地图": {"apis.map.qq.com/uri/v1/marker?marker=coord:30.500000,120.123456;title:胜利街1号;addr:胜利街1号"},
	}
	for _, l := range links {
		u, err := url.QueryUnescape(l.URL)
		if err != nil {
			t.Fatalf("%s link %q: %v", l.App, l.URL, err)
		}
		for _, w := range want[l.App] {
			if !strings.Contains(u, w) {
				t.Errorf("%s link %s lacks %q", l.App, u, w)
			}
		}
	}
	if len(links) != 3 {
		t.Errorf("%d links, want 3", len(links))
	}
}
