package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/tiles"
	"github.com/diming/diming/web"
)

// namingEnv is the demo county 若耶县 (330699) with its generated names,
// served with the gazetteer, boundaries and tiles, and a committee member,
// an expert and an approver of the county.
type namingEnv struct {
	srv *httptest.Server
	db  *data.DB
}

func newNamingEnv(t *testing.T) namingEnv {
	t.Helper()
	db := dbtest.Open(t)
	ctx := t.Context()
	bnd := boundaries.New(db)
	if _, err := bnd.LoadDemo(ctx, db); err != nil {
		t.Fatalf("demo divisions: %v", err)
	}
	if _, err := db.LoadGazetteerDemo(ctx); err != nil {
		t.Fatalf("demo names: %v", err)
	}
	ts, err := tiles.NewService(db, tiles.Options{}, tiles.Registry()...)
	if err != nil {
		t.Fatal(err)
	}
	h := web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: "http://test"},
		web.Deps{Accounts: db, Health: db, Gazetteer: gazetteer.NewService(db, nil), Boundaries: bnd, Tiles: ts})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for _, u := range []struct {
		name string
		role diming.Role
	}{{"nm-committee", diming.RoleCommittee}, {"nm-committee2", diming.RoleCommittee}, {"nm-expert", diming.RoleExpert},
		{"nm-approver", diming.RoleApprover}} {
		var exists bool
		_ = db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE username=$1)`, u.name).Scan(&exists)
		if !exists {
			mustUser(t, db, u.name, boundaries.DemoCountyCode, u.role)
		}
	}
	return namingEnv{srv: srv, db: db}
}

// firstTown is the demo county's first town, where the demo roads lie.
func (e namingEnv) firstTown(t *testing.T) string {
	var code string
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT code FROM divisions WHERE parent_code=$1 AND valid_to IS NULL ORDER BY code LIMIT 1`,
		boundaries.DemoCountyCode).Scan(&code); err != nil {
		t.Fatal(err)
	}
	return code
}

// mustSignIn signs user in through the sign-in page and lands on next.
func mustSignIn(t *testing.T, ctx context.Context, base, user, next string) {
	t.Helper()
	if err := signInAt(ctx, base, user, next); err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
	}
}

