package sharing

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
)

var (
	fire  = Department{Code: "xiaofang", Name: "消防救援大队", Grade: diming.GradeSensitive}
	check = Kind{Department: "xiaofang", Kind: "check", Label: "消防安全检查", Grade: diming.GradePublic, Fields: []KindField{
		{Name: "checked_on", Label: "检查日期", Type: TypeDate, Grade: diming.GradePublic, Required: true},
		{Name: "result", Label: "结果", Type: TypeEnum, Values: []string{"合格", "限期整改"}, Grade: diming.GradePublic},
		{Name: "score", Label: "得分", Type: TypeNumber, Grade: diming.GradeInternal},
		{Name: "phone", Label: "检查员手机", Type: TypeString, Grade: diming.GradeSensitive}}}
)

const addr = "33060200100100000001"

func TestNewRecordCheck(t *testing.T) {
	tests := []struct {
		name    string
		rec     NewRecord
		kind    *Kind
		dept    Department
		problem string // the field named, "" for none
	}{
		{"good", NewRecord{AddressCode: addr, Kind: "check", Ref: "A1", Payload: json.RawMessage(`{"checked_on":"2026-03-01","score":92}`)}, &check, fire, ""},
		{"bad address code", NewRecord{AddressCode: "33x", Kind: "check", Ref: "A1", Payload: json.RawMessage(`{"checked_on":"2026-03-01"}`)}, &check, fire, "address_code"},
		{"unknown kind", NewRecord{AddressCode: addr, Kind: "nope", Ref: "A1"}, nil, fire, "kind"},
		{"enum value", NewRecord{AddressCode: addr, Kind: "check", Ref: "A1", Payload: json.RawMessage(`{"checked_on":"2026-03-01","result":"好"}`)}, &check, fire, "payload.result"},
		{"type", NewRecord{AddressCode: addr, Kind: "check", Ref: "A1", Payload: json.RawMessage(`{"checked_on":"2026-03-01","score":"high"}`)}, &check, fire, "payload.score"},
		{"date", NewRecord{AddressCode: addr, Kind: "check", Ref: "A1", Payload: json.RawMessage(`{"checked_on":"01/03/2026"}`)}, &check, fire, "payload.checked_on"},
		{"required", NewRecord{AddressCode: addr, Kind: "check", Ref: "A1", Payload: json.RawMessage(`{}`)}, &check, fire, "payload.checked_on"},
		{"not an object", NewRecord{AddressCode: addr, Kind: "check", Ref: "A1", Payload: json.RawMessage(`[1]`)}, &check, fire, "payload"},
		{"oversized", NewRecord{AddressCode: addr, Kind: "check", Ref: "A1", Payload: json.RawMessage(`{"checked_on":"2026-03-01","phone":"` + strings.Repeat("1", MaxPayload) + `"}`)}, &check, fire, "payload"},
		{"grade above the department's", NewRecord{AddressCode: addr, Kind: "check", Ref: "A1", Grade: diming.GradeSensitive, Payload: json.RawMessage(`{"checked_on":"2026-03-01"}`)},
			&check, Department{Code: "scjg", Name: "市场监管局", Grade: diming.GradeInternal}, "grade"},
		{"validity reversed", NewRecord{AddressCode: addr, Kind: "check", Ref: "A1", ValidFrom: "2026-05-01", ValidTo: "2026-01-01", Payload: json.RawMessage(`{"checked_on":"2026-03-01"}`)}, &check, fire, "valid_to"},
		{"no reference", NewRecord{AddressCode: addr, Kind: "check", Payload: json.RawMessage(`{"checked_on":"2026-03-01"}`)}, &check, fire, "ref"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.rec.Check(tt.kind, tt.dept)
			var de *diming.Error
			switch {
			case tt.problem == "" && err != nil:
				t.Fatalf("Check() = %v, want nil", err)
			case tt.problem == "":
				if r.Grade != diming.GradePublic || r.Payload["score"] == nil {
					t.Errorf("Check() = %+v, want the kind's grade and the payload", r)
				}
			case err == nil || !errors.As(err, &de) || de.Fields[tt.problem] == "":
				t.Errorf("Check() = %v, want a problem with %s", err, tt.problem)
			}
		})
	}
}

