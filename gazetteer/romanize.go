package gazetteer

// This file is the one importer of go-pinyin, the way doorplate/qr.go is
// the one importer of go-qrcode: the character-to-syllable dictionary is
// data too large to keep by hand, and the rules that turn syllables into
// a place-name spelling (DOMAIN.md §2.6) stay here in the domain.

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/diming/diming"
	pinyin "github.com/mozillazg/go-pinyin"
)

// Romanization is a name spelled in Hanyu Pinyin (罗马字母拼写) plus the
// keys that search and the homophone rule use.
type Romanization struct {
	Text     string // as on signs and announcements: "Shaoxing Shi", "Xi'an Shi"
	Toned    string // with tone marks: "Shàoxīng Shì"
	Key      string // toneless, lower case, no separators: "shaoxingshi" (ü as v)
	Initials string // first letter of every syllable: "sxs"
	Sound    string // toneless syllables with spaces, for same-sound checks: "shao xing shi"
}

// Readings overrides the reading of single characters of a name (多音字):
// rune position in the full name (specific then generic) → syllable, with
// tone marks ("zhǎng"), tone digits ("zhang3") or none ("zhang").
type Readings map[int]string

// placeReadings are readings that differ from the dictionary's first
// reading in most place names.
var placeReadings = map[rune]string{'长': "cháng", '厦': "xià", '都': "dū", '蚌': "bèng"}

// phraseReadings are well-known names whose readings no per-character
// default gets right; they apply wherever the phrase occurs.
var phraseReadings = map[string][]string{
	"重庆": {"chóng", "qìng"}, "长子": {"zhǎng", "zǐ"}, "乐清": {"yuè", "qīng"}, "六安": {"lù", "ān"},
	"六合": {"lù", "hé"}, "丽水": {"lí", "shuǐ"}, "番禺": {"pān", "yú"}, "铅山": {"yán", "shān"},
	"单县": {"shàn", "xiàn"}, "洪洞": {"hóng", "tóng"}, "蔚县": {"yù", "xiàn"}, "会稽": {"kuài", "jī"},
	"嵊州": {"shèng", "zhōu"}, "太行": {"tài", "háng"}, "大城": {"dà", "chéng"}, "曲阜": {"qū", "fù"}, "东莞": {"dōng", "guǎn"},
}

var digitReadings = [...]string{"líng", "yī", "èr", "sān", "sì", "wǔ", "liù", "qī", "bā", "jiǔ"}

// Syllables returns the toned syllable of every rune of s, applying
// readings (positions counted from offset) before the place-name defaults
// and the dictionary. It returns Invalid naming the character that has no
// known reading.
func Syllables(s string, offset int, readings Readings) ([]string, error) {
	return syllables(s, offset, readings, nil)
}

// syllables is Syllables; with missing non-nil, characters without a
// reading become word breaks and their positions are appended to it.
func syllables(s string, offset int, readings Readings, missing *[]int) ([]string, error) {
	runes := []rune(s)
	for i, r := range runes {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width forms of ASCII (ｅ, ０)
			runes[i] = r - 0xFEE0
		}
	}
	out := make([]string, len(runes))
	for i := 0; i < len(runes); i++ {
		if r, ok := readings[offset+i]; ok {
			syl, err := normalizeReading(r)
			if err != nil {
				return nil, diming.E("gazetteer.Syllables", diming.Invalid,
					fmt.Sprintf("reading %q for %c (position %d): %v", r, runes[i], offset+i, err),
					map[string]string{"readings": err.Error()})
			}
			out[i] = syl
			continue
		}
		if i+1 < len(runes) {
			if ph, ok := phraseReadings[string(runes[i:i+2])]; ok {
				out[i] = ph[0]
				if _, set := readings[offset+i+1]; !set {
					out[i+1] = ph[1]
					i++
				}
				continue
			}
		}
		if j := latinRun(runes, i); j > i {
			// Latin letters stay as written: building letters (A区), or
			// pinyin standing in for a character the source could not encode.
			out[i] = string(runes[i:j])
			i = j - 1
			continue
		}
		if tok, ok := punctuation(runes[i]); ok {
			out[i] = tok
			continue
		}
		syl, err := syllable(runes[i])
		if err != nil && missing != nil {
			*missing = append(*missing, offset+i)
			syl, err = tokBreak, nil
		}
		if err != nil {
			return nil, err
		}
		out[i] = syl
	}
	return out, nil
}

