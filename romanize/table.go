package romanize

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// Reviewed place-name readings. Each entry is a word whose reading in
// place names differs from what the dictionaries give, with the source
// that settles it. Admins add entries in the database (place_readings);
// theirs take precedence over these.
//
// Sources, by key:
//
//	GB2260   GB/T 2260-2007 中华人民共和国行政区划代码, 罗马字母拼写栏
//	SYB      普通话异读词审音表 (国家语言文字工作委员会等, 1985)
//	XH7      现代汉语词典 第7版 (商务印书馆, 2016), the entry of the character
//	DMCD     国家地名信息库 / 中国地名大辞典 standard spellings
const (
	srcGB2260 = "GB/T 2260-2007 罗马字母拼写"
	srcSYB    = "普通话异读词审音表 (1985)"
	srcXH7    = "现代汉语词典 第7版"
	srcDMCD   = "国家地名信息库 标准罗马字母拼写"
)

// reviewed are whole words read as one: division names whose readings
// the dictionaries get wrong, and common words of place names with a
// settled reading.
var reviewed = []Reading{
	{Word: "西藏", Pinyin: "xī zàng", Source: srcGB2260},
	{Word: "藏族", Pinyin: "zàng zú", Source: srcXH7 + " 藏 zàng"},
	{Word: "佛山", Pinyin: "fó shān", Source: srcGB2260},
	{Word: "闵行", Pinyin: "mǐn háng", Source: srcGB2260},
	{Word: "喀什", Pinyin: "kā shí", Source: srcGB2260},
	{Word: "库尔勒", Pinyin: "kù ěr lè", Source: srcGB2260},
	{Word: "黄陂", Pinyin: "huáng pí", Source: srcGB2260},
	{Word: "涡阳", Pinyin: "guō yáng", Source: srcGB2260},
	{Word: "单县", Pinyin: "shàn xiàn", Source: srcGB2260},
	{Word: "浚县", Pinyin: "xùn xiàn", Source: srcGB2260},
	{Word: "蔚县", Pinyin: "yù xiàn", Source: srcGB2260},
	{Word: "东阿", Pinyin: "dōng ē", Source: srcGB2260},
	{Word: "大埔", Pinyin: "dà bù", Source: srcGB2260},
	{Word: "牟平", Pinyin: "mù píng", Source: srcGB2260},
	{Word: "珲春", Pinyin: "hún chūn", Source: srcGB2260},
	{Word: "长沙", Pinyin: "cháng shā", Source: srcGB2260},
	{Word: "厦门", Pinyin: "xià mén", Source: srcGB2260},
	{Word: "成都", Pinyin: "chéng dū", Source: srcGB2260},
	{Word: "重庆", Pinyin: "chóng qìng", Source: srcGB2260},
	{Word: "长子", Pinyin: "zhǎng zǐ", Source: srcGB2260},
	{Word: "乐清", Pinyin: "yuè qīng", Source: srcGB2260},
	{Word: "乐亭", Pinyin: "lào tíng", Source: srcGB2260},
	{Word: "六安", Pinyin: "lù ān", Source: srcGB2260},
	{Word: "六合", Pinyin: "lù hé", Source: srcGB2260},
	{Word: "丽水", Pinyin: "lí shuǐ", Source: srcGB2260},
	{Word: "番禺", Pinyin: "pān yú", Source: srcGB2260},
	{Word: "铅山", Pinyin: "yán shān", Source: srcGB2260},
	{Word: "洪洞", Pinyin: "hóng tóng", Source: srcGB2260},
	{Word: "会稽", Pinyin: "kuài jī", Source: srcXH7 + " 会 kuài"},
	{Word: "嵊州", Pinyin: "shèng zhōu", Source: srcGB2260},
	{Word: "台州", Pinyin: "tāi zhōu", Source: srcGB2260},
	{Word: "天台", Pinyin: "tiān tāi", Source: srcGB2260},
	{Word: "太行", Pinyin: "tài háng", Source: srcDMCD},
	{Word: "曲阜", Pinyin: "qū fù", Source: srcGB2260},
	{Word: "东莞", Pinyin: "dōng guǎn", Source: srcGB2260},
	{Word: "济南", Pinyin: "jǐ nán", Source: srcGB2260},
	{Word: "济宁", Pinyin: "jǐ níng", Source: srcGB2260},
	{Word: "济源", Pinyin: "jǐ yuán", Source: srcGB2260},
	{Word: "济阳", Pinyin: "jì yáng", Source: srcGB2260},
	{Word: "蚌埠", Pinyin: "bèng bù", Source: srcGB2260},
	{Word: "荥阳", Pinyin: "xíng yáng", Source: srcGB2260},
	{Word: "荥经", Pinyin: "yíng jīng", Source: srcGB2260},
	{Word: "莘县", Pinyin: "shēn xiàn", Source: srcGB2260},
	{Word: "莘庄", Pinyin: "xīn zhuāng", Source: srcDMCD},
	{Word: "尉犁", Pinyin: "yù lí", Source: srcGB2260},
	{Word: "尉氏", Pinyin: "wèi shì", Source: srcGB2260},
	{Word: "枞阳", Pinyin: "zōng yáng", Source: srcGB2260},
	{Word: "歙县", Pinyin: "shè xiàn", Source: srcGB2260},
	{Word: "犍为", Pinyin: "qián wéi", Source: srcGB2260},
	{Word: "莎车", Pinyin: "shā chē", Source: srcGB2260},
	{Word: "吴堡", Pinyin: "wú bǔ", Source: srcGB2260},
	{Word: "瓦窑堡", Pinyin: "wǎ yáo bǔ", Source: srcDMCD},
	{Word: "朝阳", Pinyin: "cháo yáng", Source: srcGB2260},
	{Word: "泌阳", Pinyin: "bì yáng", Source: srcGB2260},
	{Word: "柏乡", Pinyin: "bǎi xiāng", Source: srcGB2260},
	{Word: "临朐", Pinyin: "lín qú", Source: srcGB2260},
	{Word: "蠡县", Pinyin: "lǐ xiàn", Source: srcGB2260},
	{Word: "繁峙", Pinyin: "fán shì", Source: srcGB2260},
	{Word: "浒墅关", Pinyin: "xǔ shù guān", Source: srcDMCD},
	{Word: "甪直", Pinyin: "lù zhí", Source: srcDMCD},
	{Word: "阆中", Pinyin: "làng zhōng", Source: srcGB2260},
	{Word: "会理", Pinyin: "huì lǐ", Source: srcGB2260},
	{Word: "会同", Pinyin: "huì tóng", Source: srcGB2260},
	{Word: "大城", Pinyin: "dà chéng", Source: srcGB2260},
	{Word: "万柏林", Pinyin: "wàn bǎi lín", Source: srcGB2260},
	// 堡 is pù in place names for a post station (X里堡 counts the li).
	{Word: "里堡", Pinyin: "lǐ pù", Source: srcXH7 + " 堡 pù：地名用字，如十里堡"},
	{Word: "里铺", Pinyin: "lǐ pù", Source: srcXH7 + " 铺 pù：驿站，今多用于地名"},
	// Common words of place names.
	{Word: "重阳", Pinyin: "chóng yáng", Source: srcSYB},
	{Word: "畜牧", Pinyin: "xù mù", Source: srcSYB + " 畜 xù：畜牧"},
	{Word: "马圈", Pinyin: "mǎ juàn", Source: srcSYB + " 圈 juàn：牲畜圈"},
	{Word: "大厦", Pinyin: "dà shà", Source: srcXH7},
	{Word: "马尾", Pinyin: "mǎ wěi", Source: srcGB2260},
	{Word: "趵突", Pinyin: "bào tū", Source: srcXH7 + " 趵 bào：趵突泉"},
	{Word: "音乐", Pinyin: "yīn yuè", Source: srcXH7},
	{Word: "乐园", Pinyin: "lè yuán", Source: srcXH7},
}

