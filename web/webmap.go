package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path"

	"github.com/diming/diming"
	"github.com/labstack/echo/v4"
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
}

// newWebMap loads the front end's files: embedded, or from cfg.WebDir in
// development.
func newWebMap(cfg Config) (*webMap, error) {
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
	w := &webMap{assets: a, review: cfg.MapReviewNumber}
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

type indexData struct {
	MapLibre     string
	ReviewNumber string
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
	tpl, err := template.New("index").Funcs(template.FuncMap{"asset": w.assets.URL, "importmap": w.assets.ImportMap}).Parse(string(src.raw))
	if err != nil {
		return diming.E("web.index", err)
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, indexData{MapLibre: w.mapLibreDir(), ReviewNumber: w.review}); err != nil {
		return diming.E("web.index", err)
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}
