package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/data"
	"github.com/diming/diming/sharing"
	"github.com/labstack/echo/v4"
)

// 一址一码 in the workspace: departments and their kinds of record
// (/work/departments), a department's records on an address code
// (/work/links) and the access log of its sensitive data
// (/work/access-log). Pages read through the sharing rules with the
// signed-in user; their forms write through the JSON API (links.go).

// addLinkPages registers the 一址一码 pages.
func addLinkPages(w *echo.Group, p *pages, d Deps) {
	if d.Sharing == nil {
		return
	}
	svc := sharing.NewService(d.Sharing)
	w.GET("/departments", handleDepartmentsPage(p, d.Sharing), doorplateHTML)
	w.GET("/departments/:code", handleDepartmentPage(p, d), doorplateHTML)
	w.GET("/links", handleLinksPage(p, d.Sharing, svc), doorplateHTML)
	w.GET("/access-log", handleAccessLogPage(p, d.Sharing), doorplateHTML)
}

// nationalAdmin reports whether u administers the whole country: only
// they create departments and read any department's access log.
func nationalAdmin(u *diming.User) bool { return diming.Authorize(u, diming.RoleAdmin, "") == nil }

// linkNav is the menu's 一址一码 entries for u.
func linkNav(u *diming.User) []navItem {
	var items []navItem
	switch {
	case nationalAdmin(u):
		items = append(items, navItem{Key: "departments", Label: "部门与数据类别", Href: "/work/departments",
			Desc: "登记共享数据的部门、部门的数据类别及其字段和数据等级，开设部门账号。"})
	case u != nil && u.Department != "":
		items = append(items, navItem{Key: "departments", Label: "数据类别", Href: "/work/departments/" + u.Department,
			Desc: "本部门登记的数据类别：字段、类型和数据等级。"})
	default:
		return nil
	}
	return append(items,
		navItem{Key: "links", Label: "一址一码", Href: "/work/links", Desc: "按地址编码查看、挂接和注销部门数据；上传批量文件（全部成功才写入）。"},
		navItem{Key: "access-log", Label: "访问日志", Href: "/work/access-log", Desc: "谁在何时读取了本部门的敏感数据。"})
}

type gradeOption struct {
	Grade diming.Grade
	Label string
}

func gradeOptions(from, to diming.Grade) []gradeOption {
	var out []gradeOption
	for _, g := range diming.Grades {
		if g.Rank() >= from.Rank() && to.Allows(g) {
			out = append(out, gradeOption{g, g.Label() + "（" + string(g) + "）"})
		}
	}
	return out
}

// departmentsPage is /work/departments (national admins): every
// department with its grade and how many kinds it registered.
type departmentsPage struct {
	Departments []departmentRow
	Grades      []gradeOption
}

type departmentRow struct {
	sharing.Department
	Kinds []string
}

func handleDepartmentsPage(p *pages, st SharingStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := p.signedIn(c)
		if u == nil {
			return err
		}
		if !nationalAdmin(u) {
			if u.Department != "" {
				return c.Redirect(http.StatusSeeOther, "/work/departments/"+u.Department)
			}
			return diming.E("web.departmentsPage", diming.Forbidden, "部门与数据类别只对全国管理员和部门账号开放")
		}
		ctx := c.Request().Context()
		ds, err := st.FindDepartments(ctx)
		if err != nil {
			return err
		}
		ks, err := st.FindKinds(ctx, "")
		if err != nil {
			return err
		}
		data := departmentsPage{Grades: gradeOptions(diming.GradePublic, diming.GradeSensitive)}
		for _, d := range ds {
			row := departmentRow{Department: d}
			for _, k := range ks {
				if k.Department == d.Code {
					row.Kinds = append(row.Kinds, k.Label)
				}
			}
			data.Departments = append(data.Departments, row)
		}
		return p.render(c, http.StatusOK, "departments", pageData{Title: "部门与数据类别", Active: "departments", Data: data})
	}
}

// departmentPage is one department: its kinds with their schemas, the
// form registering a kind, and (for national admins) its accounts.
type departmentPage struct {
	Dept       sharing.Department
	Kinds      []sharing.Kind
	CanEdit    bool
	Admin      bool
	Accounts   []diming.UserRecord
	Grades     []gradeOption // up to the department's grade
	FieldTypes []typeOption
	Scope      string // default scope of a new account
}

