package romanize

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/diming/diming"
)

// Romanization is a name spelled in Hanyu Pinyin plus the keys that search
// and the homophone rule use.
type Romanization struct {
	Text     string // as on signs and announcements: "Shaoxing Shi", "Xi'an Shi"
	Toned    string // with tone marks: "Shàoxīng Shì"
	Key      string // toneless, lower case, no separators: "shaoxingshi" (ü as v)
	Initials string // first letter of every syllable: "sxs"
	Sound    string // toneless syllables with spaces, for same-sound checks: "shao xing shi"
}

// Readings overrides the reading of single characters of one name (多音字):
// rune position in the full name (specific then generic) → syllable, with
// tone marks ("zhǎng"), tone digits ("zhang3") or none ("zhang").
type Readings map[int]string

// Reading is an entry of a readings table: how a word reads in place
// names, and who says so.
type Reading struct {
	Word   string // characters: "黄陂"
	Pinyin string // one syllable a character, space-separated: "huáng pí" or "huang2 pi2"
	Source string // the dictionary, standard or document that settles it
}

// Syllables parses r.Pinyin into toned syllables, one for each character
// of r.Word. It returns Invalid naming the field to fix.
func (r Reading) Syllables() ([]string, error) {
	const op = "romanize.Reading"
	fe := diming.FieldErrors{}
	word := []rune(strings.TrimSpace(r.Word))
	syls := strings.Fields(r.Pinyin)
	switch {
	case len(word) == 0:
		fe.Add("word", "必填：要给读音的字或词")
	case len(syls) != len(word):
		fe.Add("pinyin", fmt.Sprintf("%s 有 %d 个字，读音应有 %d 个音节（用空格分开），现有 %d 个", string(word), len(word), len(word), len(syls)))
	}
	if strings.TrimSpace(r.Source) == "" {
		fe.Add("source", "必填：读音的依据（词典、标准或文件）")
	}
	out := make([]string, len(syls))
	for i, s := range syls {
		n, err := normalizeReading(s)
		if err != nil {
			fe.Add("pinyin", fmt.Sprintf("第 %d 个音节 %q：%v", i+1, s, err))
			break
		}
		out[i] = n
	}
	if err := fe.Err(op); err != nil {
		return nil, err
	}
	return out, nil
}

// Romanizer spells names with the shipped readings plus a table of extra
// ones. It is immutable and safe for concurrent use.
type Romanizer struct {
	words  map[string][]string // whole words: reviewed, then admins'
	pinned map[rune]string     // characters whose reading holds against the phrase dictionary
	chars  map[rune]string     // place-name defaults below the phrase dictionary
	maxLen int
}

// New returns a Romanizer with the shipped readings and extra (admins'
// entries, which win over the shipped ones). Invalid when an entry is
// malformed.
func New(extra []Reading) (*Romanizer, error) {
	z := &Romanizer{words: map[string][]string{}, pinned: map[rune]string{}, chars: map[rune]string{}}
	add := func(rs []Reading, single map[rune]string) error {
		for _, r := range rs {
			syls, err := r.Syllables()
			if err != nil {
				return err
			}
			w := []rune(strings.TrimSpace(r.Word))
			if len(w) == 1 {
				single[w[0]] = syls[0]
				continue
			}
			z.words[string(w)] = syls
			z.maxLen = max(z.maxLen, len(w))
		}
		return nil
	}
	for _, e := range []error{add(reviewed, z.pinned), add(pinned, z.pinned), add(charDefaults, z.chars)} {
		if e != nil {
			return nil, e
		}
	}
	// An admin's reading of one character holds everywhere, like a pinned one.
	if err := add(extra, z.pinned); err != nil {
		return nil, diming.E("romanize.New", err)
	}
	return z, nil
}

var standard = sync.OnceValue(func() *Romanizer {
	z, err := New(nil)
	if err != nil {
		panic("romanize: shipped table is invalid: " + err.Error()) // caught by the package tests
	}
	return z
})

// Standard returns the Romanizer of the shipped readings alone.
func Standard() *Romanizer { return standard() }

// Name is a name to romanize.
type Name struct {
	Specific string // 专名
	Generic  string // 通名
	Readings Readings
	// Joined writes the name as one word (natural villages, DOMAIN.md §2.6).
	Joined bool
}

