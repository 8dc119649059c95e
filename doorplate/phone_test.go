package doorplate_test

import (
	"testing"

	"github.com/diming/diming/doorplate"
)

func TestMaskSnapshot(t *testing.T) {
	tests := []struct {
		name string
		in   string
		p    doorplate.PhonePolicy
		want string
	}{
		{"personal masked, work kept, ids exact", `{"ID":9007199254740993,"WorkerPhone":"13812345678","WorkerPhoneKind":"personal","PolicePhone":"110","PolicePhoneKind":"work"}`,
			doorplate.PhoneMask, `{"ID":9007199254740993,"PolicePhone":"110","PolicePhoneKind":"work","WorkerPhone":"138****5678","WorkerPhoneKind":"personal"}`},
		{"hidden under hide", `{"PolicePhone":"13812345678","PolicePhoneKind":"personal"}`, doorplate.PhoneHide, `{"PolicePhone":"","PolicePhoneKind":"personal"}`},
		{"nested in a list", `{"grids":[{"WorkerPhone":"13900001111","WorkerPhoneKind":"personal"}]}`, doorplate.PhoneMask,
			`{"grids":[{"WorkerPhone":"139****1111","WorkerPhoneKind":"personal"}]}`},
		{"no kind, no change", `{"ServicePhone":"0575-88001234"}`, doorplate.PhoneMask, `{"ServicePhone":"0575-88001234"}`},
		{"not JSON", `xyz`, doorplate.PhoneMask, `xyz`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(doorplate.MaskSnapshot([]byte(tt.in), tt.p)); got != tt.want {
				t.Errorf("MaskSnapshot() = %s, want %s", got, tt.want)
			}
		})
	}
}
