package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/data"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/sharing"
	"github.com/labstack/echo/v4"
)

// 一址一码 (issue 11): departments link their records to address codes;
// every answer is masked by the caller's grade (sharing decides).

// SharingStore is what the linked-records API needs from storage.
type SharingStore interface {
	sharing.Store
	FindChanges(ctx context.Context, after sharing.Cursor, limit int) ([]sharing.Change, error)
	CreateDepartment(ctx context.Context, d sharing.Department) (sharing.Department, error)
	FindDepartments(ctx context.Context) ([]sharing.Department, error)
	SaveKind(ctx context.Context, k sharing.Kind) (sharing.Kind, error)
	RetireRecord(ctx context.Context, department string, id int64, reason string) error
	FindAccessLog(ctx context.Context, f data.AccessFilter) ([]data.AccessEntry, error)
	SearchAddresses(ctx context.Context, q, within string, limit int) ([]data.AddressHit, error)
	FindAddressByCode(ctx context.Context, code string) (data.AddressHit, error)
	ExportAddresses(ctx context.Context, within string, fn func(*sharing.AddressRow) error) error
}

// addLinkRoutes adds the departments, linked records, access log and
// change feed.
func addLinkRoutes(e *echo.Echo, api *echo.Group, cfg Config, d Deps) {
	st := d.Sharing
	if st == nil {
		return
	}
	svc, policy := sharing.NewService(st), phonePolicy(d)
	api.GET("/grades", handleGrades())
	api.GET("/departments", handleDepartments(st))
	api.POST("/departments", handleDepartmentCreate(st))
	api.PUT("/departments/:code/kinds/:kind", handleKindPut(st, svc))
	api.GET("/departments/:code/kinds", handleKinds(st))
	api.POST("/links", handleLinkCreate(svc))
	api.POST("/links/bulk", handleLinkBulk(svc))
	api.POST("/links/:id/retire", handleLinkRetire(st, svc))
	api.GET("/addresses/:id/links", handleLinksGet(svc))
	api.GET("/access-log", handleAccessLog(st))
	api.GET("/changes", handleChanges(st, policy))
	// The whole feed as NDJSON streams longer than an API call may take.
	e.GET("/api/v1/export/changes", handleChangesExport(st, policy), timeout(30*time.Minute))
	e.GET("/api/v1/export/addresses", handleAddressExport(st), timeout(30*time.Minute))
}

// appendChange appends one change as a JSON line, as json.Marshal would
// write sharing.Change, without re-validating the snapshots (jsonb text
// from the database, or the masker's own output).
func appendChange(b []byte, c *sharing.Change) []byte {
	str := func(key, v string, omit bool) {
		if omit && v == "" {
			return
		}
		b = append(b, ',', '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		q, _ := json.Marshal(v)
		b = append(b, q...)
	}
	b = append(b, `{"cursor":"`...)
	b = append(b, c.Cursor...)
	b = append(b, `","id":`...)
	b = strconv.AppendInt(b, c.ID, 10)
	str("at", c.At, false)
	str("action", c.Action, false)
	str("entity", c.Entity, false)
	str("entity_id", c.EntityID, false)
	str("division", c.Division, true)
	for _, f := range []struct {
		key string
		v   json.RawMessage
	}{{"before", c.Before}, {"after", c.After}} {
		if len(f.v) > 0 {
			b = append(b, ',', '"')
			b = append(b, f.key...)
			b = append(b, '"', ':')
			b = append(b, f.v...)
		}
	}
	if c.Withheld {
		b = append(b, `,"withheld":true`...)
	}
	return append(b, '}', '\n')
}

// handleAddressExport streams the addresses within ?within=CODE as NDJSON
// in the shape of GB/T 35639's model, masked by the caller's grade.
func handleAddressExport(st SharingStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		within := c.QueryParam("within")
		if within == "" {
			return diming.E("web.exportAddresses", diming.Invalid, "请指定区划", map[string]string{"within": "6、9 或 12 位区划代码"})
		}
		if err := diming.AuthorizeIn(u, within); err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentType, "application/x-ndjson")
		c.Response().Header().Set(HeaderGrade, string(callerGrade(u))) // AddressRow.GB grades each address
		c.Response().WriteHeader(http.StatusOK)
		w := bufio.NewWriterSize(c.Response(), 64<<10)
		enc := json.NewEncoder(w)
		if err := st.ExportAddresses(c.Request().Context(), within, func(a *sharing.AddressRow) error { return enc.Encode(a.GB(u)) }); err != nil {
			return nil // headers are sent: the file ends short
		}
		return w.Flush()
	}
}

// gradeDTO is one grade as /grades lists it.
type gradeDTO struct {
	Grade diming.Grade `json:"grade"`
	Label string       `json:"label"`
}

func handleGrades() echo.HandlerFunc {
	return func(c echo.Context) error {
		gs := make([]gradeDTO, 0, len(diming.Grades))
		for _, g := range diming.Grades {
			gs = append(gs, gradeDTO{g, g.Label()})
		}
		return c.JSON(http.StatusOK, map[string]any{"grades": gs, "fields": sharing.Registry(),
			"rule": "调用者的等级：匿名与辖区外为 public，账号为其等级（默认 internal），令牌可再降低；高于调用者等级的字段打码，敏感字段的每次读取记入访问日志"})
	}
}