// Name spells n following the 1984 rules and GB/T 16159: the parts are
// written apart, each part one word with a capital, ethnic names in the
// specific part written as words of their own (Xiangxi Tujiazu Miaozu
// Zizhizhou), an apostrophe before a syllable starting with a, o or e
// inside a word, numerals spelled out; joined names are one word. It
// returns Invalid for a bad reading or a character with none.
func (z *Romanizer) Name(n Name) (Romanization, error) {
	return z.name(n, nil)
}

// NameLenient is Name for bulk imports of official names: a character with
// no known reading is left out and its position returned, so that someone
// can give it. Bad readings still fail.
func (z *Romanizer) NameLenient(n Name) (Romanization, []int, error) {
	missing := []int{}
	ro, err := z.name(n, &missing)
	return ro, missing, err
}

func (z *Romanizer) name(n Name, missing *[]int) (Romanization, error) {
	spec, gen := []rune(n.Specific), []rune(n.Generic)
	toks, err := z.syllables(append(append([]rune{}, spec...), gen...), withGeneric(n.Readings, len(spec), n.Generic), false, missing)
	if err != nil {
		return Romanization{}, err
	}
	st, gt := toks[:len(spec)], toks[len(spec):]
	if n.Joined || len(gen) == 0 {
		return assemble(splitWords(toks)), nil
	}
	st = breakBefore(st, ethnicStarts(spec, strings.HasPrefix(n.Generic, "自治")))
	return assemble(append(splitWords(st), splitWords(gt)...)), nil
}

// Component romanizes one address component: 胜利街 → "Shengli Jie",
// 3号 → "3 Hao", 锦园小区 → "Jinyuan Xiaoqu". Numbers stay in digits.
func (z *Romanizer) Component(c string) string {
	spec, gen := splitBy(c, componentGenerics)
	n := utf8.RuneCountInString(spec)
	toks, _ := z.syllables([]rune(spec+gen), withGeneric(nil, n, gen), true, &[]int{})
	words := splitWords(toks[:n])
	if len(toks) > n {
		words = append(words, splitWords(toks[n:])...)
	}
	return assemble(words).Text
}

