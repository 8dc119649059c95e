package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/ogc"
	"github.com/labstack/echo/v4"
)

// OGC API – Features at /ogc (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0;
// Part 2 CRS; basic CQL2 text) and the streamed bulk exports at
// /api/v1/exports/{collection}. Errors on these routes are OGC exception
// JSON: {"code","description"} plus the fields at fault.

const ogcExportTimeout = 30 * time.Minute

func addOGCRoutes(e *echo.Echo, cfg Config, d Deps) {
	if d.Features == nil {
		return
	}
	h := &ogcAPI{store: d.Features, reg: ogc.Registry(), base: strings.TrimRight(cfg.PublicURL, "/") + "/ogc"}
	g := e.Group("/ogc", ogcErrors, timeout(cfg.APITimeout))
	g.GET("", h.landing)
	g.GET("/", h.landing)
	g.GET("/conformance", h.conformance)
	g.GET("/api", h.openAPI)
	g.GET("/collections", h.collections)
	g.GET("/collections/:id", h.collection)
	g.GET("/collections/:id/queryables", h.queryables)
	g.GET("/collections/:id/items", h.items)
	g.GET("/collections/:id/items/:fid", h.item)
	e.GET("/api/v1/exports/:id", h.export, ogcErrors, timeout(ogcExportTimeout))
}

type ogcAPI struct {
	store ogc.Store
	reg   []*ogc.Collection
	base  string
}

// ogcErrors renders errors as the OGC exception JSON, with the status the
// one table (statusOf) gives the error's kind.
func ogcErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed || errors.Is(err, context.Canceled) {
			return err
		}
		status, body := errorResponse(err)
		if status == http.StatusUnprocessableEntity {
			status = http.StatusBadRequest // OGC: a bad parameter is 400
		}
		if status >= 500 {
			return err // logged once by the main error handler
		}
		code := map[int]string{400: "InvalidParameterValue", 401: "NotAuthorized", 403: "Forbidden", 404: "NotFound"}[status]
		if code == "" {
			code = strings.ReplaceAll(http.StatusText(status), " ", "")
		}
		return c.JSON(status, map[string]any{
			"code": code, "description": body.Error.Message, "kind": body.Error.Kind, "fields": body.Error.Fields,
		})
	}
}

type ogcLink struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

const (
	mtJSON    = "application/json"
	mtGeoJSON = "application/geo+json"
	mtHTML    = "text/html"
	mtOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
)

// wantHTML: f=html, or a browser's Accept without f.
func wantHTML(c echo.Context) bool {
	switch c.QueryParam("f") {
	case "html":
		return true
	case "":
		a := c.Request().Header.Get("Accept")
		return strings.Contains(a, "text/html") && !strings.Contains(a, "json")
	}
	return false
}

// checkF refuses an unknown f on the metadata routes.
func checkF(c echo.Context) error {
	if f := c.QueryParam("f"); f != "" && f != "json" && f != "html" {
		return diming.E("ogc.f", diming.Invalid, fmt.Sprintf("f 须为 json 或 html（收到 %q）", f), map[string]string{"f": "json 或 html"})
	}
	return nil
}

func (h *ogcAPI) landing(c echo.Context) error {
	if err := checkF(c); err != nil {
		return err
	}
	body := map[string]any{
		"title":       "diming 地名 · OGC API – Features",
		"description": "行政区划、界线、界桩、标准地名、地名文化遗产、街路巷和门牌，供 QGIS、GDAL 等直接读取",
		"links": []ogcLink{
			{h.base + "?f=json", "self", mtJSON, "本页"},
			{h.base + "?f=html", "alternate", mtHTML, "本页（HTML）"},
			{h.base + "/api", "service-desc", mtOpenAPI, "OpenAPI 3.0"},
			{h.base + "/conformance", "conformance", mtJSON, "符合的标准"},
			{h.base + "/collections", "data", mtJSON, "集合"},
		},
	}
	if wantHTML(c) {
		return h.html(c, "landing", body)
	}
	return c.JSON(http.StatusOK, ogcDoc(body))
}

var conformsTo = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
}

