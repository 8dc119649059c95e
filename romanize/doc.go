// Package romanize spells Chinese place names and addresses in Hanyu
// Pinyin (罗马字母拼写) after the 1984 place-name rules and GB/T 16159
// (DOMAIN.md §2.6). It is the one romanizer of the system: the gazetteer,
// addresses, plates and scan pages all ask it.
//
// Readings come, in order of authority, from a person's per-character
// override, the admins' readings table, the reviewed place-name readings
// shipped here (each with its source), a word-level (phrase) dictionary,
// place-name defaults of single characters, and last the per-character
// dictionary. Words are read whole: 长沙 is Changsha wherever it occurs,
// and a reading that spans the specific and the generic part (蔚县 Yu Xian)
// applies.
package romanize
