package sharing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming"
)

// Department is a department that links its records to addresses, with
// the highest grade of data it may hold and read.
type Department struct {
	Code  string       `json:"code"`
	Name  string       `json:"name"`
	Grade diming.Grade `json:"grade"`
}

// FieldType is the type of one payload field.
type FieldType string

// The payload field types.
const (
	TypeString FieldType = "string"
	TypeNumber FieldType = "number"
	TypeBool   FieldType = "bool"
	TypeDate   FieldType = "date" // YYYY-MM-DD
	TypeEnum   FieldType = "enum" // one of Values
)

// KindField is one field of a kind's payload schema.
type KindField struct {
	Name     string       `json:"name"`
	Label    string       `json:"label"`
	Type     FieldType    `json:"type"`
	Grade    diming.Grade `json:"grade"`
	Required bool         `json:"required,omitempty"`
	Values   []string     `json:"values,omitempty"`
}

// Kind is a kind of record a department registers (营业执照, 消防检查 …),
// with the schema of its payload.
type Kind struct {
	Department string       `json:"department"`
	Kind       string       `json:"kind"`
	Label      string       `json:"label"`
	Grade      diming.Grade `json:"grade"` // the least grade of its records
	Fields     []KindField  `json:"fields"`
	Version    int          `json:"version,omitempty"`
}

// Limits of what a department may send.
const (
	MaxPayload   = 2048 // bytes of one record's payload JSON
	MaxFields    = 20   // fields of one kind
	MaxBulkLines = 100_000
)

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// Validate checks a department; Invalid with the fields to fix.
func (d Department) Validate() error {
	fe := diming.FieldErrors{}
	if !codeRE.MatchString(d.Code) {
		fe.Add("code", "部门代码为 2–32 个小写字母、数字或“_”，以字母开头（如 xiaofang）")
	}
	if d.Name == "" {
		fe.Add("name", "请填写部门名称")
	}
	if !d.Grade.Valid() {
		fe.Add("grade", "数据等级须为 public、internal 或 sensitive")
	}
	return invalid(fe, "sharing.Department", "部门信息有字段需要修改")
}

// Validate checks a kind against its department: field names, types, and
// no grade above the department's own. Invalid with the fields to fix.
func (k Kind) Validate(d Department) error {
	fe := diming.FieldErrors{}
	if !codeRE.MatchString(k.Kind) {
		fe.Add("kind", "类别代码为 2–32 个小写字母、数字或“_”，以字母开头（如 licence）")
	}
	if k.Label == "" {
		fe.Add("label", "请填写类别名称")
	}
	checkGrade(fe, "grade", k.Grade, d)
	if len(k.Fields) == 0 || len(k.Fields) > MaxFields {
		fe.Add("fields", fmt.Sprintf("请登记 1–%d 个字段", MaxFields))
	}
	seen := map[string]bool{}
	for i, f := range k.Fields {
		p := "fields[" + strconv.Itoa(i) + "]"
		if !codeRE.MatchString(f.Name) || seen[f.Name] {
			fe.Add(p+".name", "字段名为 2–32 个小写字母、数字或“_”，且不能重复")
		}
		seen[f.Name] = true
		if f.Label == "" {
			fe.Add(p+".label", "请填写字段名称")
		}
		switch f.Type {
		case TypeString, TypeNumber, TypeBool, TypeDate:
		case TypeEnum:
			if len(f.Values) == 0 {
				fe.Add(p+".values", "枚举字段须列出可选值")
			}
		default:
			fe.Add(p+".type", "字段类型须为 string、number、bool、date 或 enum")
		}
		checkGrade(fe, p+".grade", f.Grade, d)
	}
	return invalid(fe, "sharing.Kind", "数据类别的登记有字段需要修改")
}

// invalid is fe as an Invalid error with a message people read.
func invalid(fe diming.FieldErrors, op, msg string) error {
	if len(fe) == 0 {
		return nil
	}
	return &diming.Error{Op: op, Kind: diming.Invalid, Msg: msg, Fields: fe}
}

// checkGrade adds a problem when g is unknown or above d's grade.
func checkGrade(fe diming.FieldErrors, field string, g diming.Grade, d Department) {
	switch {
	case !g.Valid():
		fe.Add(field, "数据等级须为 public、internal 或 sensitive")
	case !d.Grade.Allows(g):
		fe.Add(field, fmt.Sprintf("数据等级“%s”高于部门“%s”自己的等级“%s”", g.Label(), d.Name, d.Grade.Label()))
	}
}

// field returns the schema of a payload field.
func (k Kind) field(name string) (KindField, bool) {
	for _, f := range k.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return KindField{}, false
}

