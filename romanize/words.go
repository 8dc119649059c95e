package romanize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

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

// breakBefore inserts a word break before the tokens at the given rune
// indexes.
func breakBefore(toks []string, at []int) []string {
	if len(at) == 0 {
		return toks
	}
	out := make([]string, 0, len(toks)+len(at))
	k := 0
	for i, t := range toks {
		if k < len(at) && at[k] == i {
			out = append(out, tokBreak)
			k++
		}
		out = append(out, t)
	}
	return out
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
			if isDigits(t) || (len(cur) > 0 && isDigits(cur[len(cur)-1])) {
				flush() // a house number is a word of its own
			}
			cur = append(cur, t)
		}
	}
	flush()
	return out
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// assemble writes the words in their forms.
func assemble(words [][]string) Romanization {
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
	return Romanization{Text: strings.Join(text, " "), Toned: strings.Join(toned, " "), Key: key.String(),
		Initials: initials.String(), Sound: strings.Join(sound, " ")}
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

// Toneless strips tone marks from pinyin, keeping ü: "Xī'ān" → "Xi'an".
func Toneless(s string) string { return toneless(s) }