func handleDepartments(st SharingStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, err := requireUser(c); err != nil {
			return err
		}
		ds, err := st.FindDepartments(c.Request().Context())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"departments": ds})
	}
}

type departmentRequest sharing.Department

func (r departmentRequest) Valid(context.Context) map[string]string {
	return fieldsOf(sharing.Department(r).Validate())
}

func handleDepartmentCreate(st SharingStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, err := decodeValid[departmentRequest](c)
		if err != nil {
			return err
		}
		if err := diming.Authorize(currentUser(c), diming.RoleAdmin, ""); err != nil {
			return err
		}
		out, err := st.CreateDepartment(c.Request().Context(), sharing.Department(req))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, out)
	}
}

func handleKinds(st SharingStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, err := requireUser(c); err != nil {
			return err
		}
		ks, err := st.FindKinds(c.Request().Context(), c.Param("code"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"kinds": ks})
	}
}

type kindRequest struct {
	Label  string              `json:"label"`
	Grade  diming.Grade        `json:"grade"`
	Fields []sharing.KindField `json:"fields"`
}

func (kindRequest) Valid(context.Context) map[string]string { return nil } // checked against the department

func handleKindPut(st SharingStore, svc *sharing.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, err := decodeValid[kindRequest](c)
		if err != nil {
			return err
		}
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		k, err := svc.RegisterKind(c.Request().Context(), u, c.Param("code"), sharing.Kind{Kind: c.Param("kind"), Label: req.Label, Grade: req.Grade, Fields: req.Fields})
		if err != nil {
			return err
		}
		if k, err = st.SaveKind(c.Request().Context(), k); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, k)
	}
}

type linkRequest sharing.NewRecord

func (linkRequest) Valid(context.Context) map[string]string { return nil } // sharing.Service.Link checks it once

func handleLinkCreate(svc *sharing.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, err := decodeValid[linkRequest](c)
		if err != nil {
			return err
		}
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		n, err := svc.Link(c.Request().Context(), u, []sharing.NewRecord{sharing.NewRecord(req)})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]int{"written": n})
	}
}

// handleLinkBulk takes a bulk file: one JSON record per line (NDJSON),
// written all or nothing; problems name the line ("12.payload.status").
func handleLinkBulk(svc *sharing.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		recs, err := readNDJSON(c)
		if err != nil {
			return err
		}
		n, err := svc.Link(c.Request().Context(), u, recs)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]int{"written": n})
	}
}

func readNDJSON(c echo.Context) ([]sharing.NewRecord, error) {
	sc := bufio.NewScanner(c.Request().Body)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	var out []sharing.NewRecord
	fe := diming.FieldErrors{}
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var r sharing.NewRecord
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			fe.Add(strconv.Itoa(line), "这一行不是有效的 JSON 记录："+jsonProblem(err))
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, diming.E("web.links", diming.Invalid, "文件读取失败：一行过长（上限 64 KB）或请求体超过上限", err)
	}
	if len(fe) > 0 {
		return nil, &diming.Error{Op: "web.links", Kind: diming.Invalid, Msg: "文件中有无法解析的行，未写入任何记录", Fields: fe}
	}
	return out, nil
}

func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("字段 %s 的类型不对", te.Field)
	}
	return "格式错误"
}

type linkRetireRequest struct {
	Reason string `json:"reason"`
}

func (r linkRetireRequest) Valid(context.Context) map[string]string {
	if r.Reason == "" {
		return map[string]string{"reason": "请说明注销原因"}
	}
	return nil
}

func handleLinkRetire(st SharingStore, svc *sharing.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		req, err := decodeValid[linkRetireRequest](c)
		if err != nil {
			return err
		}
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		d, err := svc.DepartmentOf(c.Request().Context(), u)
		if err != nil {
			return err
		}
		if err := st.RetireRecord(c.Request().Context(), d.Code, id, req.Reason); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}

// handleLinksGet lists an address's linked records as the caller may see
// them; anonymous callers see the public ones, as on the scan page.
func handleLinksGet(svc *sharing.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		views, err := svc.Links(c.Request().Context(), currentUser(c), c.Param("id"), c.QueryParam("history") == "1")
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"address_code": c.Param("id"), "links": views})
	}
}

// handleAccessLog lists the reads of a department's sensitive data: for
// that department's accounts, and national admins (owner "" is the
// bureau's own data). Filters: ?from=&to= (dates), ?actor=, ?entity=,
// ?entity_id=; pages of ?limit= (1–1000) after ?after= (oldest first).
func handleAccessLog(st SharingStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		f, err := parseAccessFilter(c, u)
		if err != nil {
			return err
		}
		entries, err := st.FindAccessLog(c.Request().Context(), f)
		if err != nil {
			return err
		}
		if entries == nil {
			entries = []data.AccessEntry{}
		}
		return c.JSON(http.StatusOK, map[string]any{"owner": f.Owner, "entries": entries})
	}
}

