package doorplate

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// This is a deliberately small romanization for plates and the scan page:
// toneless Hanyu Pinyin per character, the specific part written as one
// word and the generic part (街, 路, 社区, 号 …) split off and capitalised,
// as GB 17733 signs show it. Characters with several readings take the
// library's first reading; the gazetteer's romanization (with per-name
// overrides, DOMAIN.md rule 18) is the authority for standard names.

// generics are the generic parts split off a component, longest first.
var generics = []string{
	"街道办事处", "居民委员会", "村民委员会", "自治县", "自治州", "开发区", "小区", "社区", "大道", "大街", "新村", "街道",
	"省", "市", "区", "县", "旗", "镇", "乡", "村", "街", "路", "巷", "弄", "里", "道", "号", "幢", "栋", "楼", "单元", "层", "室", "苑", "园",
}

// Pinyin romanizes one address component: 胜利街 → "Shengli Jie",
// 3号 → "3 Hao", 锦园小区 → "Jinyuan Xiaoqu".
func Pinyin(component string) string {
	spec, gen := splitGeneric(component)
	out := word(spec)
	if g := word(gen); g != "" {
		if out != "" {
			out += " "
		}
		out += g
	}
	return out
}

// PinyinAll romanizes components and joins them with spaces.
func PinyinAll(components []string) string {
	var parts []string
	for _, c := range components {
		if p := Pinyin(c); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

func splitGeneric(s string) (spec, gen string) {
	for _, g := range generics {
		if strings.HasSuffix(s, g) && len(s) > len(g) {
			return strings.TrimSuffix(s, g), g
		}
	}
	return s, ""
}

var pinyinArgs = pinyin.NewArgs()

// word writes a run of characters as one capitalised word; digits and
// Latin letters pass through, an apostrophe separates a syllable starting
// with a, o or e (Xi'an).
func word(s string) string {
	var b strings.Builder
	prevDigit := false
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			py := pinyin.SinglePinyin(r, pinyinArgs)
			if len(py) == 0 || py[0] == "" {
				continue
			}
			syl := py[0]
			if prevDigit {
				b.WriteByte(' ')
			}
			if b.Len() > 0 && !prevDigit && strings.ContainsRune("aoe", rune(syl[0])) {
				b.WriteByte('\'')
			}
			b.WriteString(syl)
			prevDigit = false
			continue
		}
		if unicode.IsDigit(r) || unicode.IsLetter(r) || r == '-' {
			b.WriteRune(r)
			prevDigit = true
		}
	}
	w := b.String()
	if w == "" {
		return ""
	}
	return strings.ToUpper(w[:1]) + w[1:]
}