// Record is a department's record linked to an address.
type Record struct {
	ID           int64          `json:"id"`
	Department   string         `json:"department"`
	Kind         string         `json:"kind"`
	Ref          string         `json:"ref"`
	AddressCode  string         `json:"address_code"`
	DivisionCode string         `json:"division_code,omitempty"`
	ValidFrom    string         `json:"valid_from,omitempty"`
	ValidTo      string         `json:"valid_to,omitempty"`
	Grade        diming.Grade   `json:"grade"`
	Payload      map[string]any `json:"payload"`
	Status       string         `json:"status"`
	Version      int            `json:"version,omitempty"`
}

// NewRecord is one record as a department sends it (one API call, or one
// line of a bulk file).
type NewRecord struct {
	AddressCode string          `json:"address_code"`
	Kind        string          `json:"kind"`
	Ref         string          `json:"ref"`
	ValidFrom   string          `json:"valid_from,omitempty"`
	ValidTo     string          `json:"valid_to,omitempty"`
	Grade       diming.Grade    `json:"grade,omitempty"` // default: the kind's grade
	Payload     json.RawMessage `json:"payload"`
}

// Check parses nr against its kind (nil when the department registered
// none of that name) and department, once, into the record to write. The
// address code is checked by the store. Invalid with the fields to fix.
func (nr NewRecord) Check(k *Kind, d Department) (Record, error) {
	fe := diming.FieldErrors{}
	r := Record{Department: d.Code, Kind: nr.Kind, Ref: nr.Ref, AddressCode: nr.AddressCode, Grade: nr.Grade, Status: "active"}
	if len(nr.AddressCode) < 20 || len(nr.AddressCode) > 24 || !digits(nr.AddressCode) {
		fe.Add("address_code", "地址编码为 20 位以上数字（门牌页上的“地址编码”）")
	}
	if nr.Ref == "" || len(nr.Ref) > 100 {
		fe.Add("ref", "请填写本部门的业务编号（1–100 个字符）")
	}
	for _, d := range [][2]string{{"valid_from", nr.ValidFrom}, {"valid_to", nr.ValidTo}} {
		if d[1] != "" && !isDate(d[1]) {
			fe.Add(d[0], "日期格式为 YYYY-MM-DD")
		}
	}
	if nr.ValidFrom != "" && nr.ValidTo != "" && nr.ValidTo < nr.ValidFrom {
		fe.Add("valid_to", "有效期止不能早于有效期起")
	}
	r.ValidFrom, r.ValidTo = nr.ValidFrom, nr.ValidTo
	if k == nil {
		fe.Add("kind", fmt.Sprintf("部门“%s”没有登记类别“%s”", d.Name, nr.Kind))
		return r, fe.Err("sharing.NewRecord")
	}
	if r.Grade == "" {
		r.Grade = k.Grade
	}
	checkGrade(fe, "grade", r.Grade, d)
	if r.Grade.Valid() && !r.Grade.Allows(k.Grade) {
		fe.Add("grade", fmt.Sprintf("类别“%s”的记录至少为“%s”", k.Label, k.Grade.Label()))
	}
	r.Payload = checkPayload(fe, nr.Payload, k)
	return r, fe.Err("sharing.NewRecord")
}

// checkPayload decodes a payload and checks it against the schema.
func checkPayload(fe diming.FieldErrors, raw json.RawMessage, k *Kind) map[string]any {
	if len(raw) > MaxPayload {
		fe.Add("payload", fmt.Sprintf("内容过大（%d 字节），上限 %d 字节", len(raw), MaxPayload))
		return nil
	}
	p := map[string]any{}
	if len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&p); err != nil || p == nil {
			fe.Add("payload", "内容须为 JSON 对象")
			return nil
		}
	}
	for name, v := range p {
		f, ok := k.field(name)
		if !ok {
			fe.Add("payload."+name, fmt.Sprintf("类别“%s”没有登记字段“%s”", k.Label, name))
			continue
		}
		if msg := checkValue(f, v); msg != "" {
			fe.Add("payload."+name, msg)
		}
	}
	for _, f := range k.Fields {
		if _, ok := p[f.Name]; f.Required && !ok {
			fe.Add("payload."+f.Name, "必填字段“"+f.Label+"”缺失")
		}
	}
	return p
}

// checkValue returns what is wrong with v as a value of f, or "".
func checkValue(f KindField, v any) string {
	switch f.Type {
	case TypeString:
		if s, ok := v.(string); !ok || len(s) > 500 {
			return "“" + f.Label + "”须为不超过 500 字节的文字"
		}
	case TypeNumber:
		if _, ok := v.(json.Number); !ok {
			return "“" + f.Label + "”须为数字"
		}
	case TypeBool:
		if _, ok := v.(bool); !ok {
			return "“" + f.Label + "”须为 true 或 false"
		}
	case TypeDate:
		if s, ok := v.(string); !ok || !isDate(s) {
			return "“" + f.Label + "”须为日期 YYYY-MM-DD"
		}
	case TypeEnum:
		s, _ := v.(string)
		for _, x := range f.Values {
			if x == s {
				return ""
			}
		}
		return fmt.Sprintf("“%s”须为以下之一：%s", f.Label, strings.Join(f.Values, "、"))
	}
	return ""
}

func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
