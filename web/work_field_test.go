package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/tiles"
	"github.com/diming/diming/web"
)

// signIn signs user in through the sign-in page, as a person does.
func signIn(ctx context.Context, base, user string) error {
	return signInAt(ctx, base, user, "/work")
}

// signInAt ends any session the browser has and signs in as user through
// the sign-in page, which then opens next.
func signInAt(ctx context.Context, base, user, next string) error {
	_, _ = chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { const m = document.querySelector('meta[name=csrf-token]');
		return m ? fetch('/api/v1/session', {method: 'DELETE', headers: {'X-CSRF-Token': m.content}}).then(r => r.status) : 0; })()`,
		chromedp.EvalAwaitPromise))
	err := chromedp.Do(ctx, chromedp.Navigate(base+"/login?next="+next),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)))
	if err != nil {
		return err
	}
	return waitVisible(ctx, `[data-signout]`)
}

// signOut ends the browser's session.
func signOut(ctx context.Context) error {
	_, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/api/v1/session', {method: 'DELETE',
		headers: {'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	return err
}

// clickConfirmed clicks a button whose form asks for confirmation, saying yes.
func clickConfirmed(ctx context.Context, selector string) error {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.confirm = () => true, true)`)); err != nil {
		return err
	}
	return chromedp.Do(ctx, chromedp.Click(chromedp.CSS(selector)))
}

// text returns the text of the first element matching selector.
func text(ctx context.Context, selector string) string {
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+strconv.Quote(selector)+`) || {}).innerText || ''`))
	return s
}

// waitText waits up to 20 s for selector's text to contain want.
func waitText(ctx context.Context, selector, want string) bool {
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if strings.Contains(text(ctx, selector), want) {
			return true
		}
	}
	return false
}

