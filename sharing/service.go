package sharing

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/diming/diming"
)

// Store is what the sharing service needs from storage.
type Store interface {
	FindDepartment(ctx context.Context, code string) (Department, error)
	FindKinds(ctx context.Context, department string) ([]Kind, error)
	AddressDivisions(ctx context.Context, codes []string) (map[string]string, error)
	// SaveRecords writes every record or none.
	SaveRecords(ctx context.Context, recs []Record) (int, error)
	FindLinks(ctx context.Context, addressCode string, history bool) ([]Linked, string, error)
	LogAccess(ctx context.Context, reads []Read) error
}

// Read is one read of sensitive-grade data, for the access log.
type Read struct {
	Owner    string // the department owning the data ("" for the bureau)
	Entity   string
	EntityID string
	Fields   []string
}

// Service links departments' records to addresses and shows them by grade.
type Service struct{ store Store }

// NewService returns a service over store.
func NewService(store Store) *Service { return &Service{store: store} }

// maxErrors is how many line problems a refused bulk file reports.
const maxErrors = 50

// DepartmentOf returns the department u acts for: Forbidden unless u is a
// department account.
func (s *Service) DepartmentOf(ctx context.Context, u *diming.User) (Department, error) {
	if err := diming.Authorize(u, diming.RoleDepartment, u.Scope); err != nil || u.Department == "" {
		if err == nil {
			err = diming.E("sharing.DepartmentOf", diming.Forbidden, "只有部门账号可以挂接部门数据")
		}
		return Department{}, err
	}
	return s.store.FindDepartment(ctx, u.Department)
}

// RegisterKind checks a kind of department's records, registered by u:
// the department's own account, or a national admin on its behalf. The
// caller saves it. Forbidden for anyone else, NotFound for an unknown
// department, Invalid with the fields to fix.
func (s *Service) RegisterKind(ctx context.Context, u *diming.User, department string, k Kind) (Kind, error) {
	var d Department
	var err error
	switch {
	case u != nil && u.Department != "" && u.Department == department:
		d, err = s.DepartmentOf(ctx, u)
	case diming.Authorize(u, diming.RoleAdmin, "") == nil:
		d, err = s.store.FindDepartment(ctx, department)
	case u == nil:
		err = diming.Authorize(u, diming.RoleAdmin, "")
	default:
		err = diming.Errorf(diming.Forbidden, "只有部门“%s”的账号或全国管理员可以登记它的数据类别", department)
	}
	if err != nil {
		return k, err
	}
	k.Department = d.Code
	return k, k.Validate(d)
}

// Link checks records sent by u's department (fields "N.field" name the
// record, from 1) and writes them all, or none when any is wrong: an
// unknown address code or kind, a payload that does not match the kind's
// schema or is too large, a grade above the department's own, an address
// outside u's scope, or one reference twice. It returns how many it wrote.
func (s *Service) Link(ctx context.Context, u *diming.User, in []NewRecord) (int, error) {
	const op = "sharing.Link"
	d, err := s.DepartmentOf(ctx, u)
	if err != nil {
		return 0, err
	}
	if len(in) == 0 || len(in) > MaxBulkLines {
		return 0, diming.E(op, diming.Invalid, fmt.Sprintf("请提交 1–%d 条记录", MaxBulkLines))
	}
	kinds, err := s.kinds(ctx, d.Code)
	if err != nil {
		return 0, err
	}
	codes := make([]string, len(in))
	for i, nr := range in {
		codes[i] = nr.AddressCode
	}
	divisions, err := s.store.AddressDivisions(ctx, codes)
	if err != nil {
		return 0, err
	}
	fe := diming.FieldErrors{}
	recs := make([]Record, 0, len(in))
	seen := make(map[string]int, len(in))
	for i, nr := range in {
		if len(fe) >= maxErrors {
			break
		}
		line := strconv.Itoa(i + 1)
		r, err := nr.Check(kinds[nr.Kind], d)
		addFields(fe, line, err)
		div, known := divisions[nr.AddressCode]
		switch {
		case fe[line+".address_code"] != "":
		case !known:
			fe.Add(line+".address_code", "地址编码 "+nr.AddressCode+" 不存在")
		case !u.InScope(div):
			fe.Add(line+".address_code", fmt.Sprintf("地址 %s 所在区划 %s 不在你的管辖范围 %s 内", nr.AddressCode, div, u.Scope))
		}
		key := nr.Kind + "\x00" + nr.Ref
		if j, dup := seen[key]; dup {
			fe.Add(line+".ref", fmt.Sprintf("业务编号 %s 与第 %d 条重复", nr.Ref, j))
		}
		seen[key] = i + 1
		recs = append(recs, r)
	}
	if len(fe) > 0 {
		return 0, &diming.Error{Op: op, Kind: diming.Invalid, Fields: fe,
			Msg: fmt.Sprintf("有 %d 处问题（逐条列出，最多 %d 处），未写入任何记录", len(fe), maxErrors)}
	}
	return s.store.SaveRecords(ctx, recs)
}

func (s *Service) kinds(ctx context.Context, department string) (map[string]*Kind, error) {
	ks, err := s.store.FindKinds(ctx, department)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Kind, len(ks))
	for i := range ks {
		out[ks[i].Kind] = &ks[i]
	}
	return out, nil
}

// addFields copies an Invalid error's fields under prefix.
func addFields(fe diming.FieldErrors, prefix string, err error) {
	if err == nil {
		return
	}
	var de *diming.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		fe.Add(prefix, diming.KindOf(err).String())
		return
	}
	for k, v := range de.Fields {
		fe.Add(prefix+"."+k, v)
	}
}

// Links returns the records linked to an address as u sees them (records
// above u's grade left out, fields above it masked), and logs u's reads of
// sensitive-grade fields. NotFound for an unknown address code.
func (s *Service) Links(ctx context.Context, u *diming.User, addressCode string, history bool) ([]View, error) {
	links, _, err := s.store.FindLinks(ctx, addressCode, history)
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(links))
	var reads []Read
	for _, l := range links {
		v, sensitive, ok := Mask(l, u)
		if !ok {
			continue
		}
		out = append(out, v)
		if len(sensitive) > 0 {
			reads = append(reads, Read{Owner: l.Department, Entity: "linked_record", EntityID: strconv.FormatInt(l.ID, 10), Fields: sensitive})
		}
	}
	if err := s.store.LogAccess(ctx, reads); err != nil {
		return nil, err // nothing sensitive is shown unless its read is logged
	}
	return out, nil
}
