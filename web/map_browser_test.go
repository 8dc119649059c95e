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
func browser(t *testing.T, extra ...chromedp.ExecAllocatorOption) (context.Context, *consoleLog) {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 800),
	}
	opts = append(opts, extra...)
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
// division opens the division's panel, and the header offers sign-in.
func TestWebMapInBrowser(t *testing.T) {
	const review = "浙S(2026)001号"
	db := searchDB(t)
	srv, rec := searchServer(t, db, web.Config{MapReviewNumber: review})
	ctx, console := browser(t)
	defer failShot(t, ctx, "webmap", console)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\nbrowser console:\n%s", append(args, console)...)
	}
	// Zoom 13 over 府山社区 (330602001001), inside 塔山街道 and 越城区.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/#13/30.006/120.578")); err != nil {
		fail("open the map: %v", err)
	}
	waitMap(t, ctx, console)

	t.Run("canvas renders our tiles", func(t *testing.T) {
		checkCanvas(t, ctx, console)
		checkTileResponses(t, rec.responses())
	})
	t.Run("click a division", func(t *testing.T) {
		clickLonLat(t, ctx, console, 120.5785, 30.0065)
		if err := waitVisible(ctx, "#panel-attrs"); err != nil {
			fail("no division panel: %v", err)
		}
		wantText(t, ctx, "panel-title", "府山社区")
		wantText(t, ctx, "panel-attrs", "330602001001")
		wantText(t, ctx, "panel-chain", "越城区")
	})
	t.Run("sign-in link", func(t *testing.T) {
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('login-link').getAttribute('href')`))
		if err != nil || href != "/login?next=/" {
			t.Errorf("sign-in link = %q, %v; want /login?next=/", href, err)
		}
	})
	wantText(t, ctx, "review-number", review)
	t.Run("opens on the data", func(t *testing.T) {
		// Without a view in the URL the map opens on the extent of the
		// divisions that have polygons, not on the style's default.
		ext, err := db.TileExtent(t.Context(), "")
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
			fail("open the map without a view: %v", err)
		}
		waitMap(t, ctx, console)
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(b => [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()])(dimingMap.getBounds())`))
		if err != nil || len(v) != 4 {
			fail("read the view: %v", err)
		}
		contains := v[0] <= ext.Min[0] && v[1] <= ext.Min[1] && v[2] >= ext.Max[0] && v[3] >= ext.Max[1]
		fills := (ext.Max[0]-ext.Min[0])/(v[2]-v[0]) > 0.5 || (ext.Max[1]-ext.Min[1])/(v[3]-v[1]) > 0.5
		if !contains || !fills {
			t.Errorf("opening view %v, want it to show all of the data's extent %v and be filled by it", v, ext)
		}
	})
}

// waitMap waits until the map has drawn its tiles.
func waitMap(t *testing.T, ctx context.Context, console *consoleLog) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.dimingMap && dimingMap.loaded() && dimingMap.areTilesLoaded() && !dimingMap.isMoving())`,
		chromedp.WithPollingTimeout(45*time.Second))); err != nil {
		t.Fatalf("the map never finished loading: %v\nbrowser console:\n%s", err, console)
	}
}

// clickLonLat clicks the map at a longitude and latitude.
func clickLonLat(t *testing.T, ctx context.Context, console *consoleLog, lon, lat float64) {
	t.Helper()
	xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
		const p = dimingMap.project([`+strconv.FormatFloat(lon, 'f', -1, 64)+`, `+strconv.FormatFloat(lat, 'f', -1, 64)+`]), r = dimingMap.getCanvas().getBoundingClientRect();
		return [r.left + p.x, r.top + p.y]; })()`))
	if err != nil {
		t.Fatalf("project: %v\nbrowser console:\n%s", err, console)
	}
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1])); err != nil {
		t.Fatalf("click at %v: %v", xy, err)
	}
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
