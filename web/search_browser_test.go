package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/diming/diming/web"
)

// TestMapSearchInBrowser walks the map's search as a visitor: suggestions
// appear while typing, before Enter; the chosen one flies the map to the
// place and opens its panel with its division chain; the URL reopens the
// panel; a click on a boundary line opens the line, not the division.
func TestMapSearchInBrowser(t *testing.T) {
	// An operator's base layer (here one that answers 404) goes under our own.
	srv, _ := searchServer(t, searchDB(t), web.Config{BaseLayer: web.BaseLayer{Tiles: "/test-base/{z}/{x}/{y}.png", Attribution: "测试底图"}})
	ctx, console := browser(t)
	defer failShot(t, ctx, "map-search", console)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/#8/29.5/119.5")); err != nil {
		t.Fatal(err)
	}
	waitMap(t, ctx, console)
	base, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`dimingMap.getStyle().layers.findIndex(l => l.id === 'base') + ' ' +
		document.querySelector('.maplibregl-ctrl-attrib').innerText`))
	if !strings.HasPrefix(base, "1 ") || !strings.Contains(base, "测试底图") {
		t.Errorf("base layer index and attribution = %q, want it right above the background and credited", base)
	}

	// Typed key by key, as a person does; no Enter yet.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("search-q"), "sx")); err != nil {
		t.Fatal(err)
	}
	if err := waitVisible(ctx, "#search-results [role=option]"); err != nil {
		t.Fatalf("no suggestions while typing sx: %v\nconsole:\n%s", err, console)
	}
	first, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#search-results [role=option]")))
	if !strings.Contains(first, "绍兴市") || !strings.Contains(first, "浙江省") || !strings.Contains(first, "行政区划") {
		t.Errorf("first suggestion for sx = %q, want 绍兴市 with its category and 浙江省", first)
	}
	if exp, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('search-q').getAttribute('aria-expanded')`)); exp != "true" {
		t.Errorf("aria-expanded = %q while suggestions show", exp)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("search-q"), kb.ArrowDown+kb.Enter)); err != nil {
		t.Fatal(err)
	}
	if err := waitVisible(ctx, "#panel .chain"); err != nil {
		t.Fatalf("the place's panel did not open: %v", err)
	}
	wantText(t, ctx, "panel-title", "绍兴市")
	wantText(t, ctx, "panel-body", "浙江省")
	wantText(t, ctx, "panel-body", "Shàoxīng Shì")
	// The map flew to 绍兴市: its centre is inside the city's box.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { if (dimingMap.isMoving()) return false;
		const c = dimingMap.getCenter(); return c.lng > 120.02 && c.lng < 121.21 && c.lat > 29.22 && c.lat < 30.31 && dimingMap.getZoom() > 8; })()`,
		chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		c, _ := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[dimingMap.getCenter().lng, dimingMap.getCenter().lat, dimingMap.getZoom()]`))
		t.Errorf("the map did not fly to 绍兴市: centre and zoom %v", c)
	}

	// The URL holds the view and the selection: a reload reopens the panel.
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(loc, "sel=place%3A") && !strings.Contains(loc, "sel=place:") {
		t.Errorf("URL after picking = %s, want the selected place in it", loc)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(loc)); err != nil {
		t.Fatal(err)
	}
	if err := waitVisible(ctx, "#panel .chain"); err != nil {
		t.Fatalf("reloading %s did not reopen the panel: %v", loc, err)
	}
	wantText(t, ctx, "panel-title", "绍兴市")

	// A boundary line between 越城区 and 上虞区: its panel, not a division's.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/#13/29.97/120.7275")); err != nil {
		t.Fatal(err)
	}
	waitMap(t, ctx, console)
	clickLonLat(t, ctx, console, 120.7275, 29.97)
	if err := waitVisible(ctx, "#panel .downloads"); err != nil {
		kind, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("panel")))
		t.Fatalf("clicking the line did not open its panel (panel: %q): %v", kind, err)
	}
	wantText(t, ctx, "panel-kind", "行政区域界线")
	wantText(t, ctx, "panel-title", "越城区—上虞区线")
	wantText(t, ctx, "panel-body", "001Q")
	wantText(t, ctx, "panel-body", "尚无联检记录")
}

// TestMapWithoutWebGL: a browser that cannot draw the map says so, and
// search and panels still work.
func TestMapWithoutWebGL(t *testing.T) {
	srv, _ := searchServer(t, searchDB(t), web.Config{})
	ctx, console := browser(t, chromedp.Flag("disable-3d-apis", true), chromedp.Flag("disable-webgl", true))
	defer failShot(t, ctx, "map-no-webgl", console)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if err := waitVisible(ctx, "#map-msg"); err != nil {
		t.Fatalf("no message without WebGL: %v", err)
	}
	wantText(t, ctx, "map-msg", "WebGL")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("search-q"), "绍興")); err != nil {
		t.Fatal(err)
	}
	if err := waitVisible(ctx, "#search-results [role=option]"); err != nil {
		t.Fatalf("no suggestions for 绍興: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("search-q"), kb.Enter)); err != nil {
		t.Fatal(err)
	}
	if err := waitVisible(ctx, "#panel .chain"); err != nil {
		t.Fatalf("no panel without WebGL: %v", err)
	}
	wantText(t, ctx, "panel-title", "绍兴市")

}