// charDefaults are single characters whose reading in place names is not
// the dictionary's usual one; whole words above and in the phrase
// dictionary take precedence.
var charDefaults = []Reading{
	{Word: "厦", Pinyin: "xià", Source: srcXH7 + " 厦 xià：厦门"},
	{Word: "蚌", Pinyin: "bèng", Source: srcXH7 + " 蚌 bèng：蚌埠"},
	{Word: "什", Pinyin: "shí", Source: srcXH7 + " 什 shí：什邡、喀什"},
	{Word: "勒", Pinyin: "lè", Source: srcXH7 + " 勒 lè：阿勒泰、库尔勒"},
	{Word: "卜", Pinyin: "bǔ", Source: srcXH7 + " 卜 bǔ (bo 只用于萝卜)"},
	{Word: "佛", Pinyin: "fó", Source: srcXH7 + " 佛 fó (fú 只用于仿佛)"},
	{Word: "铺", Pinyin: "pù", Source: srcXH7 + " 铺 pù：地名用字"},
	{Word: "幢", Pinyin: "zhuàng", Source: srcXH7 + " 幢 zhuàng：房屋一座叫一幢"},
	{Word: "阿", Pinyin: "ā", Source: srcXH7 + " 阿 ā：译音用字"},
}

// pinned are characters whose reading in place names holds against the
// phrase dictionary, which reads them as in common words (大王 dàiwang,
// 民乐 mínyuè, 中都 zhōngdōu, 柏林 Bólín); reviewed words above still win.
var pinned = []Reading{
	{Word: "大", Pinyin: "dà", Source: srcXH7 + " 大 dài 只用于大夫、大王（戏曲小说）、大黄等，地名读 dà"},
	{Word: "长", Pinyin: "cháng", Source: srcDMCD + "：地名多读 cháng（长子等例外另列）"},
	{Word: "都", Pinyin: "dū", Source: srcXH7 + " 都 dū：城市；dōu 为副词，不用于地名"},
	{Word: "乐", Pinyin: "lè", Source: srcGB2260 + "：乐山 Leshan、民乐 Minle、乐都 Ledu（乐清、乐亭例外另列）"},
	{Word: "巷", Pinyin: "xiàng", Source: srcXH7 + " 巷 hàng 只用于巷道（采矿），街巷读 xiàng"},
	{Word: "栅", Pinyin: "zhà", Source: srcXH7 + " 栅 shān 只用于栅极"},
	{Word: "柏", Pinyin: "bǎi", Source: srcGB2260 + "：柏乡 Baixiang；bó 只用于译音（柏林）"},
}