// TestFieldInspectionInBrowser records a joint inspection of a demo line
// as the inspector of one side, signs it for that side, is refused
// signing the other side, has it signed by the other side's inspector,
// and downloads the line as GeoJSON and KML, which GDAL's ogrinfo reads
// without a warning.
func TestFieldInspectionInBrowser(t *testing.T) {
	db, _ := dbtest.Fresh(t, true)
	svc := boundaries.New(db)
	if _, err := svc.LoadDemo(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	ts, err := tiles.NewService(db, tiles.Options{}, tiles.Registry()...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: "http://test"},
		web.Deps{Accounts: db, Health: db, Boundaries: svc, Tiles: ts}))
	t.Cleanup(srv.Close)
	lines, err := svc.Lines(t.Context(), boundaries.LineFilter{Code: boundaries.DemoCountyCode, Level: boundaries.Township})
	if err != nil || len(lines) == 0 {
		t.Fatalf("demo lines: %d, %v", len(lines), err)
	}
	l := lines[0]
	id := strconv.FormatInt(l.ID, 10)
	left, right := "fi-left", "fi-right"
	mustUser(t, db, left, l.LeftCode, diming.RoleInspector)
	mustUser(t, db, right, l.RightCode, diming.RoleInspector)

	ctx, console := browser(t)
	defer failShot(t, ctx, "field-inspection", console)
	if err := signIn(ctx, srv.URL, left); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	// The list: the never-inspected line stands out as overdue.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/work/boundaries")); err != nil {
		t.Fatal(err)
	}
	if err := waitVisible(ctx, `tr.is-overdue[data-line="`+id+`"]`); err != nil {
		t.Fatalf("line %s is not listed as overdue: %v", l.Name, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`tr[data-line="`+id+`"] a`))); err != nil {
		t.Fatal(err)
	}
	if err := waitVisible(ctx, `#inspection-form .check`); err != nil {
		t.Fatalf("line page has no inspection form: %v", err)
	}
	// A damaged marker without findings: the check is refused beside the checks.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const f = document.getElementById('inspection-form');
		f.querySelector('textarea[name=findings]').value = '界线执行良好；界桩周边植被已清理。';
		const rows = f.querySelectorAll('.check');
		rows[rows.length - 1].querySelector('[data-check=status]').value = 'damaged';
		return true;
	})()`))
	if err == nil {
		err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#inspection-form button[type=submit]`)))
	}
	if err != nil || !waitText(ctx, `#inspection-form .field-error`, "请写明") {
		t.Fatalf("a damaged marker without findings: field error %q, %v", text(ctx, `#inspection-form .field-error`), err)
	}
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const rows = document.querySelectorAll('#inspection-form .check');
		const last = rows[rows.length - 1];
		last.querySelector('[data-check=findings]').value = '桩面字迹褪色';
		last.querySelector('[data-check=remediation]').value = '描红';
		return true;
	})()`))
	if err == nil {
		err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#inspection-form button[type=submit]`)))
	}
	if err == nil {
		err = waitVisible(ctx, `[data-sign="`+l.LeftCode+`"]`)
	}
	if err != nil {
		t.Fatalf("record the inspection: %v", err)
	}
	if n := count(ctx, `[data-sign]`); n != 1 {
		t.Errorf("the left side's inspector sees %d sign buttons, want only their own side's", n)
	}
	if err := clickConfirmed(ctx, `[data-sign="`+l.LeftCode+`"]`); err != nil || !waitText(ctx, `.signoff`, "已由 "+left+" 签认") {
		t.Fatalf("sign the left side: %v; sign-off reads %q", err, text(ctx, ".signoff"))
	}
	// The same user signing the other side is refused by the API too.
	var inspectionID, version int
	if err := db.Pool.QueryRow(t.Context(), `SELECT id, version FROM line_inspections WHERE line_id = $1`, l.ID).Scan(&inspectionID, &version); err != nil {
		t.Fatal(err)
	}
	refused, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`fetch('/api/v1/inspections/`+strconv.Itoa(inspectionID)+`/sign', {method: 'POST',
		headers: {'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content},
		body: JSON.stringify({side: '`+l.RightCode+`', version: `+strconv.Itoa(version)+`})}).then(async r => ({status: r.status, body: await r.json()}))`, chromedp.EvalAwaitPromise))
	if msg := toS(refused["body"]); err != nil || refused["status"] != float64(403) || !hasHan(msg) {
		t.Errorf("the left inspector signing the right side = %v, %v; want 403 with a Chinese message", refused, err)
	}

	// The other side signs for itself.
	if err := signOut(ctx); err != nil {
		t.Fatal(err)
	}
	if err := signIn(ctx, srv.URL, right); err != nil {
		t.Fatalf("sign in as %s: %v", right, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/work/boundaries/lines/"+id)); err != nil {
		t.Fatal(err)
	}
	if err := waitVisible(ctx, `[data-sign="`+l.RightCode+`"]`); err != nil {
		t.Fatalf("the right side's inspector has no sign button: %v", err)
	}
	if err := clickConfirmed(ctx, `[data-sign="`+l.RightCode+`"]`); err != nil || !waitText(ctx, `.card`, "双方已签认") {
		t.Fatalf("sign the right side: %v; page reads %q", err, text(ctx, ".card"))
	}
	if h := text(ctx, `#h-line`); !strings.Contains(h, "按期") {
		t.Errorf("after both sides signed the line reads %q, want 按期 (no longer overdue)", h)
	}
	checkDownloads(t, ctx)
}

// count is the number of elements matching selector.
func count(ctx context.Context, selector string) int {
	n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(selector)+`).length`))
	return n
}

