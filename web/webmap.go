package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"

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

// webMap serves the page and its files.
type webMap struct {
	files  fs.FS
	review string
	fromOS bool
}

func newWebMap(cfg Config) *webMap {
	w := &webMap{review: cfg.MapReviewNumber}
	if cfg.WebDir != "" {
		w.files, w.fromOS = os.DirFS(cfg.WebDir), true
	} else {
		w.files, _ = fs.Sub(static, "static")
	}
	if w.review == "" {
		w.review = "审图号：待配置（部署前由运营方填写）"
	}
	return w
}

// mapLibreDir finds the installed MapLibre under vendor/, a folder named
// with its version so that its files can be cached forever.
func (w *webMap) mapLibreDir() string {
	dirs, _ := fs.Glob(w.files, "vendor/maplibre-gl@*/maplibre-gl.mjs")
	if len(dirs) == 0 {
		return ""
	}
	return "/static/" + path.Dir(dirs[len(dirs)-1])
}

type indexData struct {
	MapLibre     string
	ReviewNumber string
}

func (w *webMap) handleIndex(c echo.Context) error {
	c.Set(htmlRouteKey, true)
	src, err := fs.ReadFile(w.files, "index.html")
	if err != nil {
		return diming.E("web.index", err)
	}
	tpl, err := template.New("index").Parse(string(src))
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

// cacheHeaders lets browsers keep versioned vendor files forever and makes
// them revalidate the app's own files, which change without a new name.
func (w *webMap) cacheHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := c.Request().URL.Path
		switch {
		case p == "/static/index.html":
			return c.Redirect(http.StatusMovedPermanently, "/")
		case strings.HasPrefix(p, "/static/vendor/") && !w.fromOS:
			c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
		default:
			c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
		}
		if strings.HasSuffix(p, ".mjs") {
			c.Response().Header().Set(echo.HeaderContentType, "text/javascript; charset=utf-8")
		}
		return next(c)
	}
}
