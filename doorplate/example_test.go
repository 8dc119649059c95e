package doorplate_test

import (
	"fmt"
	"github.com/diming/diming/boundaries"
	"github.com/paulmach/orb"
	"strings"

	"github.com/diming/diming/doorplate"
)

// A plate's QR holds only a signed URL; the server verifies it before
// showing anything. Rotating keys keeps old plates valid.
func ExampleKeys_Verify() {
	keys, _ := doorplate.ParseKeys("k2:" + strings.Repeat("QUJD", 11) + ",k1:" + strings.Repeat("WFla", 11))
	code, _ := keys.Sign("0123456789ab", keys.Current())
	pid, kid, err := keys.Verify(code)
	fmt.Println(pid, kid, err)
	_, _, err = keys.Verify("0123456789ab.k2.forgedforgedforgedfo")
	fmt.Println(err)
	// Output:
	// 0123456789ab k2 <nil>
	// doorplate.Verify: the code's signature does not match
}

// Map apps in China want GCJ-02 (Amap, Tencent) or BD-09 (Baidu); the
// master data stays CGCS2000 and is converted at the edge.
func ExampleGCJ02ToBD09() {
	g := boundaries.WGS84ToGCJ02(orb.Point{116.404, 39.915})
	lon, lat := g[0], g[1]
	blon, blat := doorplate.GCJ02ToBD09(lon, lat)
	fmt.Printf("GCJ-02 %.6f,%.6f BD-09 %.6f,%.6f\n", lon, lat, blon, blat)
	// Output: GCJ-02 116.410244,39.916404 BD-09 116.416627,39.922700
}

func ExampleShowPhone() {
	fmt.Println(doorplate.ShowPhone("13812340000", doorplate.PhonePersonal, doorplate.PhoneMask).Display)
	fmt.Println(doorplate.ShowPhone("0575-88001234", doorplate.PhoneWork, doorplate.PhoneMask).Dial)
	// Output:
	// 138****0000
	// 057588001234
}
