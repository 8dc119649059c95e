package doorplate

import (
	"math"
	"strings"
	"unicode"
)

// Face lays out one plate's printed face after GB 17733's building sign
// (DOMAIN.md §5 item 5): on the left, white on blue, the street's (or
// area's) name with its pinyin under it, both large; beside them the door
// number; on the right the QR with the plate's code printed under it as
// text, so a damaged code can still be typed in. Lengths are millimetres.
type Face struct {
	Street, Pinyin, Number string
	Code                   [2]string // the code in two lines: id and key, then signature

	PlateW, PlateH float64
	Pad, Gap       float64
	NameW, NumberW float64 // widths of the name block and the number block
	QR             float64 // side of the QR
	NameMM         float64 // font sizes
	PinyinMM       float64
	NumberMM       float64
	CodeMM         float64
}

// PlateFace returns the face of plate p printed in size: each text gets
// the largest font that fits its block, within limits set by the plate's
// height, so long names shrink instead of overflowing.
func PlateFace(p Plate, size PlateSize) Face {
	f := Face{Street: p.StreetName, Pinyin: p.StreetPinyin, Number: p.DoorLabel,
		PlateW: float64(size.PlateMM[0]), PlateH: float64(size.PlateMM[1]), QR: float64(size.QRMM)}
	if i := strings.LastIndexByte(p.Code, '.'); i > 0 {
		f.Code = [2]string{p.Code[:i+1], p.Code[i+1:]}
	} else {
		f.Code = [2]string{p.Code, ""}
	}
	h := f.PlateH
	f.Pad, f.Gap = round1(h*0.05), round1(h*0.04)
	text := f.PlateW - 2*f.Pad - f.QR - 2*f.Gap
	f.NameW = round1(text * 0.6)
	f.NumberW = round1(text - f.NameW)
	f.NameMM = fit(f.Street, f.NameW, h*0.22)
	f.PinyinMM = fit(f.Pinyin, f.NameW, h*0.09)
	f.NumberMM = fit(f.Number, f.NumberW, h*0.34)
	f.CodeMM = fit(longer(f.Code[0], f.Code[1]), f.QR*0.92, f.QR*0.1)
	return f
}

// fit is the largest font size (mm, one decimal) at which s fits width,
// but no more than max.
func fit(s string, width, max float64) float64 {
	em := emWidth(s)
	if em == 0 {
		return round1(max)
	}
	return round1(math.Min(max, width/em))
}

// emWidth estimates the width of s in ems: Chinese characters are square,
// Latin letters and digits a little over half as wide.
func emWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r) || r > 0x2e80:
			w += 1
		case r == ' ' || r == '.' || r == '\'':
			w += 0.3
		case unicode.IsUpper(r) || unicode.IsDigit(r):
			w += 0.65
		default:
			w += 0.56
		}
	}
	return w
}

func longer(a, b string) string {
	if len(b) > len(a) {
		return b
	}
	return a
}

func round1(v float64) float64 { return math.Floor(v*10) / 10 }