func handleDepartmentPage(p *pages, d Deps) echo.HandlerFunc {
	st := d.Sharing
	return func(c echo.Context) error {
		u, err := p.signedIn(c)
		if u == nil {
			return err
		}
		code := c.Param("code")
		admin := nationalAdmin(u)
		if !admin && u.Department != code {
			return diming.E("web.departmentPage", diming.Forbidden, "只有该部门的账号和全国管理员可以查看")
		}
		ctx := c.Request().Context()
		dept, err := st.FindDepartment(ctx, code)
		if err != nil {
			return err
		}
		data := departmentPage{Dept: dept, CanEdit: true, Admin: admin, Grades: gradeOptions(diming.GradePublic, dept.Grade),
			Scope: u.Scope}
		for _, t := range []sharing.FieldType{sharing.TypeString, sharing.TypeNumber, sharing.TypeDate, sharing.TypeEnum, sharing.TypeBool} {
			data.FieldTypes = append(data.FieldTypes, typeOption{t, fieldTypeLabel(t)})
		}
		if data.Kinds, err = st.FindKinds(ctx, code); err != nil {
			return err
		}
		if ua, ok := d.Accounts.(UserAdmin); ok && admin {
			users, err := ua.FindUsers(ctx, u.Scope)
			if err != nil {
				return err
			}
			for _, x := range users {
				if x.Department == code {
					data.Accounts = append(data.Accounts, x)
				}
			}
		}
		return p.render(c, http.StatusOK, "department", pageData{Title: dept.Name + " · 数据类别", Active: "departments", Data: data})
	}
}

type typeOption struct {
	Type  sharing.FieldType
	Label string
}

func fieldTypeLabel(t sharing.FieldType) string {
	switch t {
	case sharing.TypeString:
		return "文字"
	case sharing.TypeNumber:
		return "数字"
	case sharing.TypeBool:
		return "是/否"
	case sharing.TypeDate:
		return "日期"
	case sharing.TypeEnum:
		return "选项"
	}
	return string(t)
}

// linksPage is /work/links: find an address (by code or text), see its
// records as the user's grade allows (current, or with history), attach
// one through a form generated from a kind's schema, retire one, and
// upload a bulk file.
type linksPage struct {
	Dept    *sharing.Department // nil: the user reads but cannot link
	Query   string
	Hits    []data.AddressHit
	Code    string
	Address *data.AddressHit
	Missing string // why the code shows nothing
	History bool
	Records []linkRow
	Forms   []kindForm
}

type linkRow struct {
	sharing.View
	Fields []shownField
	Own    bool // the user's department's active record: it may retire it
}

type shownField struct {
	Label, Value string
	Masked       bool
}

// kindForm is the attach form of one kind: an input per payload field.
type kindForm struct {
	Kind   sharing.Kind
	Inputs []fieldInput
	Grades []gradeOption
}

type fieldInput struct {
	Name, Label, Type, DataType string
	Options                     []string
	Required                    bool
	Grade                       diming.Grade
}

func handleLinksPage(p *pages, st SharingStore, svc *sharing.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := p.signedIn(c)
		if u == nil {
			return err
		}
		if u.Department == "" && !nationalAdmin(u) {
			return diming.E("web.linksPage", diming.Forbidden, "一址一码只对部门账号和全国管理员开放")
		}
		ctx := c.Request().Context()
		data := linksPage{Query: strings.TrimSpace(c.QueryParam("q")), Code: strings.TrimSpace(c.QueryParam("code")), History: c.QueryParam("history") == "1"}
		if data.Query != "" {
			if data.Hits, err = st.SearchAddresses(ctx, data.Query, u.Scope, 30); err != nil {
				return err
			}
		}
		kinds, err := st.FindKinds(ctx, "")
		if err != nil {
			return err
		}
		if u.Department != "" {
			dept, err := svc.DepartmentOf(ctx, u)
			if err != nil {
				return err
			}
			data.Dept = &dept
			for _, k := range kinds {
				if k.Department == dept.Code {
					data.Forms = append(data.Forms, newKindForm(k, dept))
				}
			}
		}
		if data.Code != "" {
			if err := data.load(c, st, svc, u, kinds); err != nil {
				return err
			}
		}
		return p.render(c, http.StatusOK, "links", pageData{Title: "一址一码 · 部门数据", Active: "links", Data: data})
	}
}

// load reads the address of d.Code and its records as u sees them.
func (d *linksPage) load(c echo.Context, st SharingStore, svc *sharing.Service, u *diming.User, kinds []sharing.Kind) error {
	ctx := c.Request().Context()
	a, err := st.FindAddressByCode(ctx, d.Code)
	if diming.KindOf(err) == diming.NotFound {
		d.Missing = "地址编码 " + d.Code + " 不存在，请核对门牌页上的“地址编码”，或按地址文字查找。"
		return nil
	}
	if err != nil {
		return err
	}
	d.Address = &a
	views, err := svc.Links(ctx, u, d.Code, d.History)
	if err != nil {
		return err
	}
	schema := map[string]sharing.Kind{}
	for _, k := range kinds {
		schema[k.Department+"/"+k.Kind] = k
	}
	for _, v := range views {
		row := linkRow{View: v, Own: d.Dept != nil && v.Department == d.Dept.Code && v.Status == "active"}
		k := schema[v.Department+"/"+v.Kind]
		seen := map[string]bool{}
		for _, f := range k.Fields { // schema order, then fields no longer in it
			if val, ok := v.Payload[f.Name]; ok {
				row.Fields = append(row.Fields, shownField{f.Label, sharing.ShowValue(val), slices.Contains(v.MaskedFields, f.Name)})
				seen[f.Name] = true
			}
		}
		var rest []string
		for name := range v.Payload {
			if !seen[name] {
				rest = append(rest, name)
			}
		}
		sort.Strings(rest)
		for _, name := range rest {
			row.Fields = append(row.Fields, shownField{name, sharing.ShowValue(v.Payload[name]), slices.Contains(v.MaskedFields, name)})
		}
		d.Records = append(d.Records, row)
	}
	return nil
}

