package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
)

// TestLinksInBrowser walks 一址一码 in the workspace: a national admin
// registers a department, its kind of record with a typed schema and its
// account; the department's officer attaches a record through the form
// generated from the schema (a missing required field is named beside
// it), sees it on the address's page, the public scan page shows only its
// public fields, a bulk file with bad lines is refused line by line with
// nothing written, a record is retired into the history, and the
// officer's reads of the sensitive field are in the access log. With
// DIMING_SCREENSHOT_DIR set it saves every page at desktop and phone size.
func TestLinksInBrowser(t *testing.T) {
	e := linkEnv{dpEnv: newDoorplateEnv(t, doorplate.PhoneMask)}
	n := e.county[4:]
	dept, officer, admin := "xfb"+n, "xfofficer"+n, "natb"+n
	mustUser(t, e.db, admin, "", diming.RoleAdmin)
	iss := e.api(t, e.approver)
	street := e.mustStreet(t, iss)["id"].(float64)
	st, out := iss.do("POST", "/api/v1/addresses", map[string]any{"division_code": e.a, "street_id": street, "door_number": 8,
		"position": map[string]any{"lon": 120.0023, "lat": 30.0055, "crs": "EPSG:4490"}})
	mustStatus(t, "create address", st, 201, out)
	code := out["code"].(string)
	st, out = iss.do("POST", "/api/v1/plates/batch", map[string]any{"street_id": street})
	mustStatus(t, "issue plate", st, 201, out)
	plateURL := out["plates"].([]any)[0].(map[string]any)["url"].(string)

	ctx, console := browser(t)
	defer failShot(t, ctx, "links", console)
	shots := os.Getenv("DIMING_SCREENSHOT_DIR")
	shoot := func(name string) {
		t.Helper()
		if shots == "" {
			return
		}
		for _, size := range []struct {
			name string
			w, h int64
		}{{"desktop", 1366, 768}, {"phone", 390, 844}} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h), chromedp.Sleep(300*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(shots, name+"-"+size.name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768)); err != nil {
			t.Fatal(err)
		}
	}
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v\nconsole:\n%s", what, err, console)
		}
	}
	js := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](expr)(ctx, t)
			return err
		})
	}
	setValue := func(sel, v string) chromedp.Action[chromedp.Void] {
		return js(`(el => { el.value = ` + strconv.Quote(v) + `; el.dispatchEvent(new Event('change')); return true; })(document.querySelector(` + strconv.Quote(sel) + `))`)
	}

	// The admin registers the department, its kind and its account.
	mustSignIn(t, ctx, e.srv.URL, admin, "/work/departments")
	mustWaitText(t, ctx, "h1", "部门与数据类别")
	if nav := text(ctx, "nav"); !strings.Contains(nav, "部门与数据类别") || !strings.Contains(nav, "访问日志") {
		t.Errorf("admin menu = %q, want the departments and the access log", nav)
	}
	do("register the department",
		chromedp.SendKeys(chromedp.CSS(`#dept-form input[name=code]`), dept),
		chromedp.SendKeys(chromedp.CSS(`#dept-form input[name=name]`), "消防救援大队"),
		chromedp.SetValue(chromedp.CSS(`#dept-form select[name=grade]`), "sensitive"),
		chromedp.Click(chromedp.CSS(`#dept-form button[type=submit]`)))
	mustWaitText(t, ctx, "h1", "消防救援大队 · 数据类别")
	waitTrue(t, ctx, "links.js runs", `document.querySelectorAll('.field-row').length > 0`)
	do("fill the kind",
		chromedp.SendKeys(chromedp.CSS(`#kind-form [data-kind-code]`), "check"),
		chromedp.SendKeys(chromedp.CSS(`#kind-form input[name=label]`), "消防安全检查"),
		chromedp.Click(chromedp.CSS(`[data-add-field]`)), chromedp.Click(chromedp.CSS(`[data-add-field]`)))
	for i, f := range [][5]string{{"checked_on", "检查日期", "date", "public"}, {"result", "结果", "enum", "public", "合格,限期整改"},
		{"inspector_phone", "检查员手机", "string", "sensitive"}} {
		row := `.field-row:nth-child(` + strconv.Itoa(i+1) + `) `
		do("field "+f[0], setValue(row+`[data-f=name]`, f[0]), setValue(row+`[data-f=label]`, f[1]),
			setValue(row+`[data-f=type]`, f[2]), setValue(row+`[data-f=grade]`, f[3]), setValue(row+`[data-f=values]`, f[4]))
	}
	do("require the date", chromedp.Click(chromedp.CSS(`.field-row:nth-child(1) [data-f=required]`)))
	shoot("department-form")
	do("save the kind", chromedp.Click(chromedp.CSS(`#kind-form button[type=submit]`)))
	mustWaitText(t, ctx, "[data-kind=check]", "检查员手机")
	// 修改 fills the form with the kind; a field added saves version 2.
	waitTrue(t, ctx, "links.js runs", `document.querySelectorAll('.field-row').length > 0`)
	do("edit the kind", chromedp.Click(chromedp.CSS(`[data-edit-kind]`)))
	if got := eval[string](t, ctx, `document.querySelector('[data-kind-code]').value + ' ' + document.querySelectorAll('.field-row').length +
		' ' + document.querySelector('.field-row:nth-child(2) [data-f=values]').value`); got != "check 3 合格,限期整改" {
		t.Errorf("the edit form holds %q, want the kind, its 3 fields and the enum's values", got)
	}
	do("add a field", chromedp.Click(chromedp.CSS(`[data-add-field]`)), setValue(`.field-row:nth-child(4) [data-f=name]`, "floors"),
		setValue(`.field-row:nth-child(4) [data-f=label]`, "层数"), setValue(`.field-row:nth-child(4) [data-f=type]`, "number"),
		chromedp.Click(chromedp.CSS(`#kind-form button[type=submit]`)))
	mustWaitText(t, ctx, "[data-kind=check]", "第 2 版")
	do("open the account form", js(`(document.querySelector('#account-form').closest('details').open = true)`),
		chromedp.SendKeys(chromedp.CSS(`#account-form input[name=username]`), officer),
		chromedp.SendKeys(chromedp.CSS(`#account-form input[name=display_name]`), "王消防"),
		chromedp.SendKeys(chromedp.CSS(`#account-form input[name=password]`), "correct horse battery"),
		setValue(`#account-form input[name=scope]`, e.county),
		chromedp.SetValue(chromedp.CSS(`#account-form select[name=grade]`), "sensitive"),
		chromedp.Click(chromedp.CSS(`#account-form button[type=submit]`)))
	mustWaitText(t, ctx, "main", officer)
	shoot("department")
	do("back to the list", chromedp.Navigate(e.srv.URL+"/work/departments"))
	mustWaitText(t, ctx, "[data-department="+dept+"]", "消防安全检查")
	shoot("departments")

	// The officer attaches a record through the generated form.
	mustSignIn(t, ctx, e.srv.URL, officer, "/work/links?code="+code)
	mustWaitText(t, ctx, "#h-address", "胜利街8号")
	if nav := text(ctx, "nav"); !strings.Contains(nav, "一址一码") || strings.Contains(nav, "门牌") {
		t.Errorf("officer menu = %q, want 一址一码 and no doorplate work", nav)
	}
	form := `#attach-check `
	waitTrue(t, ctx, "the attach form is wired", `document.querySelector('#attach-check')?.dataset.enhanced === '1'`)
	do("attach without the date", chromedp.SendKeys(chromedp.CSS(form+`input[name=ref]`), "XF-2026-001"),
		chromedp.SetValue(chromedp.CSS(form+`select[name="payload.result"]`), "合格"),
		chromedp.SendKeys(chromedp.CSS(form+`input[name="payload.inspector_phone"]`), "13812345678"),
		chromedp.Click(chromedp.CSS(form+`button[type=submit]`)))
	mustWaitText(t, ctx, form+`.field-error`, "必填字段“检查日期”缺失")
	if n := linkedCount(t, e, dept); n != 0 {
		t.Fatalf("a refused form wrote %d records", n)
	}
	shoot("links-error")
	do("attach", setValue(form+`input[name="payload.checked_on"]`, "2026-03-01"), setValue(form+`input[name=valid_to]`, "2099-03-01"),
		chromedp.Click(chromedp.CSS(form+`button[type=submit]`)))
	mustWaitText(t, ctx, "table.records", "XF-2026-001")
	if row := text(ctx, "table.records tbody tr"); !strings.Contains(row, "合格") || !strings.Contains(row, "13812345678") {
		t.Errorf("the record's row = %q, want the result and (sensitive account) the phone", row)
	}
	shoot("links")

	// The public scan page shows the public fields only.
	if st, page := get(t, plateURL, false); st != 200 || !strings.Contains(page, "消防安全检查") || !strings.Contains(page, "合格") ||
		strings.Contains(page, "13812345678") || strings.Contains(page, "138****") {
		t.Errorf("scan page = %d, want the public check without the inspector's phone:\n%s", st, page)
	}

	// A bad bulk file: every problem by line, nothing written.
	bad := filepath.Join(t.TempDir(), "bad.ndjson")
	lines := `{"address_code":"` + code + `","kind":"check","ref":"XF-2026-002","payload":{"checked_on":"2026-04-01"}}
{"address_code":"92000000000099999999","kind":"check","ref":"XF-2026-003","payload":{"checked_on":"2026-04-01"}}
{"address_code":"` + code + `","kind":"check","ref":"XF-2026-004","payload":{"checked_on":"2026-04-01","result":"优秀"}}
`
	if err := os.WriteFile(bad, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	do("upload", chromedp.SetUploadFiles(chromedp.CSS(`#bulk-form input[type=file]`), []string{bad}),
		chromedp.Click(chromedp.CSS(`#bulk-form button[type=submit]`)))
	mustWaitText(t, ctx, "#bulk-result", "未写入任何记录")
	res := text(ctx, "#bulk-result")
	if !strings.Contains(res, "第 2 行") || !strings.Contains(res, "不存在") || !strings.Contains(res, "第 3 行") ||
		!strings.Contains(res, "payload.result") || strings.Contains(res, "第 1 行") {
		t.Errorf("bulk result = %q, want lines 2 (unknown address) and 3 (result) named", res)
	}
	if n := linkedCount(t, e, dept); n != 1 {
		t.Errorf("records after the refused file = %d, want 1", n)
	}
	shoot("links-bulk")

	// Retire the record: it leaves the current list and stays in history.
	waitTrue(t, ctx, "the retire form is wired", `document.querySelector('form[data-retire]')?.dataset.enhanced === '1'`)
	do("retire", js(`(window.confirm = () => true, true)`),
		js(`(document.querySelector('table.records details').open = true)`),
		chromedp.SendKeys(chromedp.CSS(`form[data-retire] input[name=reason]`), "单位已搬迁"),
		chromedp.Click(chromedp.CSS(`form[data-retire] button`)))
	mustWaitText(t, ctx, "main", "这个地址还没有你可以查看的现行记录")
	do("history", chromedp.Navigate(e.srv.URL+"/work/links?history=1&code="+code))
	mustWaitText(t, ctx, "table.records", "已注销")

	// The officer's reads of the phone are in the department's log.
	do("access log", chromedp.Navigate(e.srv.URL+"/work/access-log"))
	mustWaitText(t, ctx, "table.access-log", officer)
	if body := text(ctx, "table.access-log"); !strings.Contains(body, "payload.inspector_phone") || !strings.Contains(body, "部门记录") {
		t.Errorf("access log = %q", body)
	}
	shoot("access-log")
	do("filter by another user", chromedp.Navigate(e.srv.URL+"/work/access-log?actor=nobody"))
	mustWaitText(t, ctx, "main", "没有符合条件的读取记录")
	do("search", chromedp.Navigate(e.srv.URL+"/work/links?q=胜利街"))
	mustWaitText(t, ctx, "main", code)
	shoot("links-search")
}

