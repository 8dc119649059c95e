package doorplate

import (
	"fmt"
	"strings"

	"github.com/diming/diming"
	qrcode "github.com/skip2/go-qrcode"
)

// qr.go is the only importer of go-qrcode (STYLE.md §1).

// PlateSize is a plate format with the printed size of its QR code, after
// the Tianjin QR doorplates (DOMAIN.md §5.5).
type PlateSize struct {
	Name    string
	Label   string // the name people read: 大号, 中号, 小号
	PlateMM [2]int // plate width and height, mm
	QRMM    int    // QR side, mm
}

// PlateSizes are the formats plates are printed in.
var PlateSizes = []PlateSize{
	{Name: "large", Label: "大号", PlateMM: [2]int{570, 370}, QRMM: 120},
	{Name: "medium", Label: "中号", PlateMM: [2]int{270, 170}, QRMM: 75},
	{Name: "small", Label: "小号", PlateMM: [2]int{150, 90}, QRMM: 40},
}

// FindPlateSize returns the format called name; it returns Invalid for an
// unknown name.
func FindPlateSize(name string) (PlateSize, error) {
	for _, s := range PlateSizes {
		if s.Name == name {
			return s, nil
		}
	}
	return PlateSize{}, diming.E("doorplate.FindPlateSize", diming.Invalid, fmt.Sprintf("没有门牌规格 %q：请用 large（大号）、medium（中号）或 small（小号）", name))
}

// Pixels is the QR's side in pixels when printed at dpi.
func (s PlateSize) Pixels(dpi int) int { return int(float64(s.QRMM) / 25.4 * float64(dpi)) }

// Plates live outdoors: level H (30 % recovery) survives dirt and scratches.
const qrLevel = qrcode.High

// QRPNG renders url as a PNG of side px pixels (quiet zone included).
// It returns Invalid for sizes outside 64–8192.
func QRPNG(url string, px int) ([]byte, error) {
	const op = "doorplate.QRPNG"
	if px < 64 || px > 8192 {
		return nil, diming.E(op, diming.Invalid, "the QR size must be between 64 and 8192 pixels")
	}
	q, err := qrcode.New(url, qrLevel)
	if err != nil {
		return nil, diming.E(op, err)
	}
	return q.PNG(px)
}

// QRSVG renders url as an SVG whose side is sideMM millimetres, one
// rect-run per row so the file stays small; it prints sharp at any size.
func QRSVG(url string, sideMM int) (string, error) {
	q, err := qrcode.New(url, qrLevel)
	if err != nil {
		return "", diming.E("doorplate.QRSVG", err)
	}
	bm := q.Bitmap() // includes the 4-module quiet zone
	n := len(bm)
	var b strings.Builder
	size := "100%"
	if sideMM > 0 {
		size = fmt.Sprintf("%dmm", sideMM)
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, size, size, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bm {
		for x := 0; x < n; {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < n && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start, y, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}

// QRText renders url as terminal text, two rows per line; the form tests
// keep as golden files instead of image bytes.
func QRText(url string) (string, error) {
	q, err := qrcode.New(url, qrLevel)
	if err != nil {
		return "", diming.E("doorplate.QRText", err)
	}
	return q.ToSmallString(false), nil
}