func newKindForm(k sharing.Kind, d sharing.Department) kindForm {
	f := kindForm{Kind: k, Grades: gradeOptions(k.Grade, d.Grade)}
	for _, x := range k.Fields {
		in := fieldInput{Name: "payload." + x.Name, Label: x.Label, Required: x.Required, Grade: x.Grade, Type: "text"}
		switch x.Type {
		case sharing.TypeNumber:
			in.Type, in.DataType = "number", "float"
		case sharing.TypeDate:
			in.Type = "date"
		case sharing.TypeBool:
			in.Type, in.DataType, in.Options = "select", "bool", []string{"true", "false"}
		case sharing.TypeEnum:
			in.Type, in.Options = "select", x.Values
		}
		f.Inputs = append(f.Inputs, in)
	}
	return f
}

// accessLogPage is /work/access-log: the reads of a department's
// sensitive data, newest first, filtered and paged.
type accessLogPage struct {
	Filter    data.AccessFilter
	OwnerName string
	Owners    []sharing.Department // for national admins: whose log
	Entries   []data.AccessEntry
	Older     string // the next page's query, "" at the end
	Newest    string // back to the first page, "" on it
}

const accessLogPageSize = 50

func handleAccessLogPage(p *pages, st SharingStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := p.signedIn(c)
		if u == nil {
			return err
		}
		if u.Department == "" && !nationalAdmin(u) {
			return diming.E("web.accessLogPage", diming.Forbidden, "访问日志只对数据所属部门和全国管理员开放")
		}
		ctx := c.Request().Context()
		var data accessLogPage
		if nationalAdmin(u) {
			if data.Owners, err = st.FindDepartments(ctx); err != nil {
				return err
			}
		}
		f, err := parseAccessFilter(c, u)
		if err != nil {
			return err
		}
		f.Desc, f.After, f.Limit = true, 0, accessLogPageSize
		data.Filter, data.OwnerName = f, f.Owner
		if f.Owner != "" {
			d, err := st.FindDepartment(ctx, f.Owner)
			if err != nil {
				return err
			}
			data.OwnerName = d.Name
		}
		if data.Entries, err = st.FindAccessLog(ctx, f); err != nil {
			return err
		}
		q := c.QueryParams()
		q.Del("before")
		if f.Before != 0 {
			data.Newest = "?" + q.Encode()
		}
		if n := len(data.Entries); n == accessLogPageSize {
			q.Set("before", strconv.FormatInt(data.Entries[n-1].ID, 10))
			data.Older = "?" + q.Encode()
		}
		return p.render(c, http.StatusOK, "access_log", pageData{Title: "访问日志", Active: "access-log", Data: data})
	}
}

// linkFuncs are the template functions of the 一址一码 pages.
func linkFuncs() map[string]any {
	return map[string]any{
		"ftype": fieldTypeLabel,
		"kindJSON": func(k sharing.Kind) string {
			b, _ := json.Marshal(k)
			return string(b)
		},
		"gradeLabel": func(g diming.Grade) string {
			if g == "" {
				g = diming.GradeInternal
			}
			return g.Label()
		},
		"boolLabel": func(v string) string {
			switch v {
			case "true":
				return "是"
			case "false":
				return "否"
			}
			return v
		},
		"lifecycle": func(s string) string {
			// GB/T 35639's life-cycle stages (DOMAIN.md §1.6).
			labels := map[string]string{"current": "现行", "planned": "规划", "rejected": "拒绝", "reserved": "保留", "retired": "废弃", "unknown": "未知"}
			if l, ok := labels[s]; ok {
				return l
			}
			return s
		},
		"entityLabel": func(e string) string {
			labels := map[string]string{"linked_record": "部门记录", "grid": "网格", "community": "社区", "address": "地址"}
			if l, ok := labels[e]; ok {
				return l
			}
			return e
		},
		"beijing": func(at string) string {
			t, err := time.Parse(time.RFC3339Nano, at)
			if err != nil {
				return at
			}
			return t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05")
		},
	}
}