func linkedCount(t *testing.T, e linkEnv, dept string) int {
	t.Helper()
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM linked_records WHERE department = $1 AND status = 'active'`, dept).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLinkPagesFollowRoles: the 一址一码 pages and menu entries are there
// for the roles that use them and refused to the others; a national admin
// registers a kind on a department's behalf; the access log filters by
// user and date and names a bad date.
func TestLinkPagesFollowRoles(t *testing.T) {
	e := newLinkEnv(t)
	n := e.county[4:]
	for _, tt := range []struct {
		user        string
		path        string
		status      int
		menu, hides []string
	}{
		{"natadmin" + n, "/work/departments", 200, []string{"部门与数据类别", "一址一码", "访问日志"}, nil},
		{e.fireUser, "/work/links", 200, []string{"数据类别", "一址一码", "访问日志"}, []string{"部门与数据类别", "门牌"}},
		{e.fireUser, "/work/departments/" + e.market, 403, nil, nil},
		{e.approver, "/work/links", 403, []string{"门牌"}, []string{"一址一码", "访问日志"}},
		{e.approver, "/work/access-log", 403, nil, nil},
		{e.approver, "/work/departments", 403, nil, nil},
	} {
		c := e.api(t, tt.user)
		st, body := c.raw(tt.path)
		if st != tt.status {
			t.Errorf("%s GET %s = %d, want %d:\n%.400s", tt.user, tt.path, st, tt.status, body)
			continue
		}
		// A refusal shows inside the workspace, with its menu and a way back.
		if page := string(body); st == 403 && (!strings.Contains(page, "没有权限") || !strings.Contains(page, "</nav>") || !strings.Contains(page, `href="/work"`)) {
			t.Errorf("%s GET %s: the refusal is not shown inside the workspace:\n%.600s", tt.user, tt.path, page)
		}
		_, home := c.raw("/work")
		nav := string(home)
		if i := strings.Index(nav, "</nav>"); i > 0 {
			nav = nav[:i]
		}
		for _, m := range tt.menu {
			if !strings.Contains(nav, ">"+m+"<") {
				t.Errorf("%s's menu lacks %s", tt.user, m)
			}
		}
		for _, m := range tt.hides {
			if strings.Contains(nav, ">"+m+"<") {
				t.Errorf("%s's menu shows %s", tt.user, m)
			}
		}
	}
	// A department account lands on its own department's page.
	if st, body := e.api(t, e.fireUser).raw("/work/departments"); st != 200 || !strings.Contains(string(body), "消防救援大队 · 数据类别") {
		t.Errorf("department account GET /work/departments = %d:\n%.300s", st, body)
	}
	// The national admin registers a kind for the market department, not
	// above its grade.
	admin := e.api(t, "natadmin"+n)
	st, out := admin.do("PUT", "/api/v1/departments/"+e.market+"/kinds/permit", map[string]any{"label": "许可证", "grade": "public",
		"fields": []map[string]any{{"name": "no", "label": "编号", "type": "string", "grade": "internal"}}})
	mustStatus(t, "admin registers a kind", st, 200, out)
	st, out = admin.do("PUT", "/api/v1/departments/"+e.market+"/kinds/permit", map[string]any{"label": "许可证", "grade": "public",
		"fields": []map[string]any{{"name": "no", "label": "编号", "type": "string", "grade": "sensitive"}}})
	if fields, _ := out["error"].(map[string]any)["fields"].(map[string]any); st != 422 || fields["fields[0].grade"] == nil {
		t.Errorf("a field above the department's grade = %d %v, want 422 on fields[0].grade", st, out)
	}
	st, out = e.api(t, e.mktUser).do("PUT", "/api/v1/departments/"+e.fire+"/kinds/x1", map[string]any{"label": "x", "grade": "public",
		"fields": []map[string]any{{"name": "no", "label": "编号", "type": "string", "grade": "public"}}})
	mustStatus(t, "another department's kind", st, 403, out)

	// The access log, filtered.
	fire := e.token(t, e.fireTok)
	st, out = fire.do("POST", "/api/v1/links", map[string]any{"address_code": e.addrCode, "kind": "check", "ref": "F-1",
		"payload": map[string]any{"checked_on": "2026-03-01", "inspector_phone": "13812345678"}})
	mustStatus(t, "link", st, 201, out)
	if st, out = fire.do("GET", "/api/v1/addresses/"+e.addrCode+"/links", nil); st != 200 {
		t.Fatalf("read links = %d %v", st, out)
	}
	count := func(q string) int {
		t.Helper()
		st, out := fire.do("GET", "/api/v1/access-log?"+q, nil)
		mustStatus(t, "access log "+q, st, 200, out)
		return len(out["entries"].([]any))
	}
	today := time.Now().In(time.FixedZone("CST", 8*3600))
	if n := count("actor=" + e.fireUser); n != 1 {
		t.Errorf("entries by %s = %d, want 1", e.fireUser, n)
	}
	if n := count("actor=nobody"); n != 0 {
		t.Errorf("entries by nobody = %d", n)
	}
	if n := count("from=" + today.Format(time.DateOnly) + "&to=" + today.Format(time.DateOnly)); n != 1 {
		t.Errorf("entries today = %d, want 1", n)
	}
	if n := count("from=" + today.AddDate(0, 0, 1).Format(time.DateOnly)); n != 0 {
		t.Errorf("entries from tomorrow = %d", n)
	}
	st, out = fire.do("GET", "/api/v1/access-log?from=2026-13-01", nil)
	if fields, _ := out["error"].(map[string]any)["fields"].(map[string]any); st != 422 || fields["from"] == nil {
		t.Errorf("a bad date = %d %v, want 422 naming from", st, out)
	}
	if st, body := fire.raw("/work/access-log?actor=" + e.fireUser); st != 200 || !strings.Contains(string(body), "payload.inspector_phone") {
		t.Errorf("access log page = %d:\n%.400s", st, body)
	}
}