// mustText returns the text of the first element matching sel. It reads
// it in the page, not through a DOM node id, so a page that has just
// reloaded after a form (its old node ids gone) is read as it is now.
func mustText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : null; })()`, sel)
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[*string](js))
		if err == nil && s != nil {
			return *s
		}
		if time.Now().After(deadline) {
			t.Fatalf("text of %s: %v (no such element)", sel, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %.80s: %v", js, err)
	}
	return v
}

// waitText waits until the element's text contains want, across page
// loads (a form's success reloads the page).
func mustWaitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	js := fmt.Sprintf(`(document.querySelector(%q)?.textContent || '')`, sel)
	var got string
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(150 * time.Millisecond) {
		got, _ = chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if strings.Contains(got, want) {
			return
		}
	}
	t.Fatalf("%s never showed %q; it shows %q", sel, want, strings.Join(strings.Fields(got), " "))
}

// waitTrue waits until js is true.
func waitTrue(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(150 * time.Millisecond) {
		if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); ok {
			return
		}
	}
	t.Errorf("%s: never true: %s", what, js)
}

// TestNamingProposeInBrowser proposes a road in the demo county as a
// committee member: the existing 人民路 is refused as a duplicate before
// submitting and drawn in red on the map; the road is drawn as a line; a
// fresh name passes and the application is submitted with the line.
func TestNamingProposeInBrowser(t *testing.T) {
	env := newNamingEnv(t)
	ctx, console := browser(t)
	defer failShot(t, ctx, "naming-propose", console)
	mustSignIn(t, ctx, env.srv.URL, "nm-committee", "/work/propose")
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.dimingProposeMap && dimingProposeMap.loaded())`,
		chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the proposal map never loaded: %v", err)
	}
	town := env.firstTown(t)
	if got := eval[string](t, ctx, `document.querySelector('select[name=division_code]').value`); got != town {
		t.Errorf("division preselected = %s, want the first town %s", got, town)
	}

	// A duplicate of an existing road: a blocking finding with its reason,
	// the clashing road listed and drawn on the map.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "人民路")); err != nil {
		t.Fatal(err)
	}
	mustWaitText(t, ctx, `#findings`, "人民路")
	dup := mustText(t, ctx, `.finding[data-rule=same_name]`)
	if !strings.Contains(dup, "same_name") || !strings.Contains(dup, "不能通过") || !strings.Contains(dup, "人民路") {
		t.Errorf("duplicate finding = %q, want its code, that it blocks, and the clashing road", dup)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.finding[data-rule=same_name] button.link`))); err != nil {
		t.Fatalf("locate the clashing road: %v", err)
	}
	waitTrue(t, ctx, "人民路 highlighted on the map",
		`dimingProposeMap.queryRenderedFeatures({layers: ['clash-line']}).some(f => f.properties.name === '人民路')`)

	r := eval[[]float64](t, ctx, `(() => { const r = dimingProposeMap.getCanvas().getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	clicks := func(tool string, pts ...[2]float64) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-draw=`+tool+`]`))); err != nil {
			t.Fatal(err)
		}
		for _, p := range pts {
			if err := chromedp.Do(ctx, chromedp.MouseClickXY(r[0]+r[2]*p[0], r[1]+r[3]*p[1]), chromedp.Sleep(300*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A polygon closes on its first point; a half-drawn line is no geometry.
	clicks("polygon", [2]float64{0.3, 0.3}, [2]float64{0.6, 0.3}, [2]float64{0.6, 0.6}, [2]float64{0.3, 0.3})
	mustWaitText(t, ctx, `#geom-state`, "已绘制面（3 个点）")
	clicks("linestring", [2]float64{0.3, 0.4})
	mustWaitText(t, ctx, `#geom-state`, "尚未绘制位置")
	// Draw the road as a line: two clicks, then a click on the last point.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-draw=linestring]`))); err != nil {
		t.Fatal(err)
	}
	x0, y0 := r[0]+r[2]*0.3, r[1]+r[3]*0.4
	x1, y1 := r[0]+r[2]*0.7, r[1]+r[3]*0.6
	for _, p := range [][2]float64{{x0, y0}, {x1, y1}, {x1, y1}} {
		if err := chromedp.Do(ctx, chromedp.MouseClickXY(p[0], p[1]), chromedp.Sleep(300*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	mustWaitText(t, ctx, `#geom-state`, "已绘制线")

	// A fresh name passes every check.
	eval[bool](t, ctx, `(() => { document.querySelector('input[name=name]').value = ''; return true; })()`)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "若耶新路")); err != nil {
		t.Fatal(err)
	}
	mustWaitText(t, ctx, `#findings`, "未发现问题")
	waitTrue(t, ctx, "the clash is no longer drawn after the name changed",
		`dimingProposeMap.queryRenderedFeatures({layers: ['clash-line', 'clash-point', 'clash-fill']}).length === 0`)
	err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name=applicant]`), "若耶县住房和城乡建设局"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=reasons]`), "新建城市道路，需命名。"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=location]`), "城区东侧，西起人民路，东至环城东路"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=size_nature]`), "长约 1.2 公里，城市次干路"),
		chromedp.Click(chromedp.CSS(`input[name=required_reports][value=expert]`)),
		chromedp.Click(chromedp.CSS(`#submit-btn`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	mustWaitText(t, ctx, `#app-state`, "已提交")
	var geomType, state string
	var reports []string
	if err := env.db.Pool.QueryRow(t.Context(), `SELECT GeometryType(geom), state, required_reports FROM naming_applications WHERE name='若耶新路'`).
		Scan(&geomType, &state, &reports); err != nil {
		t.Fatal(err)
	}
	if geomType != "LINESTRING" || state != "submitted" || len(reports) != 1 || reports[0] != "expert" {
		t.Errorf("stored application = %s %s %v, want a submitted LINESTRING needing the expert report", geomType, state, reports)
	}
}

// TestNamingReviewInBrowser moves an application through review to the
// announcement, each step as the user whose role it is; the wrong role
// sees no button and is refused by the API; a stale form gets the 409.
func TestNamingReviewInBrowser(t *testing.T) {
	env := newNamingEnv(t)
	town := env.firstTown(t)
	committee := newClient(t, env.srv.URL)
	committee.login("nm-committee2")
	create := func(name string) int {
		st, out := committee.do("POST", "/api/v1/naming/applications", map[string]any{"name": name, "category": 5, "division_code": town,
			"applicant": "若耶县交通运输局", "reasons": "新建道路", "location": "城区北侧", "size_nature": "长约 800 米",
			"required_reports": []string{"expert"}, "consultation_days": 0,
			"geometry": map[string]any{"type": "LineString", "coordinates": [][]float64{{120.30, 29.86}, {120.31, 29.861}}}})
		if st != 201 {
			t.Fatalf("create %s = %d %v", name, st, out)
		}
		id := int(out["id"].(float64))
		if st, out := committee.do("POST", fmt.Sprintf("/api/v1/naming/applications/%d/actions/submit", id), map[string]any{"version": out["version"]}); st != 200 {
			t.Fatalf("submit %s = %d %v", name, st, out)
		}
		return id
	}
	id, stale := create("云门路"), create("秦望路")
	page := fmt.Sprintf("/work/applications/%d", id)
	var townName string
	if err := env.db.Pool.QueryRow(t.Context(), `SELECT name FROM divisions WHERE code = $1`, town).Scan(&townName); err != nil {
		t.Fatal(err)
	}
	if st, body := committee.raw(page); st != 200 || !strings.Contains(string(body), townName+"（"+town+"）") {
		t.Errorf("application page = %d, does not name its division %s（%s）", st, townName, town)
	}
	ctx, console := browser(t)
	defer failShot(t, ctx, "naming-review", console)
	act := func(action string, fill ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sel := `#act-` + action
		steps := append([]chromedp.Action[chromedp.Void]{chromedp.WaitVisible(chromedp.CSS(sel + `[data-enhanced]`))}, fill...)
		steps = append(steps, chromedp.Click(chromedp.CSS(sel+` button[type=submit]`)))
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}

	// The approver may not accept: no button, and the API refuses.
	mustSignIn(t, ctx, env.srv.URL, "nm-approver", page)
	if n := eval[int](t, ctx, `document.querySelectorAll('#act-accept, #act-request_correction').length`); n != 0 {
		t.Errorf("the approver sees %d intake forms, want none", n)
	}
	forced := eval[[]any](t, ctx, `fetch(location.pathname.replace('/work/', '/api/v1/naming/') + '/actions/accept', {method: 'POST',
		headers: {'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content},
		body: JSON.stringify({version: 2})}).then(async r => [r.status, (await r.json()).error.message])`)
	if len(forced) != 2 || forced[0] != float64(403) {
		t.Errorf("accept forced by the approver = %v, want 403", forced)
	}

	// The committee member accepts and opens the evaluation; a form read
	// before someone else's change gets the 409 message beside it.
	mustSignIn(t, ctx, env.srv.URL, "nm-committee", page)
	if n := eval[int](t, ctx, `document.querySelectorAll('#act-approve').length`); n != 0 {
		t.Errorf("the committee member sees the approval form")
	}
	act("accept")
	mustWaitText(t, ctx, `#app-state`, "已受理")
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/work/applications/%d", env.srv.URL, stale)), chromedp.WaitVisible(chromedp.CSS(`#act-accept`))); err != nil {
		t.Fatal(err)
	}
	_, cur := committee.do("GET", fmt.Sprintf("/api/v1/naming/applications/%d", stale), nil)
	if st, out := committee.do("POST", fmt.Sprintf("/api/v1/naming/applications/%d/actions/request_correction", stale),
		map[string]any{"version": cur["version"], "note": "补充道路红线图"}); st != 200 {
		t.Fatalf("request correction behind the page = %d %v", st, out)
	}
	act("accept")
	mustWaitText(t, ctx, `#act-accept .form-error`, "已被他人修改")
	if n := eval[int](t, ctx, `[...document.querySelectorAll('#act-accept .form-error button')].filter(b => b.textContent.includes('重新载入')).length`); n != 1 {
		t.Errorf("the 409 message offers no reload button")
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(env.srv.URL+page)); err != nil {
		t.Fatal(err)
	}
	act("start_evaluation")
	mustWaitText(t, ctx, `#app-state`, "评估论证中")
	act("complete_evaluation")
	mustWaitText(t, ctx, `#act-complete_evaluation .form-error`, "专家论证报告")

	// The expert finds it in the queue and records the evaluation, with
	// the signed report as a PDF.
	const pdfText = "%PDF-1.4\n% 云门路命名专家论证意见（测试）\n"
	pdf := filepath.Join(t.TempDir(), "云门路专家论证.pdf")
	if err := os.WriteFile(pdf, []byte(pdfText), 0o644); err != nil {
		t.Fatal(err)
	}
	mustSignIn(t, ctx, env.srv.URL, "nm-expert", "/work/queue")
	mustWaitText(t, ctx, `table.queue`, "云门路")
	mustWaitText(t, ctx, fmt.Sprintf(`tr[data-id="%d"]`, id), "附专家论证报告")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-id="%d"] a`, id))),
		chromedp.WaitVisible(chromedp.CSS(`#report-form[data-enhanced]`)),
		chromedp.SendKeys(chromedp.CSS(`#report-form input[name=title]`), "云门路命名专家论证意见"),
		chromedp.SendKeys(chromedp.CSS(`#report-form textarea[name=body]`), "名称含义健康，与周边地名协调，同意命名。"),
		chromedp.SetUploadFiles(chromedp.CSS(`#report-form input[name=file]`), []string{pdf}),
		chromedp.Click(chromedp.CSS(`#report-form button[type=submit]`))); err != nil {
		t.Fatalf("expert report: %v", err)
	}
	mustWaitText(t, ctx, `.reports`, "云门路命名专家论证意见")
	mustWaitText(t, ctx, `.reports .file`, "云门路专家论证.pdf")
	if got := eval[string](t, ctx, `fetch(document.querySelector('.reports .file a').href).then(r => r.text())`); got != pdfText {
		t.Errorf("the uploaded report downloads as %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('form.act-form').length`); n != 0 {
		t.Errorf("the expert sees %d transition forms, want none", n)
	}

	// The committee member closes the evaluation.
	mustSignIn(t, ctx, env.srv.URL, "nm-committee", page)
	act("complete_evaluation")
	mustWaitText(t, ctx, `#app-state`, "待审批")

	// The approver approves, files and announces, each on the date given.
	today := time.Now().UTC()
	approved, filed, announced := today.AddDate(0, 0, -5).Format(time.DateOnly), today.AddDate(0, 0, -3).Format(time.DateOnly), today.AddDate(0, 0, -1).Format(time.DateOnly)
	setDate := func(action, d string) chromedp.Action[chromedp.Void] {
		js := fmt.Sprintf(`(() => { document.querySelector('#act-%s input[name=date]').value = %q; return true; })()`, action, d)
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Evaluate[bool](js)(ctx, tg)
			return chromedp.Void{}, err
		}
	}
	mustSignIn(t, ctx, env.srv.URL, "nm-approver", "/work/queue")
	mustWaitText(t, ctx, fmt.Sprintf(`tr[data-id="%d"]`, id), "批准")
	if err := chromedp.Do(ctx, chromedp.Navigate(env.srv.URL+page)); err != nil {
		t.Fatal(err)
	}
	act("approve", chromedp.SendKeys(chromedp.CSS(`#act-approve input[name=approving_body]`), "若耶县人民政府"),
		chromedp.SendKeys(chromedp.CSS(`#act-approve input[name=approval_doc]`), "若政复〔2026〕7号"), setDate("approve", approved))
	mustWaitText(t, ctx, `#app-state`, "已批准")
	mustWaitText(t, ctx, `dl.attrs`, approved)
	act("file", setDate("file", filed))
	mustWaitText(t, ctx, `#app-state`, "已备案")
	act("announce", setDate("announce", announced))
	mustWaitText(t, ctx, `#app-state`, "已公告")
	body := mustText(t, ctx, `dl.attrs`)
	for _, want := range []string{"批准日期" + approved, "备案日期" + filed, "公告日期" + announced} {
		if !strings.Contains(strings.Join(strings.Fields(body), ""), want) {
			t.Errorf("application record lacks %q:\n%s", want, body)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href="/announcements"]`))); err != nil {
		t.Fatal(err)
	}
	mustWaitText(t, ctx, `body`, "关于云门路命名的公告")
	eval[bool](t, ctx, `(() => { [...document.querySelectorAll('li a')].find(a => a.textContent.includes('云门路')).click(); return true; })()`)
	mustWaitText(t, ctx, `body`, "若政复〔2026〕7号")
	ann := strings.Join(strings.Fields(mustText(t, ctx, `body`)), "")
	for _, want := range []string{"标准名称云门路", "罗马字母拼写YunmenLu", "批准时间" + approved, "发布日期" + announced} {
		if !strings.Contains(ann, want) {
			t.Errorf("announcement page lacks %q:\n%s", want, ann)
		}
	}
}

// TestNamingDuplicatesInBrowser walks the clean-up as a committee member:
// the page lists the county's two 新民村 as one same-name group, and
// renaming one drafts a rename application of the normal workflow.
func TestNamingDuplicatesInBrowser(t *testing.T) {
	db := dbtest.Open(t)
	ctx := t.Context()
	if _, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level) VALUES ('339963','清理二县',3) ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level, parent_code) VALUES ('339963100','清理二镇',4,'339963'),
		('339963100001','新民村委会',5,'339963100'), ('339963100002','新民村委会',5,'339963100') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportPlacesFromDivisions(ctx, "339963"); err != nil {
		t.Fatal(err)
	}
	h := web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: "http://test"},
		web.Deps{Accounts: db, Health: db, Gazetteer: gazetteer.NewService(db, nil)})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	mustUser(t, db, "dup-browser", "339963", diming.RoleCommittee)
	ctx, console := browser(t)
	defer failShot(t, ctx, "duplicates", console)
	mustSignIn(t, ctx, srv.URL, "dup-browser", "/work/duplicates")

	mustWaitText(t, ctx, ".dup-group h2", "重名")
	if n := eval[int](t, ctx, `[...document.querySelectorAll('.dup-group tbody tr')].filter(r => r.textContent.includes('新民村')).length`); n != 2 {
		t.Fatalf("clean-up page lists %d rows of 新民村, want 2\n%s", n, console)
	}
	if href := eval[string](t, ctx, `document.querySelector('a[download]').getAttribute('href')`); !strings.Contains(href, "format=csv") {
		t.Errorf("CSV link = %q", href)
	}
	// An empty new name is refused beside the form, nothing drafted.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.dup-rename button`))); err != nil {
		t.Fatal(err)
	}
	mustWaitText(t, ctx, ".dup-rename", "必填：新名称")
	err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`.dup-group tbody tr:nth-child(2) input[name=name]`), "新安村"),
		chromedp.Click(chromedp.CSS(`.dup-group tbody tr:nth-child(2) button`)))
	if err != nil {
		t.Fatal(err)
	}
	mustWaitText(t, ctx, "h1", "新安村")
	if body := mustText(t, ctx, "main"); !strings.Contains(body, "草稿") || !strings.Contains(body, "新民村") {
		t.Errorf("the drafted application does not show a draft renaming 新民村:\n%s", body)
	}
}

// TestWorkspaceHeaderNamesScope: the header says which division the user
// acts in by its name, not only its code.
func TestWorkspaceHeaderNamesScope(t *testing.T) {
	e := newNamingEnv(t)
	c := newClient(t, e.srv.URL)
	c.login("nm-committee")
	code, page := c.raw("/work")
	if code != 200 || !strings.Contains(string(page), "若耶县（330699）") {
		t.Errorf("GET /work = %d without the scope's name 若耶县（330699）:\n%s", code, page)
	}
}
