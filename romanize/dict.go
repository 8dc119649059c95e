package romanize

// This file is the one importer of the pinyin dictionaries: go-pinyin's
// per-character data (pinyin-data) and gpy's phrase dictionary (from
// hotoo/pinyin's phrases-dict). The rules stay in this package.

import (
	"strings"

	"github.com/go-ego/gpy/phrase"
	pinyin "github.com/mozillazg/go-pinyin"
)

// dictChar returns the toned readings the character dictionary knows for
// r, the usual one first.
func dictChar(r rune) []string {
	// The raw data holds the toned readings ("zhōng,zhòng"); reading it
	// directly skips the library's per-call style rewriting.
	v, ok := pinyin.PinyinDict[int(r)]
	if !ok || v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// dictPhrase returns the toned syllables of a word the phrase dictionary
// knows, one per character, or nil. The dictionary answers without tones;
// each syllable takes its tone from the character's own readings.
func dictPhrase(word []rune) []string {
	m := strings.Fields(phrase.Match(string(word)))
	if len(m) != len(word) {
		return nil // unknown, or an entry that does not read one syllable a character
	}
	out := make([]string, len(m))
	for i, syl := range m {
		syl = strings.ReplaceAll(strings.ToLower(syl), "v", "ü")
		out[i] = ""
		for _, c := range dictChar(word[i]) {
			if toneless(c) == syl {
				out[i] = c
				break
			}
		}
		if out[i] == "" {
			return nil // a reading the character does not have: an error of the phrase data (苹果 "pin guo")
		}
	}
	return out
}
