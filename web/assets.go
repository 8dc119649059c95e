package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/diming/diming"
	"github.com/labstack/echo/v4"
)

// assets serves the front end's files. Every file is reachable under one
// content-hashed prefix (/assets/<hash>/...), cached by browsers as
// immutable: the hash covers the whole tree, so relative ES-module imports
// keep working and any change to any file moves every URL. Files are
// gzip-compressed once: vendor files come precompressed from the build
// (`make web-deps` writes name.gz beside them), the app's own small files
// are compressed when the server starts.
type assets struct {
	prefix string // "/assets/<hash>"
	files  map[string]assetFile
	// fromOS serves files from disk on every request (development), so
	// edits show without a restart; nothing is cached then.
	fromOS fs.FS
}

type assetFile struct {
	raw, gz []byte
	ctype   string
}

// loadAssets reads every file of fsys into memory with its gzip form.
func loadAssets(fsys fs.FS, fromOS bool) (*assets, error) {
	a := &assets{files: map[string]assetFile{}}
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".gz") {
			return err
		}
		names = append(names, p)
		return nil
	})
	if err != nil {
		return nil, diming.E("web.loadAssets", err)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, p := range names {
		raw, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, diming.E("web.loadAssets", err)
		}
		h.Write([]byte(p))
		h.Write(raw)
		f := assetFile{raw: raw, ctype: contentType(p)}
		if gz, err := fs.ReadFile(fsys, p+".gz"); err == nil {
			f.gz = gz
		} else if compressible(f.ctype, len(raw)) {
			f.gz = gzipBytes(raw)
		}
		a.files[p] = f
	}
	a.prefix = "/assets/" + hex.EncodeToString(h.Sum(nil))[:12]
	if fromOS {
		a.fromOS = fsys
	}
	return a, nil
}

// URL is the cacheable address of a file of the tree, e.g. URL("app.js").
func (a *assets) URL(name string) string { return a.prefix + "/" + strings.TrimPrefix(name, "/") }

// Has reports whether the tree holds name.
func (a *assets) Has(name string) bool { _, ok := a.files[name]; return ok }

// Glob lists the files of the tree matching pattern (path.Match syntax).
func (a *assets) Glob(pattern string) []string {
	var out []string
	for p := range a.files {
		if ok, _ := path.Match(pattern, p); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// vendorModules are the bare module names pages import, and the file of
// each package under vendor/ (copied there by scripts/web-vendor.sh).
var vendorModules = [][2]string{
	{"maplibre-gl", "vendor/maplibre-gl@*/maplibre-gl.mjs"},
	{"terra-draw", "vendor/terra-draw@*/terra-draw.module.js"},
	{"terra-draw-maplibre-gl-adapter", "vendor/terra-draw-maplibre-gl-adapter@*/terra-draw-maplibre-gl-adapter.module.js"},
}

// ImportMap is the page's <script type="importmap">: it lets the app's ES
// modules import vendor packages by name ("maplibre-gl", "terra-draw").
func (a *assets) ImportMap() template.HTML {
	imports := map[string]string{}
	for _, m := range vendorModules {
		if files := a.Glob(m[1]); len(files) > 0 {
			imports[m[0]] = a.URL(files[len(files)-1])
		}
	}
	b, _ := json.Marshal(map[string]any{"imports": imports})
	return template.HTML(`<script type="importmap">` + string(b) + `</script>`)
}

// handle serves /assets/<hash>/<name> (immutable when the hash is current)
// and /static/<name> (revalidated on every use).
func (a *assets) handle(c echo.Context) error {
	p := c.Request().URL.Path
	name, immutable := "", false
	switch {
	case strings.HasPrefix(p, a.prefix+"/"):
		name, immutable = strings.TrimPrefix(p, a.prefix+"/"), a.fromOS == nil
	case strings.HasPrefix(p, "/assets/"):
		// An older build's hash: serve today's file, but do not let it be
		// kept under the old name.
		rest := strings.TrimPrefix(p, "/assets/")
		if _, after, ok := strings.Cut(rest, "/"); ok {
			name = after
		}
	default:
		name = strings.TrimPrefix(p, "/static/")
	}
	f, ok := a.files[name]
	if a.fromOS != nil {
		raw, err := fs.ReadFile(a.fromOS, name)
		f, ok = assetFile{raw: raw, ctype: contentType(name)}, err == nil
	}
	if !ok || name == "" {
		return diming.E("web.assets", diming.NotFound, "没有这个文件："+name)
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, f.ctype)
	hdr.Set(echo.HeaderVary, echo.HeaderAcceptEncoding)
	if immutable {
		hdr.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		hdr.Set(echo.HeaderCacheControl, "no-cache")
	}
	body := f.raw
	if f.gz != nil && acceptsGzip(c.Request()) {
		hdr.Set(echo.HeaderContentEncoding, "gzip")
		body = f.gz
	}
	return c.Blob(http.StatusOK, f.ctype, body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get(echo.HeaderAcceptEncoding), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".mjs", ".js":
		return "text/javascript; charset=utf-8"
	case ".json":
		return "application/json"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ctype string, size int) bool {
	return size > 512 && (strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "application/json") ||
		strings.HasPrefix(ctype, "image/svg"))
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}