func TestMaskByGrade(t *testing.T) {
	l := Linked{Record: Record{ID: 1, Department: "xiaofang", Kind: "check", DivisionCode: "330602001001", Grade: diming.GradePublic, Status: "active",
		Payload: map[string]any{"checked_on": "2026-03-01", "score": json.Number("92"), "phone": "13812345678"}}, Kind: check, DepartmentName: fire.Name}
	staff := &diming.User{Username: "s", Roles: []diming.Role{diming.RoleApprover}, Scope: "330602"}
	other := &diming.User{Username: "o", Roles: []diming.Role{diming.RoleApprover}, Scope: "330603", Grade: diming.GradeSensitive}
	sens := &diming.User{Username: "x", Roles: []diming.Role{diming.RoleDepartment}, Scope: "330602", Grade: diming.GradeSensitive}
	tests := []struct {
		name      string
		u         *diming.User
		masked    string
		sensitive int
	}{
		{"anonymous", nil, "[phone score]", 0},
		{"staff", staff, "[phone]", 0},
		{"sensitive grade out of scope", other, "[phone score]", 0},
		{"sensitive grade", sens, "[]", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, s, ok := Mask(l, tt.u)
			if !ok {
				t.Fatal("Mask() hid a public record")
			}
			if got := fmt.Sprint(v.MaskedFields); got != tt.masked {
				t.Errorf("MaskedFields = %v, want %s", v.MaskedFields, tt.masked)
			}
			if len(s) != tt.sensitive {
				t.Errorf("sensitive reads = %v, want %d", s, tt.sensitive)
			}
		})
	}
	l.Grade = diming.GradeSensitive
	if _, _, ok := Mask(l, staff); ok {
		t.Error("staff see a sensitive record")
	}
}

func TestScanText(t *testing.T) {
	l := Linked{Record: Record{Grade: diming.GradePublic, Status: "active", ValidTo: "2027-01-01",
		Payload: map[string]any{"checked_on": "2026-03-01", "result": "合格", "score": json.Number("92"), "phone": "13812345678"}}, Kind: check, DepartmentName: fire.Name}
	expired := l
	expired.ValidTo = "2026-01-01"
	secret := l
	secret.Grade = diming.GradeInternal
	got := ScanText([]Linked{l, expired, secret}, "2026-06-01")
	want := "消防救援大队 · 消防安全检查\x1f检查日期：2026-03-01；结果：合格；有效期至 2027-01-01\n"
	if got != want {
		t.Errorf("ScanText() = %q, want %q", got, want)
	}
}

func TestMaskSnapshotKeepsPhoneRule(t *testing.T) {
	grid := []byte(`{"Name":"一网格","WorkerPhone":"13812345678","WorkerPhoneKind":"personal","PolicePhone":"0575-1234567","PolicePhoneKind":"work"}`)
	keeper := &diming.User{Username: "k", Roles: []diming.Role{diming.RoleCommunityAdmin}, Scope: "330602001001"}
	staff := &diming.User{Username: "s", Roles: []diming.Role{diming.RoleApprover}, Scope: "330602"}
	for _, tt := range []struct {
		name string
		u    *diming.User
		want string
	}{
		{"keeper sees it as stored", keeper, "13812345678"},
		{"staff see it masked", staff, "138****5678"},
	} {
		out, _ := MaskSnapshot(grid, "grid", "330602001001", tt.u, doorplate.PhoneMask)
		if !strings.Contains(string(out), tt.want) || !strings.Contains(string(out), "0575-1234567") {
			t.Errorf("%s: MaskSnapshot() = %s, want %s and the work number", tt.name, out, tt.want)
		}
	}
	a := []byte(`{"FullText":"胜利街1号","Room":"301","Code":"x"}`)
	if out, _ := MaskSnapshot(a, "address", "330602001001", nil, doorplate.PhoneMask); !strings.Contains(string(out), `"Room":"***"`) ||
		!strings.Contains(string(out), "胜利街1号") {
		t.Errorf("public address snapshot = %s, want the room masked", out)
	}
}

