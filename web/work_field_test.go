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
	"github.com/diming/diming/tiles"
	"github.com/diming/diming/web"
)

// signIn signs user in through the sign-in page, as a person does.
func signIn(ctx context.Context, base, user string) error {
	err := chromedp.Do(ctx, chromedp.Navigate(base+"/login?next=/work"),
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
