// Package sharing is 一址一码: the address code as the key other
// departments' records hang on, shared by data grade and masked.
//
// It holds the one registry of data grades (grades.go) and the one rule
// of what a caller sees (CallerGrade, Visible, MaskSnapshot, Mask); the
// departments, the kinds of record they register with the schema of their
// payload, and the checks a linked record passes before it is written
// (linked.go); and what the scan page shows of them (ScanText).
package sharing