// Address romanizes address components and joins them with spaces.
func (z *Romanizer) Address(components []string) string {
	var parts []string
	for _, c := range components {
		if p := z.Component(c); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// withGeneric adds the reading of a generic part read its own way (弄
// lòng) to readings, unless a person gave that position's reading.
func withGeneric(readings Readings, at int, generic string) Readings {
	syl, ok := genericReadings[generic]
	if _, given := readings[at]; !ok || given {
		return readings
	}
	out := Readings{at: syl}
	for k, v := range readings {
		out[k] = v
	}
	return out
}

// Tokens that are not syllables: word breaks and brackets.
const (
	tokBreak = " "
	tokOpen  = "("
	tokClose = ")"
)

var digitReadings = [...]string{"líng", "yī", "èr", "sān", "sì", "wǔ", "liù", "qī", "bā", "jiǔ"}

// syllables returns one token for each rune: a toned syllable, a Latin or
// digit run (on its first rune, "" on the rest), or a break or bracket.
// Readings come from the per-name overrides, then whole words of the
// tables, then the phrase dictionary, then single characters.
func (z *Romanizer) syllables(rs []rune, readings Readings, keepDigits bool, missing *[]int) ([]string, error) {
	for i, r := range rs {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width forms of ASCII (ｅ, ０)
			rs[i] = r - 0xFEE0
		}
	}
	out := make([]string, len(rs))
	set := make([]bool, len(rs))
	for pos, r := range readings {
		if pos < 0 || pos >= len(rs) {
			continue
		}
		syl, err := normalizeReading(r)
		if err != nil {
			return nil, diming.E("romanize.Name", diming.Invalid,
				fmt.Sprintf("第 %d 个字“%c”的读音 %q 有误：%v", pos+1, rs[pos], r, err),
				map[string]string{"readings": fmt.Sprintf("第 %d 个字“%c”：%v", pos+1, rs[pos], err)})
		}
		out[pos], set[pos] = syl, true
	}
	z.matchWords(rs, out, set)
	for i, r := range rs {
		if p, ok := z.pinned[r]; ok && !set[i] {
			out[i], set[i] = p, true
		}
	}
	matchPhrases(rs, out, set)
	for i := 0; i < len(rs); i++ {
		if set[i] {
			continue
		}
		if j := literalRun(rs, i, keepDigits); j > i {
			// Latin letters stay as written (A区, or pinyin standing in for
			// a character the source could not encode); so do house numbers.
			out[i] = string(rs[i:j])
			i = j - 1
			continue
		}
		if tok, ok := punctuation(rs[i]); ok {
			out[i] = tok
			continue
		}
		syl, err := z.char(rs[i])
		if err != nil && missing != nil {
			*missing = append(*missing, i)
			syl, err = tokBreak, nil
		}
		if err != nil {
			return nil, err
		}
		out[i] = syl
	}
	return out, nil
}

// matchWords reads the longest table word at each position, left to
// right, where no override is set.
func (z *Romanizer) matchWords(rs []rune, out []string, set []bool) {
	for i := 0; i < len(rs); {
		l := min(z.maxLen, len(rs)-i)
		for ; l >= 2; l-- {
			if syls, ok := z.words[string(rs[i:i+l])]; ok {
				for k, s := range syls {
					if !set[i+k] {
						out[i+k], set[i+k] = s, true
					}
				}
				break
			}
		}
		i += max(l, 1)
	}
}

// maxPhrase is the longest word looked up in the phrase dictionary.
const maxPhrase = 5

// matchPhrases reads the longest dictionary word at each position of the
// runs of Han characters still unread.
func matchPhrases(rs []rune, out []string, set []bool) {
	for i := 0; i < len(rs); {
		if set[i] || !unicode.Is(unicode.Han, rs[i]) {
			i++
			continue
		}
		j := i
		for j < len(rs) && j-i < maxPhrase && !set[j] && unicode.Is(unicode.Han, rs[j]) {
			j++
		}
		l := j - i
		for ; l >= 2; l-- {
			if syls := dictPhrase(rs[i : i+l]); syls != nil {
				copy(out[i:], syls)
				for k := i; k < i+l; k++ {
					set[k] = true
				}
				break
			}
		}
		i += max(l, 1)
	}
}

func literalRun(rs []rune, i int, digits bool) int {
	j := i
	for j < len(rs) && rs[j] < 128 && (unicode.IsLetter(rs[j]) || (digits && unicode.IsDigit(rs[j]))) {
		if j > i && unicode.IsDigit(rs[j]) != unicode.IsDigit(rs[i]) {
			break
		}
		j++
	}
	return j
}

// punctuation maps brackets to bracket tokens and other punctuation,
// symbols and spaces to a word break.
func punctuation(r rune) (string, bool) {
	switch r {
	case '(', '（':
		return tokOpen, true
	case ')', '）':
		return tokClose, true
	}
	if unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r) {
		return tokBreak, true
	}
	return "", false
}

// char reads one character: numerals, then place-name defaults, then the
// dictionary's usual reading.
func (z *Romanizer) char(r rune) (string, error) {
	if r == '〇' {
		return digitReadings[0], nil
	}
	if r >= '0' && r <= '9' {
		return digitReadings[r-'0'], nil
	}
	if p, ok := z.chars[r]; ok {
		return p, nil
	}
	if s := dictChar(r); len(s) > 0 {
		return s[0], nil
	}
	return "", diming.E("romanize.Name", diming.Invalid,
		fmt.Sprintf("“%c”没有已知的读音，请给出它的读音", r),
		map[string]string{"readings": fmt.Sprintf("请给出“%c”的读音", r)})
}

// normalizeReading accepts "zhǎng", "zhang3", "zhang" or "lv4"/"lü" and
// returns the syllable with a tone mark (or none for the neutral tone).
func normalizeReading(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	tone := 0
	if n := len(s); n > 0 && s[n-1] >= '0' && s[n-1] <= '5' {
		tone, _ = strconv.Atoi(s[n-1:])
		s = s[:n-1]
	}
	s = strings.ReplaceAll(s, "v", "ü")
	if s == "" {
		return "", fmt.Errorf("读音为空")
	}
	for _, r := range s {
		if _, marked := toneMarks[r]; marked {
			if tone != 0 {
				return "", fmt.Errorf("声调只标一次")
			}
			return s, nil
		}
		if (r < 'a' || r > 'z') && r != 'ü' {
			return "", fmt.Errorf("只用拼音字母，声调用标调符号或 1–4 的数字")
		}
	}
	if tone == 0 || tone == 5 {
		return s, nil
	}
	return markTone(s, tone), nil
}