// checkDownloads fetches the page's download links in the browser's
// session and opens each file with ogrinfo, which must read it without a
// warning; the GeoJSON carries the marker check just recorded.
func checkDownloads(t *testing.T, ctx context.Context) {
	t.Helper()
	files, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Promise.all([...document.querySelectorAll('a[download]')].map(
		a => fetch(a.href).then(r => r.ok ? r.text() : 'HTTP ' + r.status)))`, chromedp.EvalAwaitPromise))
	if err != nil || len(files) != 2 {
		t.Fatalf("download links: %d files, %v", len(files), err)
	}
	dir := t.TempDir()
	for i, name := range []string{"line.geojson", "line.kml"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(files[i]), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("ogrinfo", "-ro", "-al", "-so", p)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || stderr.Len() > 0 || !strings.Contains(string(out), "Feature Count: ") {
			t.Errorf("ogrinfo %s: %v; stderr %q; out:\n%s\nfile starts %.200q", name, err, stderr.String(), out, files[i])
		}
	}
	if !strings.Contains(files[0], `"last_check":"damaged"`) {
		t.Errorf("the GeoJSON export lacks the recorded marker check")
	}
}

// mustAddresses creates n numbered addresses on a street in community A
// (north side, odd and even alike) and returns the street's API answer.
func (e dpEnv) mustAddresses(t *testing.T, iss *client, n int) map[string]any {
	t.Helper()
	st := e.mustStreet(t, iss)
	for i := 1; i <= n; i++ {
		lon := 120.002 + float64(i)*0.0003
		code, out := iss.do("POST", "/api/v1/addresses", map[string]any{"division_code": e.a, "street_id": st["id"], "door_number": i,
			"position": map[string]any{"lon": lon, "lat": 30.0055 - float64(1-i%2)*0.001}})
		mustStatus(t, "create address", code, 201, out)
	}
	return st
}

// TestFieldPlatesInBrowser issues a street's plates as the issuer, opens
// the print sheet (street name, pinyin, number and code text on every
// face), then replaces and revokes a plate with a reason.
func TestFieldPlatesInBrowser(t *testing.T) {
	e := newDoorplateEnv(t, doorplate.PhoneMask)
	street := e.mustAddresses(t, e.as(t, e.approver), 3)
	sid := strconv.Itoa(int(street["id"].(float64)))

	ctx, console := browser(t)
	defer failShot(t, ctx, "field-plates", console)
	if err := signIn(ctx, e.srv.URL, e.approver); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/work/plates")); err != nil {
		t.Fatal(err)
	}
	if err := waitVisible(ctx, `a[href="/work/plates?community=`+e.a+`"]`); err != nil {
		t.Fatalf("community A is not listed: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href="/work/plates?community=`+e.a+`"]`))); err != nil {
		t.Fatal(err)
	}
	issue := `tr[data-street="` + sid + `"] [data-issue=street]`
	if err := waitVisible(ctx, issue); err != nil {
		t.Fatalf("no issue button for the street: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(issue))); err != nil {
		t.Fatal(err)
	}
	if err := waitVisible(ctx, `tr[data-plate]`); err != nil {
		t.Fatalf("issued plates are not listed: %v", err)
	}
	if n := count(ctx, `tr[data-plate]`); n != 3 {
		t.Fatalf("listed %d plates after issuing, want 3", n)
	}
	codes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-code]')].map(a => a.dataset.code)`))
	if err != nil || len(codes) != 3 {
		t.Fatalf("plate codes: %v, %v", codes, err)
	}

	// The print sheet: every face reads the street, its pinyin, the number and the code.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/doorplate/sheet?street="+sid)); err != nil {
		t.Fatal(err)
	}
	faces, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]string](`[...document.querySelectorAll('.plate')].map(p => ({
		street: p.querySelector('.st').innerText, pinyin: p.querySelector('.py').innerText,
		number: p.querySelector('.num').innerText, code: p.querySelector('.code').innerText.replace(/\s+/g, '')}))`))
	if err != nil || len(faces) != 3 {
		t.Fatalf("sheet faces: %v, %v", faces, err)
	}
	for i, f := range faces {
		if f["street"] != "胜利街" || f["pinyin"] != street["pinyin"] || f["number"] != strconv.Itoa(i+1)+"号" || f["code"] != codes[i] {
			t.Errorf("face %d = %v, want 胜利街, %v, %d号 and code %s", i, f, street["pinyin"], i+1, codes[i])
		}
	}
	if head := text(ctx, `.head`); !strings.Contains(head, "小号") || strings.Contains(head, "small") {
		t.Errorf("sheet heading = %q, want the size in Chinese", head)
	}

	// Replace the first plate, revoke the second, each with its reason.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/work/plates?community="+e.a+"&street="+sid)); err != nil {
		t.Fatal(err)
	}
	if err := waitVisible(ctx, `tr[data-plate] summary`); err != nil {
		t.Fatal(err)
	}
	act := func(row int, form, reason string) error {
		sel := `tr[data-plate]:nth-child(` + strconv.Itoa(row) + `) `
		err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel+`summary`)), chromedp.SendKeys(chromedp.CSS(sel+`form[`+form+`] input[name=reason]`), reason))
		if err != nil {
			return err
		}
		return clickConfirmed(ctx, sel+`form[`+form+`] button[type=submit]`)
	}
	first, second := strings.SplitN(codes[0], ".", 2)[0], strings.SplitN(codes[1], ".", 2)[0]
	if err := act(1, "data-replace", "门牌损坏"); err != nil {
		t.Fatalf("replace: %v", err)
	}
	if !waitGone(ctx, `tr[data-plate="`+first+`"]`) {
		t.Fatalf("the replaced plate is still listed as active")
	}
	if err := act(2, "data-revoke", "房屋拆除"); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if !waitGone(ctx, `tr[data-plate="`+second+`"]`) {
		t.Fatalf("the revoked plate is still listed as active")
	}
	if n := count(ctx, `tr[data-plate]`); n != 2 {
		t.Errorf("after a replacement and a revocation %d plates are active, want 2", n)
	}
	var reasons []string
	rows, _ := e.db.Pool.Query(t.Context(), `SELECT status || ':' || reason FROM plates WHERE public_id = ANY($1) ORDER BY public_id = $2 DESC`,
		[]string{first, second}, first)
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		reasons = append(reasons, s)
	}
	if strings.Join(reasons, ",") != "replaced:门牌损坏,revoked:房屋拆除" {
		t.Errorf("plate states = %v", reasons)
	}
}

