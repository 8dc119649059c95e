package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path"
	"sync"
	"time"

	"github.com/diming/diming"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
)

// static holds the web map. `make web-deps` installs MapLibre GL JS into
// static/vendor/maplibre-gl@VERSION/ before the build; the directory is
// embedded as a whole, so a checkout without it still compiles (the page
// then says the map component is missing).
//
//go:embed static
var static embed.FS

// webMap serves the map page; its files come from the content-hashed
// asset tree.
type webMap struct {
	assets *assets
	review string
	base   BaseLayer
	extent func(context.Context) (orb.Bound, error)

	mu       sync.Mutex
	home     *[4]float64 // the extent, kept for homeTTL
	homeNext time.Time   // when to read the extent again
}

// homeTTL is how long the map's opening view is kept before the extent
// is read again (divisions gain polygons rarely); homeRetry, after the
// extent could not be read.
const homeTTL, homeRetry = 10 * time.Minute, 30 * time.Second

// newWebMap loads the front end's files: embedded, or from cfg.WebDir in
// development.
func newWebMap(cfg Config, extent func(context.Context) (orb.Bound, error)) (*webMap, error) {
	files, fromOS := fs.FS(nil), cfg.WebDir != ""
	if fromOS {
		files = os.DirFS(cfg.WebDir)
	} else {
		files, _ = fs.Sub(static, "static")
	}
	a, err := loadAssets(files, fromOS)
	if err != nil {
		return nil, err
	}
	w := &webMap{assets: a, review: cfg.MapReviewNumber, base: cfg.BaseLayer, extent: extent}
	if w.review == "" {
		w.review = "审图号：待配置（部署前由运营方填写）"
	}
	return w, nil
}

// mapLibreDir finds the installed MapLibre under vendor/, a folder named
// with its version.
func (w *webMap) mapLibreDir() string {
	dirs := w.assets.Glob("vendor/maplibre-gl@*/maplibre-gl.mjs")
	if len(dirs) == 0 {
		return ""
	}
	return w.assets.URL(path.Dir(dirs[len(dirs)-1]))
}

// indexData is what the map page's template reads. Config is the map's
// settings as JSON for app.js (the optional raster base layer).
type indexData struct {
	MapLibre        string
	ReviewNumber    string
	BaseAttribution string
	Config          template.JS
	User            *diming.User
	CSRF            string
	Nav             []navItem
}

// mapConfig is the map page's settings for app.js.
type mapConfig struct {
	Base *baseLayerDTO `json:"base,omitempty"`
	// Home is the opening view [west, south, east, north] when the URL
	// names none: the extent of the data.
	Home *[4]float64 `json:"home,omitempty"`
}

// homeView returns the opening view, nil when there is no extent (no
// polygons yet, or the database cannot say: the style's default view
// stands).
func (w *webMap) homeView(ctx context.Context) *[4]float64 {
	if w.extent == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if time.Now().Before(w.homeNext) {
		return w.home
	}
	b, err := w.extent(ctx)
	if err != nil {
		// No polygons yet, or no database: keep the last known view and
		// ask again soon rather than on every page.
		w.homeNext = time.Now().Add(homeRetry)
		return w.home
	}
	w.home, w.homeNext = &[4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}, time.Now().Add(homeTTL)
	return w.home
}

type baseLayerDTO struct {
	Tiles       string `json:"tiles"`
	Attribution string `json:"attribution"`
}

func (w *webMap) handleIndex(c echo.Context) error {
	c.Set(htmlRouteKey, true)
	src, ok := w.assets.files["index.html"]
	if w.assets.fromOS != nil {
		raw, err := fs.ReadFile(w.assets.fromOS, "index.html")
		src, ok = assetFile{raw: raw}, err == nil
	}
	if !ok {
		return diming.E("web.index", diming.Internal, "index.html is missing from the web files")
	}
	tpl, err := template.New("index").Funcs(template.FuncMap{"asset": w.assets.URL, "importmap": w.assets.ImportMap,
		"who": displayName, "roles": roleNames}).Parse(string(src.raw))
	if err != nil {
		return diming.E("web.index", err)
	}
	var buf bytes.Buffer
	d := indexData{MapLibre: w.mapLibreDir(), ReviewNumber: w.review, User: currentUser(c)}
	d.CSRF, _ = c.Get(csrfKey).(string)
	d.Nav = navFor(d.User)
	mc := mapConfig{Home: w.homeView(c.Request().Context())}
	if w.base.Tiles != "" {
		d.BaseAttribution = w.base.Attribution
		mc.Base = &baseLayerDTO{Tiles: w.base.Tiles, Attribution: w.base.Attribution}
	}
	cfg, err := json.Marshal(mc)
	if err != nil {
		return diming.E("web.index", err)
	}
	d.Config = template.JS(cfg)
	if err := tpl.Execute(&buf, d); err != nil {
		return diming.E("web.index", err)
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}