func (h *ogcAPI) conformance(c echo.Context) error {
	if err := checkF(c); err != nil {
		return err
	}
	body := map[string]any{"conformsTo": conformsTo}
	if wantHTML(c) {
		return h.html(c, "conformance", body)
	}
	return c.JSON(http.StatusOK, ogcDoc(body))
}

// visible returns the collection named id as the caller may see it:
// NotFound for unknown ids, Unauthorized for a staff collection without
// a signed-in caller.
func (h *ogcAPI) visible(c echo.Context, id string) (*ogc.Collection, error) {
	col := ogc.Find(h.reg, id)
	if col == nil {
		var ids []string
		for _, x := range h.reg {
			if !x.Staff || currentUser(c) != nil {
				ids = append(ids, x.ID)
			}
		}
		return nil, diming.E("ogc.collection", diming.NotFound, fmt.Sprintf("没有集合 %q；可用的集合：%s", id, strings.Join(ids, ", ")))
	}
	if col.Staff && currentUser(c) == nil {
		return nil, diming.E("ogc.collection", diming.Unauthorized,
			fmt.Sprintf("集合 %s 仅供工作人员使用：请带上 API 令牌（请求头 Authorization: Bearer <令牌>）", id))
	}
	return gradedCollection(c, col), nil
}

// chinaExtent is the spatial extent every collection declares.
var chinaExtent = []float64{73.4, 3.8, 135.1, 53.6}

