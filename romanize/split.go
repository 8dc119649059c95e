package romanize

import (
	"strings"
	"unicode/utf8"
)

// generics are the generic parts (通名) recognised when a name is split
// without being told; the longest match wins. 林区 is not among them: it
// is the generic only of a division whose type is 林区 (碑林区 is 碑林 + 区).
var generics = strings.Fields(`特别行政区 自治区 自治州 自治县 自治旗 民族乡 民族镇 民族苏木 街道办事处 街道 省 市 地区 盟 县 区 旗 镇 乡 苏木 特区
社区 村 嘎查 居委会 新村 大道 大街 街 路 巷 弄 胡同 里 公园 湿地公园 森林公园 自然保护区 保护区 风景区 山 峰 岭 河 江 湖 海 湾 溪 港 岛
水库 泉 洞 峡 谷 小区 花园 苑 公寓 大厦 广场 家园 大桥 桥 隧道 火车站 站 码头 机场 电站 渡口 闸 庄 屯 寨 坞 垟 岙 浜 埭 桥头`)

// componentGenerics are split off address components (GB 17733 signs): the
// place generics and the parts of a house address.
var componentGenerics = append(strings.Fields(`街道办事处 居民委员会 村民委员会 开发区 号 幢 栋 楼 单元 层 室 园`), generics...)

// KindForest is the division type whose names take 林区 as their generic.
const KindForest = "林区"

// directional are one-syllable modifiers joined to the generic part they
// precede (解放东路 → Jiefang Donglu).
const directional = "东西南北中"

// Split splits a name into specific and generic parts by its longest known
// generic suffix. kind is the type (建制类型) of the division the name
// names, "" when it names none or the type is unknown. The generic part is
// empty when none is known or the name would be left without a specific.
func Split(name, kind string) (specific, generic string) {
	for _, s := range reviewedSplits {
		if s.name == name {
			return s.specific, s.generic
		}
	}
	if kind == KindForest && strings.HasSuffix(name, KindForest) && name != KindForest {
		return strings.TrimSuffix(name, KindForest), KindForest
	}
	return splitBy(name, generics)
}

// splitBy splits name by its longest generic suffix in list; a one-syllable
// direction before a street generic joins it (解放东路 → 解放 + 东路).
func splitBy(name string, list []string) (specific, generic string) {
	specific, generic = longestSuffix(name, list)
	if generic != "" && isStreetGeneric(generic) {
		if r, n := utf8.DecodeLastRuneInString(specific); strings.ContainsRune(directional, r) && utf8.RuneCountInString(specific) >= 3 {
			specific, generic = specific[:len(specific)-n], string(r)+generic
		}
	}
	return specific, generic
}

func longestSuffix(name string, list []string) (specific, generic string) {
	best := ""
	for _, g := range list {
		if strings.HasSuffix(name, g) && len(g) > len(best) && len(g) < len(name) {
			best = g
		}
	}
	return strings.TrimSuffix(name, best), best
}

func isStreetGeneric(g string) bool {
	switch g {
	case "路", "街", "大街", "巷", "大道":
		return true
	}
	return false
}

// ethnicNames are the names of China's 56 nationalities as they stand
// before 族 in place names, plus 各 of 各族 (龙胜各族自治县); GB/T 16159
// writes each as a word of its own (Xiangxi Tujiazu Miaozu Zizhizhou).
// Source: 中国各民族名称的罗马字母拼写法和代码 GB/T 3304-1991.
var ethnicNames = strings.Fields(`汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西
景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙
鄂伦春 赫哲 门巴 珞巴 基诺 各`)

// ethnicStarts returns the rune indexes where the ethnic words at the end
// of a specific part start (湘西土家族苗族 → 2, 5), leaving out index 0.
// bare also takes a name of two or more characters without 族 right
// before the generic, as autonomous areas write them (伊犁哈萨克自治州).
func ethnicStarts(spec []rune, bare bool) []int {
	end := len(spec)
	var starts []int
	if bare && (end == 0 || spec[end-1] != '族') {
		if n := ethnicSuffix(spec[:end]); n >= 2 && n < end {
			end -= n
			starts = append(starts, end)
		}
	}
	for end > 1 && spec[end-1] == '族' {
		n := ethnicSuffix(spec[:end-1])
		if n == 0 {
			break
		}
		end -= n + 1
		starts = append([]int{end}, starts...)
	}
	if len(starts) > 0 && starts[0] == 0 {
		starts = starts[1:]
	}
	return starts
}

// ethnicSuffix returns the length of the longest ethnic name s ends with.
func ethnicSuffix(s []rune) int {
	best := 0
	for _, e := range ethnicNames {
		n := utf8.RuneCountInString(e)
		if n <= len(s) && n > best && string(s[len(s)-n:]) == e {
			best = n
		}
	}
	return best
}