// Tokens that are not syllables: word breaks and brackets.
const (
	tokBreak = " "
	tokOpen  = "("
	tokClose = ")"
)

func latinRun(rs []rune, i int) int {
	j := i
	for j < len(rs) && (rs[j] < 128 && unicode.IsLetter(rs[j])) {
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

func syllable(r rune) (string, error) {
	if r == '〇' {
		return digitReadings[0], nil
	}
	if r >= '0' && r <= '9' {
		return digitReadings[r-'0'], nil
	}
	if p, ok := placeReadings[r]; ok {
		return p, nil
	}
	a := pinyin.NewArgs()
	a.Style = pinyin.Tone
	a.Fallback = nil
	if s := pinyin.SinglePinyin(r, a); len(s) > 0 && s[0] != "" {
		return s[0], nil
	}
	return "", diming.E("gazetteer.Syllables", diming.Invalid,
		fmt.Sprintf("no pinyin is known for %q; give its reading", string(r)),
		map[string]string{"readings": fmt.Sprintf("give the reading of %c", r)})
}

// toneMarks maps each vowel with a tone mark to its tone digit form.
var toneMarks = map[rune][2]rune{
	'ā': {'a', '1'}, 'á': {'a', '2'}, 'ǎ': {'a', '3'}, 'à': {'a', '4'},
	'ē': {'e', '1'}, 'é': {'e', '2'}, 'ě': {'e', '3'}, 'è': {'e', '4'},
	'ī': {'i', '1'}, 'í': {'i', '2'}, 'ǐ': {'i', '3'}, 'ì': {'i', '4'},
	'ō': {'o', '1'}, 'ó': {'o', '2'}, 'ǒ': {'o', '3'}, 'ò': {'o', '4'},
	'ū': {'u', '1'}, 'ú': {'u', '2'}, 'ǔ': {'u', '3'}, 'ù': {'u', '4'},
	'ǖ': {'ü', '1'}, 'ǘ': {'ü', '2'}, 'ǚ': {'ü', '3'}, 'ǜ': {'ü', '4'},
	'ń': {'n', '2'}, 'ň': {'n', '3'}, 'ǹ': {'n', '4'}, 'ḿ': {'m', '2'},
}

// toneless strips tone marks, keeping ü.
func toneless(s string) string {
	var b strings.Builder
	for _, r := range s {
		if m, ok := toneMarks[r]; ok {
			r = m[0]
		}
		b.WriteRune(r)
	}
	return b.String()
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
		return "", fmt.Errorf("empty reading")
	}
	for _, r := range s {
		if _, marked := toneMarks[r]; marked {
			if tone != 0 {
				return "", fmt.Errorf("give the tone once")
			}
			return s, nil
		}
		if (r < 'a' || r > 'z') && r != 'ü' {
			return "", fmt.Errorf("use pinyin letters")
		}
	}
	if tone == 0 || tone == 5 {
		return s, nil
	}
	return markTone(s, tone), nil
}

// markTone puts the tone mark on the vowel the pinyin rules choose: a or
// e first, the o of ou, otherwise the last vowel.
func markTone(s string, tone int) string {
	rs := []rune(s)
	idx := -1
	for i, r := range rs {
		if r == 'a' || r == 'e' {
			idx = i
			break
		}
	}
	if idx < 0 {
		if i := strings.Index(s, "ou"); i >= 0 {
			idx = utf8.RuneCountInString(s[:i])
		}
	}
	if idx < 0 {
		for i, r := range rs {
			if strings.ContainsRune("iouü", r) {
				idx = i
			}
		}
	}
	if idx < 0 {
		return s
	}
	for marked, m := range toneMarks {
		if m[0] == rs[idx] && m[1] == rune('0'+tone) {
			rs[idx] = marked
			break
		}
	}
	return string(rs)
}

// Romanize spells a name from its specific and generic parts following
// the 1984 rules (DOMAIN.md §2.6): the parts are written apart, each part
// is one word starting with a capital, an apostrophe separates a syllable
// starting with a, o or e from the one before it inside a word, numerals
// are spelled out, and joined names (natural villages) are one word.
func Romanize(specific, generic string, readings Readings, joined bool) (Romanization, error) {
	return romanize(specific, generic, readings, joined, nil)
}

// RomanizeLenient is Romanize for bulk imports of official names: a
// character with no known reading (a private-use code point, a character
// outside the dictionary) is left out, and its position is returned so
// that the name can be listed for someone to give the reading. Bad
// readings still fail.
func RomanizeLenient(specific, generic string, readings Readings, joined bool) (Romanization, []int, error) {
	missing := []int{}
	ro, err := romanize(specific, generic, readings, joined, &missing)
	return ro, missing, err
}

func romanize(specific, generic string, readings Readings, joined bool, missing *[]int) (Romanization, error) {
	spec, err := syllables(specific, 0, readings, missing)
	if err != nil {
		return Romanization{}, err
	}
	gen, err := syllables(generic, utf8.RuneCountInString(specific), readings, missing)
	if err != nil {
		return Romanization{}, err
	}
	words := splitWords(spec)
	if joined || len(gen) == 0 {
		words = splitWords(append(append([]string{}, spec...), gen...))
	} else {
		words = append(words, splitWords(gen)...)
	}
	var ro Romanization
	var text, toned, sound []string
	var key, initials strings.Builder
	for _, w := range words {
		text = append(text, word(w, false))
		toned = append(toned, word(w, true))
		for _, s := range w {
			if s == tokOpen || s == tokClose {
				continue
			}
			t := strings.ReplaceAll(strings.ToLower(toneless(s)), "ü", "v")
			sound = append(sound, t)
			key.WriteString(t)
			initials.WriteByte(t[0])
		}
	}
	ro.Text, ro.Toned = strings.Join(text, " "), strings.Join(toned, " ")
	ro.Key, ro.Initials, ro.Sound = key.String(), initials.String(), strings.Join(sound, " ")
	return ro, nil
}

// splitWords splits tokens into words at breaks and before an opening
// bracket; brackets stay in the word they open or close.
func splitWords(toks []string) [][]string {
	var out [][]string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
		}
		cur = nil
	}
	for _, t := range toks {
		switch t {
		case "":
		case tokBreak:
			flush()
		case tokOpen:
			flush()
			cur = append(cur, t)
		case tokClose:
			cur = append(cur, t)
			flush()
		default:
			cur = append(cur, t)
		}
	}
	flush()
	return out
}

// word joins syllables into one capitalised word with apostrophes.
func word(syls []string, toned bool) string {
	var b strings.Builder
	first := true
	for _, s := range syls {
		if s == tokOpen || s == tokClose {
			b.WriteString(s)
			continue
		}
		if !toned {
			s = toneless(s)
		}
		r0, _ := utf8.DecodeRuneInString(toneless(s))
		if !first && strings.ContainsRune("aoe", r0) {
			b.WriteByte('\'')
		}
		if first {
			r, n := utf8.DecodeRuneInString(s)
			b.WriteRune(unicode.ToUpper(r))
			s = s[n:]
			first = false
		}
		b.WriteString(s)
	}
	return b.String()
}