// genericReadings are readings of whole generic parts: the lane 弄 of
// Shanghai and Zhejiang addresses is lòng.
var genericReadings = map[string]string{"弄": "lòng"}

// Splits are names whose generic part no suffix rule finds: 林区 is a
// generic only for the one division whose type is 林区.
var reviewedSplits = []struct{ name, specific, generic, source string }{
	{"神农架林区", "神农架", "林区", srcGB2260 + "：全国唯一的林区建制 (429021)"},
}

// Table returns the shipped readings (whole words, then single-character
// defaults), for listing and review.
func Table() []Reading {
	return append(append(append([]Reading{}, reviewed...), pinned...), charDefaults...)
}

// rulesRevision changes whenever the rules of this package change the
// spelling of some name; with the tables it makes the Fingerprint.
const rulesRevision = "2026-12-issue14c gpy/phrase v0.42.1 go-pinyin v0.21.0"

// Fingerprint identifies the shipped readings and rules: a database whose
// stored spellings were made with another one is due a re-romanization.
func Fingerprint() string {
	h := sha256.New()
	io.WriteString(h, rulesRevision)
	for _, r := range Table() {
		fmt.Fprintf(h, "\n%s=%s", r.Word, r.Pinyin)
	}
	for _, s := range reviewedSplits {
		fmt.Fprintf(h, "\n%s=%s+%s", s.name, s.specific, s.generic)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
