package doorplate_test

import (
	"testing"

	"github.com/diming/diming/doorplate"
)

// TestPlateFace: on every plate size the street, its pinyin, the number
// and the code fit their blocks, long names shrink rather than overflow,
// and the printed code reads back as the plate's code.
func TestPlateFace(t *testing.T) {
	code := "dighj0a8m8m4.k2.nprerml18njsakghg6dp"
	tests := []struct{ street, pinyin, number string }{
		{"胜利街", "Shengli Jie", "1号"},
		{"解放路", "Jiefang Lu", "128号"},
		{"学府大道", "Xuefu Dadao", "2号3幢"},
		{"人民东路北延伸段", "Renmin Donglu Beiyanshenduan", "10086号"},
	}
	for _, size := range doorplate.PlateSizes {
		var shortName float64
		for i, tt := range tests {
			f := doorplate.PlateFace(doorplate.Plate{StreetName: tt.street, StreetPinyin: tt.pinyin, DoorLabel: tt.number, Code: code}, size)
			if f.Code[0]+f.Code[1] != code {
				t.Errorf("%s %s: code lines %q do not rejoin to %s", size.Name, tt.street, f.Code, code)
			}
			h := f.PlateH - 2*f.Pad
			if f.NameW+f.NumberW+f.QR+2*f.Gap+2*f.Pad > f.PlateW+0.5 {
				t.Errorf("%s: blocks %.1f+%.1f+%.1f mm overflow the %.0f mm plate", size.Name, f.NameW, f.NumberW, f.QR, f.PlateW)
			}
			if f.QR+2.6*f.CodeMM > h || f.NameMM*1.1+f.PinyinMM*1.5 > h {
				t.Errorf("%s %s: the QR with its code, or the name with its pinyin, is taller than the plate", size.Name, tt.street)
			}
			if f.NameMM < f.PlateH*0.07 || f.NumberMM < f.PlateH*0.09 || f.CodeMM < 1.8 {
				t.Errorf("%s %s: name %.1f, number %.1f, code %.1f mm are too small to read", size.Name, tt.street, f.NameMM, f.NumberMM, f.CodeMM)
			}
			if i == 0 {
				shortName = f.NameMM
			}
			if f.NameMM > shortName {
				t.Errorf("%s: %s is set larger (%.1f mm) than 胜利街 (%.1f mm)", size.Name, tt.street, f.NameMM, shortName)
			}
			if f.NameMM <= f.PinyinMM || f.NumberMM <= f.PinyinMM {
				t.Errorf("%s %s: the pinyin (%.1f mm) is not smaller than the name (%.1f) and number (%.1f)", size.Name, tt.street, f.PinyinMM, f.NameMM, f.NumberMM)
			}
		}
	}
}
