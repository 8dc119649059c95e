package web_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/diming/diming/web"
	"github.com/paulmach/orb/encoding/mvt"
)

// chromiumPath finds Debian's chromium (DIMING_CHROMIUM overrides). The
// browser tests fail, never skip, without it: `make test` installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("DIMING_CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is missing (apt-get install chromium, or run `make test`): %v", err)
	}
	return p
}

// browser starts a headless chromium with a fresh profile, with the flags
// this machine needs (no sandbox as root, no background connections).
func browser(t *testing.T) (context.Context, *consoleLog) {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	log := &consoleLog{}
	if err := chromedp.Listen(ctx, log.add); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx, log
}

// consoleLog keeps the page's console messages and exceptions, printed
// when a browser test fails.
type consoleLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *consoleLog) add(ev any) {
	var line string
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range e.Args {
			parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
		}
		line = "console." + string(e.Type) + ": " + strings.Join(parts, " ")
	case *runtime.EventExceptionThrown:
		line = "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			line += " " + e.ExceptionDetails.Exception.Description
		}
	default:
		return
	}
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
}

func (l *consoleLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// TestWebMapInBrowser opens the real map in chromium against the real
// server and database: the canvas renders our own tiles, a click on a
// division shows its name, search degrades gracefully without the
// gazetteer, and a user signs in and out through the form.
func TestWebMapInBrowser(t *testing.T) {
	const review = "浙S(2026)001号"
	srv, _, rec := mapServer(t, nil, web.Config{MapReviewNumber: review})
	ctx, console := browser(t)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\nbrowser console:\n%s", append(args, console)...)
	}
	// Zoom 13 over 府山社区 (330602001001), inside 塔山街道 and 越城区.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/#13/30.006/120.578")); err != nil {
		fail("open the map: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.dimingMap && dimingMap.loaded() && dimingMap.areTilesLoaded())`,
		chromedp.WithPollingTimeout(45*time.Second))); err != nil {
		fail("the map never finished loading: %v", err)
	}

	t.Run("canvas renders our tiles", func(t *testing.T) {
		checkCanvas(t, ctx, console)
		checkTileResponses(t, rec.responses())
	})
	t.Run("click a division", func(t *testing.T) {
		xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
			const p = dimingMap.project([120.5785, 30.0065]), r = dimingMap.getCanvas().getBoundingClientRect();
			return [r.left + p.x, r.top + p.y]; })()`))
		if err != nil {
			fail("project: %v", err)
		}
		if err := chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1]), chromedp.WaitVisible(chromedp.ID("panel"))); err != nil {
			fail("click at %v: %v", xy, err)
		}
		wantText(t, ctx, "panel-title", "府山社区")
		wantText(t, ctx, "panel-attrs", "330602001001")
		wantText(t, ctx, "panel-chain", "越城区")
	})
	t.Run("search without the gazetteer", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("search-q"), "绍兴"), chromedp.Click(chromedp.CSS("#search button")),
			chromedp.WaitVisible(chromedp.CSS("#search-results li"))); err != nil {
			fail("search: %v", err)
		}
		wantText(t, ctx, "search-results", "地名搜索服务暂未开通")
	})
	t.Run("sign in and out", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("login-user"), "mapper"),
			chromedp.SendKeys(chromedp.ID("login-pass"), "correct horse battery"),
			chromedp.Click(chromedp.CSS("#login button")), chromedp.WaitVisible(chromedp.ID("whoami"))); err != nil {
			fail("sign in: %v", err)
		}
		wantText(t, ctx, "whoami-name", "mapper")
		// Signing out is a write: it needs the CSRF token from sign-in.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login"))); err != nil {
			fail("sign out: %v", err)
		}
		status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/api/v1/session').then(r => r.status)`, chromedp.EvalAwaitPromise))
		if err != nil || status != 401 {
			fail("GET /api/v1/session after sign-out = %d, %v; want 401", status, err)
		}
	})
	wantText(t, ctx, "review-number", review)
}

func wantText(t *testing.T, ctx context.Context, id, want string) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
	if err != nil || !strings.Contains(got, want) {
		t.Errorf("#%s text = %q, %v; want it to contain %q", id, got, err, want)
	}
}

// checkCanvas screenshots the map and checks that it drew more than the
// background: fills and lines of several colours.
func checkCanvas(t *testing.T, ctx context.Context, console *consoleLog) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.ID("map")))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	if n := colours(img); n < 4 {
		if dir := os.Getenv("DIMING_SCREENSHOT_DIR"); dir != "" {
			_ = os.WriteFile(dir+"/map.png", shot, 0o644)
		}
		t.Fatalf("the map canvas has %d colours; it did not render\nbrowser console:\n%s", n, console)
	}
}

func colours(img image.Image) int {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>11)<<10|(g>>11)<<5|bl>>11] = true
		}
	}
	return len(seen)
}

func checkTileResponses(t *testing.T, got []tileResponse) {
	t.Helper()
	for _, r := range got {
		if r.Status != 200 || r.ContentType != "application/vnd.mapbox-vector-tile" {
			continue
		}
		layers, err := mvt.Unmarshal(r.Body)
		if err != nil {
			t.Fatalf("%s: mvt.Unmarshal() = %v", r.Path, err)
		}
		for _, l := range layers {
			if l.Name == "divisions" && len(l.Features) > 0 {
				return
			}
		}
	}
	var seen []string
	for _, r := range got {
		seen = append(seen, r.Path+" "+strconv.Itoa(r.Status)+" "+r.ContentType)
	}
	t.Fatalf("no tile request returned 200 with divisions in MVT; the map fetched:\n%s", strings.Join(seen, "\n"))
}