// maxAccessPage bounds a page of the access log (and is its default).
const maxAccessPage = 1000

// parseAccessFilter reads the access log's query once: whose log (u's
// department's unless a national admin names ?owner=), the filters and
// the page. Forbidden for another department's log, Invalid with the
// parameters to fix.
func parseAccessFilter(c echo.Context, u *diming.User) (data.AccessFilter, error) {
	q := c.QueryParams()
	f := data.AccessFilter{Owner: q.Get("owner"), From: q.Get("from"), To: q.Get("to"), Actor: q.Get("actor"),
		Entity: q.Get("entity"), EntityID: q.Get("entity_id"), Limit: maxAccessPage}
	if f.Owner == "" {
		f.Owner = u.Department
	}
	if f.Owner != u.Department || u.Department == "" {
		if err := diming.Authorize(u, diming.RoleAdmin, ""); err != nil {
			return f, diming.E("web.accessLog", diming.Forbidden, "访问日志只对数据所属部门和全国管理员开放", err)
		}
	}
	fe := diming.FieldErrors{}
	for _, d := range [][2]string{{"from", f.From}, {"to", f.To}} {
		if _, err := time.Parse(time.DateOnly, d[1]); d[1] != "" && err != nil {
			fe.Add(d[0], "日期格式为 YYYY-MM-DD")
		}
	}
	if f.From != "" && f.To != "" && f.To < f.From {
		fe.Add("to", "截止日期不能早于起始日期")
	}
	for _, p := range []struct {
		name string
		v    *int64
	}{{"after", &f.After}, {"before", &f.Before}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				fe.Add(p.name, "须为日志编号（非负整数）")
			}
			*p.v = n
		}
	}
	if n, problem := parseLimit(q.Get("limit"), maxAccessPage); problem != "" {
		fe.Add("limit", problem)
	} else if n > 0 {
		f.Limit = n
	}
	if len(fe) > 0 {
		return f, &diming.Error{Op: "web.accessLog", Kind: diming.Invalid, Msg: "查询条件有误", Fields: fe}
	}
	return f, nil
}

type changesDTO struct {
	Changes []sharing.Change `json:"changes"`
	Next    string           `json:"next"`
	More    bool             `json:"more"`
}

// handleChanges is one page of the change feed after ?after= (limit up
// to 10,000); next is the cursor to pass back, unchanged when nothing
// is new yet.
func handleChanges(st SharingStore, policy doorplate.PhonePolicy) echo.HandlerFunc {
	return func(c echo.Context) error {
		after, err := sharing.ParseCursor(c.QueryParam("after"))
		if err != nil {
			return err
		}
		limit, err := queryLimit(c, sharing.MaxFeedPage)
		if err != nil {
			return err
		}
		if limit == 0 {
			limit = 1000
		}
		page, next, err := sharing.Changes(c.Request().Context(), st, currentUser(c), after, limit, policy)
		if err != nil {
			return err
		}
		if page == nil {
			page = []sharing.Change{}
		}
		return c.JSON(http.StatusOK, changesDTO{Changes: page, Next: next.String(), More: len(page) == limit})
	}
}

// handleChangesExport streams the feed after ?after= to its end as NDJSON,
// one change per line, each with its cursor (resume from the last line's).
// The next page is read while the current one is written.
func handleChangesExport(st SharingStore, policy doorplate.PhonePolicy) echo.HandlerFunc {
	type result struct {
		page []sharing.Change
		err  error
	}
	return func(c echo.Context) error {
		after, err := sharing.ParseCursor(c.QueryParam("after"))
		if err != nil {
			return err
		}
		ctx, u := c.Request().Context(), currentUser(c)
		page, next, err := sharing.Changes(ctx, st, u, after, sharing.MaxFeedPage, policy)
		if err != nil {
			return err
		}
		pages := make(chan result, 1)
		go func() {
			defer close(pages)
			for p := page; len(p) == sharing.MaxFeedPage; {
				var err error
				if p, next, err = sharing.Changes(ctx, st, u, next, sharing.MaxFeedPage, policy); err != nil || len(p) == 0 {
					pages <- result{err: err}
					return
				}
				select {
				case pages <- result{page: p}:
				case <-ctx.Done():
					return
				}
			}
		}()
		defer func() {
			for range pages { // let the reader end
			}
		}()
		c.Response().Header().Set(echo.HeaderContentType, "application/x-ndjson")
		c.Response().Header().Set(HeaderGrade, string(callerGrade(u))) // sharing.Changes masked each snapshot
		c.Response().WriteHeader(http.StatusOK)
		w := bufio.NewWriterSize(c.Response(), 64<<10)
		var line []byte
		for {
			for i := range page {
				line = appendChange(line[:0], &page[i])
				if _, err := w.Write(line); err != nil {
					return nil // the client went away
				}
			}
			r, ok := <-pages
			if !ok || r.err != nil || len(r.page) == 0 {
				// On an error the headers are sent: the client sees a short
				// file and resumes from its last line.
				break
			}
			page = r.page
		}
		return w.Flush()
	}
}