func TestDecide(t *testing.T) {
	staff := &diming.User{Username: "s", Scope: "330699", Roles: []diming.Role{diming.RoleApprover}}
	secret := &diming.User{Username: "x", Scope: "330699", Roles: []diming.Role{diming.RoleApprover}, Grade: diming.GradeSensitive}
	open := &diming.User{Username: "o", Scope: "330699", Roles: []diming.Role{diming.RoleApprover}, Grade: diming.GradePublic}
	tests := []struct {
		name          string
		u             *diming.User
		entity, field string
		division      string
		want          Decision
		sensitive     bool
	}{
		{"anonymous, public field", nil, "address", "full_text", "330699001001", FieldShown, false},
		{"anonymous, room", nil, "address", "room", "330699001001", FieldMasked, false},
		{"staff, room", staff, "address", "room", "330699001001", FieldShown, false},
		{"staff outside scope, room", staff, "address", "room", "330602001001", FieldMasked, false},
		{"public-grade token, room", open, "address", "room", "330699001001", FieldMasked, false},
		{"staff, personal phone", staff, "grid", "worker_phone", "330699001001", FieldPhone, false},
		{"sensitive, personal phone", secret, "grid", "worker_phone", "330699001001", FieldShown, true},
		{"unregistered field is internal", nil, "address", "no_such_field", "330699001001", FieldMasked, false},
		{"snake and Go names are one field", nil, "address", "Room", "330699001001", FieldMasked, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, s := Decide(tt.u, tt.entity, tt.field, tt.division)
			if d != tt.want || s != tt.sensitive {
				t.Errorf("Decide() = %v, %v, want %v, %v", d, s, tt.want, tt.sensitive)
			}
		})
	}
}

func TestScanUntil(t *testing.T) {
	// 2026-06-01 10:00 Beijing time.
	now := time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)
	rec := func(from, to string, g diming.Grade) Linked {
		return Linked{Record: Record{Grade: g, Status: "active", ValidFrom: from, ValidTo: to}, Kind: check, DepartmentName: fire.Name}
	}
	cst := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name  string
		links []Linked
		want  time.Time
	}{
		{"no dates", []Linked{rec("", "", diming.GradePublic)}, time.Time{}},
		{"ends today: gone at midnight", []Linked{rec("", "2026-06-01", diming.GradePublic), rec("", "2026-09-01", diming.GradePublic)},
			time.Date(2026, 6, 2, 0, 0, 0, 0, cst)},
		{"starts later", []Linked{rec("2026-06-10", "2026-12-31", diming.GradePublic)}, time.Date(2026, 6, 10, 0, 0, 0, 0, cst)},
		{"already ended", []Linked{rec("", "2026-05-31", diming.GradePublic)}, time.Time{}},
		{"internal records never show", []Linked{rec("", "2026-06-01", diming.GradeInternal)}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ScanUntil(tt.links, now); !got.Equal(tt.want) {
				t.Errorf("ScanUntil() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDeriveAddressText(t *testing.T) {
	obj := map[string]any{"full_text": "若耶县胜利街3号2幢1单元6层602室", "pinyin": "Ruoye Xian ... 602 Shi", "floor": Masked, "room": Masked}
	Derive("address", obj, map[string]any{"floor": "6", "room": "602"})
	if obj["full_text"] != "若耶县胜利街3号2幢1单元" || obj["pinyin"] != Masked {
		t.Errorf("Derive() = %v, want the text without floor and room and the pinyin masked", obj)
	}
}
