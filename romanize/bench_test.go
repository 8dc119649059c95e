package romanize

import "testing"

// BenchmarkName romanizes typical town and village names; an import of the
// country's 660,000 division names does this once each.
func BenchmarkName(b *testing.B) {
	names := [][2]string{{"十里堡", "镇"}, {"湘西土家族苗族", "自治州"}, {"华堂", "村"}, {"北扎兰营子", "村"}, {"长沙", "路"}, {"中国矿业大学", "社区"}}
	z := Standard()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n := names[i%len(names)]
		if _, err := z.Name(Name{Specific: n[0], Generic: n[1]}); err != nil {
			b.Fatal(err)
		}
	}
}