// waitGone waits up to 20 s for selector to match nothing.
func waitGone(ctx context.Context, selector string) bool {
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if count(ctx, selector) == 0 && count(ctx, `main`) == 1 {
			return true
		}
	}
	return false
}

// TestFieldGridsInBrowser: a community admin edits their grid's worker
// and the next scan of a plate in it shows the change; they draw a new
// grid on the map; another community's admin is refused.
func TestFieldGridsInBrowser(t *testing.T) {
	e := newDoorplateEnv(t, doorplate.PhoneMask)
	iss := e.as(t, e.approver)
	street := e.mustAddresses(t, iss, 2)
	st, out := iss.do("POST", "/api/v1/plates/batch", map[string]any{"street_id": street["id"]})
	mustStatus(t, "issue", st, 201, out)
	scanURL := out["plates"].([]any)[0].(map[string]any)["url"].(string)
	west := map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{120.0, 30.0}, {120.005, 30.0}, {120.005, 30.01}, {120.0, 30.01}, {120.0, 30.0}}}}
	st, out = e.as(t, e.adminA).do("POST", "/api/v1/grids", map[string]any{"community_code": e.a, "name": "西区网格", "geom": west,
		"worker_name": "王芳", "worker_phone": "13812345678", "worker_phone_kind": "personal"})
	mustStatus(t, "create grid", st, 201, out)
	gridID := strconv.Itoa(int(out["id"].(float64)))
	if _, page := get(t, scanURL, false); !strings.Contains(page, "王芳") {
		t.Fatalf("scan page before the edit lacks the grid worker")
	}

	ctx, console := browser(t)
	defer failShot(t, ctx, "field-grids", console)
	if err := signIn(ctx, e.srv.URL, e.adminA); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/work/grids")); err != nil {
		t.Fatal(err)
	}
	form := `form[data-grid-id="` + gridID + `"] `
	if err := waitVisible(ctx, form+`input[name=worker_name]`); err != nil {
		t.Fatalf("the community admin's grid page has no form for the grid: %v", err)
	}
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const f = document.querySelector('`+form+`');
		f.querySelector('[name=worker_name]').value = '赵敏';
		f.querySelector('[name=worker_phone]').value = '0575-88112233';
		f.querySelector('[name=worker_phone_kind]').value = 'work';
		return true;
	})()`))
	if err == nil {
		err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(form+`button[type=submit]`)))
	}
	if err != nil || !waitText(ctx, form+`[data-shown=worker]`, "0575-88112233") {
		t.Fatalf("save the grid: %v; the form shows %q", err, text(ctx, form+`.shown`))
	}
	if _, page := get(t, scanURL, false); !strings.Contains(page, "赵敏") || !strings.Contains(page, "0575-88112233") || strings.Contains(page, "王芳") {
		t.Errorf("the next scan does not show the new grid worker:\n%s", page)
	}

	// Reshaping loads the stored grid into the drawing tool.
	if err := waitVisible(ctx, `#draw-new:not([disabled])`); err != nil {
		t.Fatalf("the map never became ready for drawing: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(form+`[data-edit-shape]`))); err != nil {
		t.Fatal(err)
	}
	if g, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(document.getElementById('grid-map').draw.geometry())`)); err != nil || !strings.Contains(g, `"Polygon"`) {
		t.Errorf("reshaping the grid put %s in the drawing tool, %v; want its polygon", g, err)
	}

	// Draw a new grid in the east half of the community, on the map.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#draw-new`))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById('grid-map').scrollIntoView({block: 'nearest'}), true)`)); err != nil {
		t.Fatal(err)
	}
	corners := [][2]float64{{120.006, 30.002}, {120.009, 30.002}, {120.009, 30.008}, {120.006, 30.008}, {120.006, 30.002}}
	for i, c := range corners {
		xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const b = document.getElementById('grid-map');
			const p = b.map.project([`+strconv.FormatFloat(c[0], 'f', 6, 64)+`, `+strconv.FormatFloat(c[1], 'f', 6, 64)+`]);
			const r = b.getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; })()`))
		if err != nil || len(xy) != 2 {
			t.Fatalf("map position of corner %d: %v, %v", i, xy, err)
		}
		if err := chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1]), chromedp.Sleep(150*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	err = chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#grid-new input[name=name]`), "东区网格"),
		chromedp.Click(chromedp.CSS(`#grid-new button[type=submit]`)))
	if err != nil {
		t.Fatal(err)
	}
	if !waitCount(ctx, `.grid-form`, 2) {
		t.Fatalf("after drawing a new grid the page lists %d grids, want 2; form says %q", count(ctx, `.grid-form`), text(ctx, `#grid-new .form-error`))
	}
	var area float64
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT ST_Area(geom::geography) FROM grids WHERE community_code = $1 AND name = '东区网格'`, e.a).Scan(&area); err != nil || area < 0.5e5 || area > 3e5 {
		t.Errorf("the drawn grid's area = %.0f m², %v; want about 0.2 km²", area, err)
	}

	// Another community's admin: nothing to press for A, and refused.
	if err := signOut(ctx); err != nil {
		t.Fatal(err)
	}
	if err := signIn(ctx, e.srv.URL, e.adminB); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/work/grids")); err != nil {
		t.Fatal(err)
	}
	if err := waitVisible(ctx, `#grid-map`); err != nil || count(ctx, form) != 0 {
		t.Errorf("community B's admin sees A's grid form (%d), %v", count(ctx, form), err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/work/grids?community="+e.a)); err != nil {
		t.Fatal(err)
	}
	if body := text(ctx, `body`); !strings.Contains(body, "不在你的管辖范围") || strings.HasPrefix(body, "{") || count(ctx, `.grid-form`) != 0 {
		t.Errorf("community B's admin opening A's grids sees %q, want a refusal", body)
	}
	refused, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/api/v1/grids/`+gridID+`', {method: 'PATCH',
		headers: {'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]')?.content || ''},
		body: JSON.stringify({worker_name: '冒名', version: 2})}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || refused != 403 {
		t.Errorf("community B's admin editing A's grid through the API = %d, %v; want 403", refused, err)
	}
}

// waitCount waits up to 20 s for selector to match n elements.
func waitCount(ctx context.Context, selector string, n int) bool {
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if count(ctx, selector) == n {
			return true
		}
	}
	return false
}