func (h *ogcAPI) collectionDoc(col *ogc.Collection) map[string]any {
	href := h.base + "/collections/" + col.ID
	doc := map[string]any{
		"id": col.ID, "title": col.Title, "description": col.Description, "itemType": "feature",
		"crs": ogc.CRSList, "storageCrs": ogc.EPSG4490,
		"extent": map[string]any{"spatial": map[string]any{"bbox": [][]float64{chinaExtent}, "crs": ogc.CRS84}},
		"links": []ogcLink{
			{href + "?f=json", "self", mtJSON, col.Title},
			{href + "?f=html", "alternate", mtHTML, col.Title},
			{href + "/items?f=json", "items", mtGeoJSON, col.Title},
			{href + "/items?f=html", "items", mtHTML, col.Title},
			{href + "/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "可筛选的属性"},
		},
	}
	if col.Valid != nil {
		doc["extent"].(map[string]any)["temporal"] = map[string]any{"interval": [][]any{{nil, nil}},
			"trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
	}
	return doc
}

func (h *ogcAPI) collections(c echo.Context) error {
	if err := checkF(c); err != nil {
		return err
	}
	var cols []map[string]any
	for _, col := range h.reg {
		if col.Staff && currentUser(c) == nil {
			continue
		}
		cols = append(cols, h.collectionDoc(col))
	}
	body := map[string]any{
		"collections": cols, "crs": ogc.CRSList,
		"links": []ogcLink{{h.base + "/collections?f=json", "self", mtJSON, "集合"}, {h.base + "/collections?f=html", "alternate", mtHTML, "集合"}},
	}
	if wantHTML(c) {
		return h.html(c, "collections", body)
	}
	return c.JSON(http.StatusOK, ogcDoc(body))
}

func (h *ogcAPI) collection(c echo.Context) error {
	if err := checkF(c); err != nil {
		return err
	}
	col, err := h.visible(c, c.Param("id"))
	if err != nil {
		return err
	}
	doc := h.collectionDoc(col)
	if wantHTML(c) {
		doc["properties"] = col.Props
		return h.html(c, "collection", doc)
	}
	return c.JSON(http.StatusOK, ogcDoc(doc))
}

var jsonSchemaType = map[ogc.Type][2]string{
	ogc.String: {"string", ""}, ogc.Integer: {"integer", ""}, ogc.Number: {"number", ""},
	ogc.Boolean: {"boolean", ""}, ogc.Date: {"string", "date"},
}

func (h *ogcAPI) queryables(c echo.Context) error {
	col, err := h.visible(c, c.Param("id"))
	if err != nil {
		return err
	}
	props := map[string]any{}
	for _, p := range col.Props {
		t := jsonSchemaType[p.Type]
		s := map[string]any{"title": p.Title, "type": t[0]}
		if t[1] != "" {
			s["format"] = t[1]
		}
		props[p.Name] = s
	}
	return c.JSON(http.StatusOK, ogcDoc{
		"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": h.base + "/collections/" + col.ID + "/queryables",
		"type": "object", "title": col.Title, "properties": props,
	})
}

// query parses an items or export request, adding the caller's scope for
// staff collections.
func (h *ogcAPI) query(c echo.Context, col *ogc.Collection, v url.Values) (ogc.Query, error) {
	q, err := ogc.ParseItems(col, v)
	return scoped(c, q), err
}

// scoped limits a staff collection's query to the caller's scope (the
// rows whose division lies within it, as diming.User.InScope).
func scoped(c echo.Context, q ogc.Query) ogc.Query {
	if u := currentUser(c); q.Coll != nil && q.Coll.Staff && u != nil && u.Scope != "" {
		q.Prefixes = append(q.Prefixes, diming.CodePrefix(u.Scope))
	}
	return q
}

func (h *ogcAPI) items(c echo.Context) error {
	col, err := h.visible(c, c.Param("id"))
	if err != nil {
		return err
	}
	q, err := h.query(c, col, c.QueryParams())
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	matched, err := h.store.CountFeatures(ctx, q)
	if err != nil {
		return err
	}
	if wantHTML(c) {
		return h.itemsHTML(c, col, q, matched)
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, mtGeoJSON)
	w.Header().Set("Content-Crs", "<"+q.CRS+">")
	w.WriteHeader(http.StatusOK)
	buf := make([]byte, 0, 64<<10)
	buf = fmt.Appendf(buf, `{"type":"FeatureCollection","numberMatched":%d,"features":[`, matched)
	var n int
	var last string
	err = h.store.Features(ctx, q, ogc.GeoJSON, q.Limit+1, func(r *ogc.Row) error {
		n++
		if n > q.Limit {
			return nil
		}
		if n > 1 {
			buf = append(buf, ',')
		}
		buf = ogc.AppendFeature(buf, col, r)
		last = string(r.Key)
		if len(buf) > 48<<10 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
		return nil
	})
	if err != nil {
		return err // the response is committed: the client sees a cut-off body
	}
	links := h.pageLinks(c, col, n > q.Limit, last)
	buf = fmt.Appendf(buf, `],"numberReturned":%d,"timeStamp":"%s","links":`, min(n, q.Limit), time.Now().UTC().Format(time.RFC3339))
	lb, _ := json.Marshal(links)
	buf = append(append(buf, lb...), "}\n"...)
	_, err = w.Write(buf)
	return err
}

// pageLinks are self, alternate and, when there is more, next: the same
// query continued after the last key (keyset paging).
func (h *ogcAPI) pageLinks(c echo.Context, col *ogc.Collection, more bool, last string) []ogcLink {
	href := h.base + "/collections/" + col.ID + "/items"
	v := c.QueryParams()
	with := func(f string, cursor string) string {
		u := url.Values{}
		for k, vs := range v {
			if k != "f" && k != "cursor" {
				u[k] = vs
			}
		}
		if cursor != "" {
			u.Set("cursor", cursor)
		}
		u.Set("f", f)
		return href + "?" + u.Encode()
	}
	links := []ogcLink{
		{with("json", v.Get("cursor")), "self", mtGeoJSON, "本页"},
		{with("html", v.Get("cursor")), "alternate", mtHTML, "本页（HTML）"},
		{h.base + "/collections/" + col.ID, "collection", mtJSON, col.Title},
	}
	if more {
		links = append(links, ogcLink{with("json", last), "next", mtGeoJSON, "下一页"})
	}
	return links
}

func (h *ogcAPI) item(c echo.Context) error {
	col, err := h.visible(c, c.Param("id"))
	if err != nil {
		return err
	}
	fid := c.Param("fid")
	v := url.Values{}
	for k, vs := range c.QueryParams() {
		if k == "f" || k == "crs" {
			v[k] = vs
		}
	}
	q, err := h.query(c, col, v)
	if err != nil {
		return err
	}
	if col.KeyInt {
		if _, err := strconv.ParseInt(fid, 10, 64); err != nil {
			return diming.E("ogc.item", diming.NotFound, fmt.Sprintf("集合 %s 中没有要素 %q（要素编号是整数）", col.ID, fid))
		}
	}
	q.ID = fid
	var out []byte
	err = h.store.Features(c.Request().Context(), q, ogc.GeoJSON, 1, func(r *ogc.Row) error {
		out = ogc.AppendFeature(nil, col, r)
		return nil
	})
	if err != nil {
		return err
	}
	if out == nil {
		return diming.E("ogc.item", diming.NotFound, fmt.Sprintf("集合 %s 中没有要素 %s", col.ID, fid))
	}
	if wantHTML(c) {
		return h.html(c, "item", map[string]any{"collection": col, "id": fid, "json": string(out)})
	}
	c.Response().Header().Set("Content-Crs", "<"+q.CRS+">")
	return c.Blob(http.StatusOK, mtGeoJSON, out)
}

// export streams a division's features of one collection as a file:
// GeoJSON (RFC 7946), GeoJSON sequence, NDJSON, KML or CSV.
func (h *ogcAPI) export(c echo.Context) error {
	col, err := h.visible(c, c.Param("id"))
	if err != nil {
		return err
	}
	q, f, name, err := ogc.ParseExport(col, c.QueryParams())
	if err != nil {
		return err
	}
	q = scoped(c, q)
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, f.MediaType)
	w.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	_, err = ogc.Export(c.Request().Context(), h.store, q, f, w, nil)
	return err
}

func (h *ogcAPI) itemsHTML(c echo.Context, col *ogc.Collection, q ogc.Query, matched int64) error {
	type feature struct {
		ID, WKT string
		Values  []string
	}
	var fs []feature
	var last string
	n := 0
	q.FlipAxes = false
	err := h.store.Features(c.Request().Context(), q, ogc.WKT, q.Limit+1, func(r *ogc.Row) error {
		n++
		if n > q.Limit {
			return nil
		}
		f := feature{ID: string(r.Key)}
		for _, v := range r.Values {
			f.Values = append(f.Values, string(v))
		}
		wkt := string(r.Geom)
		if len(wkt) > 120 {
			wkt = wkt[:120] + "…"
		}
		f.WKT = wkt
		fs = append(fs, f)
		last = f.ID
		return nil
	})
	if err != nil {
		return err
	}
	return h.html(c, "items", map[string]any{
		"collection": col, "features": fs, "matched": matched, "links": h.pageLinks(c, col, n > q.Limit, last),
	})
}

func (h *ogcAPI) openAPI(c echo.Context) error {
	return c.JSONBlob(http.StatusOK, ogc.OpenAPI(h.base, h.reg, currentUser(c) != nil))
}

func (h *ogcAPI) html(c echo.Context, page string, data map[string]any) error {
	data["page"], data["base"] = page, h.base
	var b strings.Builder
	if err := ogcPages.Execute(&b, data); err != nil {
		return fmt.Errorf("render ogc %s: %w", page, err)
	}
	return c.HTML(http.StatusOK, b.String())
}

var ogcPages = template.Must(template.New("ogc").Funcs(template.FuncMap{
	"html": func(s string) string { return strings.Replace(s, "f=json", "f=html", 1) },
}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{if .collection}}{{.collection.Title}} · {{else if .title}}{{.title}} · {{end}}地名 OGC API</title>
<style>
body{font:15px/1.6 system-ui,"PingFang SC","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:0;color:#1d2730;background:#f6f7f8}
header{background:#24425c;color:#fff;padding:.6rem 1rem}header a{color:#fff;text-decoration:none;margin-right:1rem}
main{max-width:1100px;margin:0 auto;padding:1rem}h1{font-size:1.4rem;margin:.5rem 0}
.card{background:#fff;border:1px solid #d9dee3;border-radius:6px;padding:.7rem 1rem;margin:.6rem 0}
.muted{color:#5b6670}code{font-size:.9em;background:#eef1f4;padding:0 .25em;border-radius:3px;word-break:break-all}
.wrap{overflow-x:auto;background:#fff;border:1px solid #d9dee3;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #e6e9ec;white-space:nowrap}
th{background:#eef1f4;position:sticky;top:0}td.wkt{max-width:18rem;overflow:hidden;text-overflow:ellipsis}
nav.pager a{display:inline-block;margin:.6rem .6rem 0 0}pre{white-space:pre-wrap;word-break:break-all;background:#fff;padding:1rem;border:1px solid #d9dee3}
</style></head><body>
<header><a href="{{.base}}?f=html"><strong>地名 OGC API</strong></a><a href="{{.base}}/collections?f=html">集合</a><a href="{{.base}}/api">OpenAPI</a><a href="{{.base}}/conformance?f=html">标准</a></header>
<main>
{{if eq .page "landing"}}<h1>{{.title}}</h1><p>{{.description}}</p>
<div class="card"><p>在 QGIS 中：图层 → 添加图层 → WFS / OGC API – Features，地址填 <code>{{.base}}</code>。</p>
<p>用 GDAL：<code>ogrinfo OAPIF:{{.base}}</code>；<code>ogr2ogr out.gpkg OAPIF:{{.base}} divisions_county</code>。</p>
<p>批量导出一个区划的数据：<code>/api/v1/exports/{集合}?division=330600&amp;format=geojson|geojsonseq|ndjson|kml|csv</code>。</p></div>
<ul>{{range .links}}<li><a href="{{.Href}}">{{.Title}}</a> <span class="muted">{{.Rel}}</span></li>{{end}}</ul>
{{else if eq .page "conformance"}}<h1>符合的标准</h1><ul>{{range .conformsTo}}<li><code>{{.}}</code></li>{{end}}</ul>
{{else if eq .page "collections"}}<h1>集合</h1>
{{range .collections}}<div class="card"><a href="{{$.base}}/collections/{{.id}}?f=html"><strong>{{.title}}</strong></a> <code>{{.id}}</code><br><span class="muted">{{.description}}</span><br><a href="{{$.base}}/collections/{{.id}}/items?f=html">浏览要素</a></div>{{end}}
{{else if eq .page "collection"}}<h1>{{.title}} <code>{{.id}}</code></h1><p>{{.description}}</p>
<p><a href="{{.base}}/collections/{{.id}}/items?f=html">浏览要素</a> · <a href="{{.base}}/collections/{{.id}}/items?f=json">GeoJSON</a> · <a href="/api/v1/exports/{{.id}}?format=csv">导出 CSV</a></p>
<div class="wrap"><table><thead><tr><th>属性</th><th>名称</th><th>类型</th></tr></thead><tbody>
{{range .properties}}<tr><td><code>{{.Name}}</code></td><td>{{.Title}}</td><td>{{.Type}}</td></tr>{{end}}</tbody></table></div>
{{else if eq .page "items"}}<h1>{{.collection.Title}}</h1><p class="muted">共 {{.matched}} 个要素，本页 {{len .features}} 个。</p>
<div class="wrap"><table><thead><tr><th>id</th>{{range .collection.Props}}<th title="{{.Name}}">{{.Title}}</th>{{end}}<th>几何（WKT）</th></tr></thead><tbody>
{{range .features}}<tr><td><a href="{{$.base}}/collections/{{$.collection.ID}}/items/{{.ID}}?f=html">{{.ID}}</a></td>{{range .Values}}<td>{{.}}</td>{{end}}<td class="wkt" title="{{.WKT}}">{{.WKT}}</td></tr>{{else}}<tr><td>没有要素</td></tr>{{end}}</tbody></table></div>
<nav class="pager">{{range .links}}{{if eq .Rel "next"}}<a href="{{html .Href}}">下一页 →</a>{{end}}{{end}}{{range .links}}{{if eq .Rel "self"}}<a href="{{.Href}}">GeoJSON</a>{{end}}{{end}}</nav>
{{else if eq .page "item"}}<h1>{{.collection.Title}} · {{.id}}</h1><pre>{{.json}}</pre>
{{end}}
</main></body></html>`))
