package web_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/chromedp/chromedp"
	"github.com/diming/diming"
)

func TestWorkspacePages(t *testing.T) {
	srv, db := testServer(t)
	mustUser(t, db, "wk-committee", "330602", diming.RoleCommittee)
	mustUser(t, db, "wk-community", "330602001001", diming.RoleCommunityAdmin)

	res, body := httpGet(t, srv.URL+"/work")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `data-api="/api/v1/session"`) {
		t.Errorf("GET /work signed out = %d, want 401 with the sign-in form; body:\n%s", res.StatusCode, body)
	}
	for next, want := range map[string]string{"/work/queue": `data-next="/work/queue"`, "//evil.example/": `data-next="/work"`, "https://evil.example/": `data-next="/work"`} {
		if _, body := httpGet(t, srv.URL+"/login?next="+next); !strings.Contains(string(body), want) {
			t.Errorf("GET /login?next=%s lacks %s", next, want)
		}
	}
	// A mistyped page link gets a page saying so; the API keeps its JSON.
	res, body = httpGet(t, srv.URL+"/work/no-such-page", "Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	if res.StatusCode != http.StatusNotFound || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "没有这个页面") {
		t.Errorf("browser GET /work/no-such-page = %d %s, want a 404 page in Chinese:\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if res, _ := httpGet(t, srv.URL+"/api/v1/no-such-thing", "Accept", "text/html"); !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("GET /api/v1/no-such-thing = %s, want JSON", res.Header.Get("Content-Type"))
	}
	tests := []struct {
		user      string
		want, not []string
	}{
		{"wk-committee", []string{"地名申报", "待办审核", "地名委员会委员", "330602"}, []string{"/work/grids", "/work/plates"}},
		{"wk-community", []string{"/work/grids", "社区管理员"}, []string{"/work/propose", "/work/queue"}},
	}
	for _, tt := range tests {
		c := newClient(t, srv.URL)
		c.login(tt.user)
		res, err := c.http.Get(srv.URL + "/work")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		page := string(b)
		if res.StatusCode != 200 || !strings.Contains(page, `name="csrf-token" content="`+c.csrf+`"`) {
			t.Errorf("GET /work as %s = %d without the session's CSRF token", tt.user, res.StatusCode)
		}
		for _, w := range tt.want {
			if !strings.Contains(page, w) {
				t.Errorf("GET /work as %s lacks %q", tt.user, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(page, w) {
				t.Errorf("GET /work as %s shows %q, which is not for this role", tt.user, w)
			}
		}
	}
}

func TestWorkspaceSignInInBrowser(t *testing.T) {
	srv, db := testServer(t)
	mustUser(t, db, "wk-approver", "330602", diming.RoleApprover)
	ctx, console := browser(t)
	defer failShot(t, ctx, "signin", console)

	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/login?next=/work"),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "wk-approver"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "wrong password"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.form-error`)),
	)
	if err != nil {
		t.Fatalf("wrong password: %v", err)
	}
	if msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.form-error`))); !hasHan(msg) || strings.ContainsAny(msg, "wrong") {
		t.Errorf("wrong password shows %q, want a Chinese message", msg)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('input[name=password]').value = ''`)); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
	)
	if err == nil {
		err = waitVisible(ctx, `[data-signout]`)
	}
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if who, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.who`))); !strings.Contains(who, "wk-approver") || !strings.Contains(who, "审批人") {
		t.Errorf("signed-in header = %q", who)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-signout]`)), chromedp.WaitVisible(chromedp.ID("map"))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/api/v1/session').then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != http.StatusUnauthorized {
		t.Errorf("after sign-out GET /api/v1/session = %d, %v; want 401", status, err)
	}
}

// waitVisible waits up to 20 s for selector, leaving the browser usable
// for a screenshot when it never shows.
func waitVisible(ctx context.Context, selector string) error {
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	return chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(selector)))
}

// hasHan reports whether s holds Chinese characters.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// failShot saves a screenshot of the page when the test has failed, to
// $DIMING_SHOTS (default: the test's temp dir, whose path is logged).
func failShot(t *testing.T, ctx context.Context, name string, console *consoleLog) {
	t.Helper()
	if !t.Failed() {
		return
	}
	dir := os.Getenv("DIMING_SHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	p := filepath.Join(dir, name+".png")
	_ = os.WriteFile(p, png, 0o644)
	t.Logf("screenshot of the failing page: %s\nconsole:\n%s", p, console)
}

// TestWorkspaceModulesLoad loads the workspace's map and drawing modules
// in the browser through the page's import map, as the pages do.
func TestWorkspaceModulesLoad(t *testing.T) {
	srv, _ := testServer(t)
	ctx, console := browser(t)
	defer failShot(t, ctx, "modules", console)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/login")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const base = document.querySelector('script[type=module]').src.replace(/work\.js$/, '');
		const [wm, dr] = await Promise.all([import(base + 'workmap.js'), import(base + 'draw.js')]);
		return [typeof wm.workMap, typeof dr.createDraw, typeof wm.maplibregl.Map].join(',');
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || got != "function,function,function" {
		t.Errorf("importing workmap.js and draw.js = %q, %v\nconsole:\n%s", got, err, console)
	}
}
