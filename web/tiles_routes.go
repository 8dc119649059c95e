package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/diming/diming"
	"github.com/diming/diming/tiles"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

const mimeMVT = "application/vnd.mapbox-vector-tile"

// addTileRoutes adds /tiles: one MVT per layer (or "all") and a
// TileJSON-like description of the layers. The group has the tile
// timeout (5 s by default). The tile cache's counters go to /metrics.
func addTileRoutes(e *echo.Echo, cfg Config, d Deps, reg *prometheus.Registry) {
	if d.Tiles == nil {
		return
	}
	reg.MustRegister(tileCollector{d.Tiles})
	g := e.Group("/tiles", timeout(cfg.TileTimeout))
	g.GET("/layers.json", handleTileJSON(d.Tiles, cfg))
	g.GET("/:layer/:z/:x/:y", handleTile(d.Tiles))
}

// handleTile serves /tiles/{layer|all}/{z}/{x}/{y}.mvt: 200 with the MVT
// (gzipped when the client accepts it, as nearly all do), 204 for an empty
// tile, 304 when the client's copy is current (known from the cache
// without rendering), 400 for a bad z/x/y and 404 for an unknown layer.
// X-Tile-Cache says whether the cache answered (hit) or a render (miss).
func handleTile(svc *tiles.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, err := parseTileRequest(c, svc)
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set(echo.HeaderCacheControl, svc.CacheControl(req))
		h.Set(echo.HeaderVary, echo.HeaderAcceptEncoding)
		inm := c.Request().Header.Get("If-None-Match")
		if etag, ok := svc.NotModified(req, inm); ok {
			h.Set("ETag", etag)
			h.Set("X-Tile-Cache", "hit")
			return c.NoContent(http.StatusNotModified)
		}
		enc, hit, err := svc.Get(c.Request().Context(), req)
		if err != nil {
			return err
		}
		h.Set("X-Tile-Cache", map[bool]string{true: "hit", false: "miss"}[hit])
		if enc.Empty() {
			return c.NoContent(http.StatusNoContent)
		}
		h.Set("ETag", enc.ETag)
		if tiles.ETagMatch(inm, enc.ETag) {
			return c.NoContent(http.StatusNotModified)
		}
		body := enc.Gzip
		if acceptsGzip(c.Request()) {
			h.Set(echo.HeaderContentEncoding, "gzip")
		} else if body, err = enc.MVT(); err != nil {
			return diming.E("web.tile", err)
		}
		h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
		return c.Blob(http.StatusOK, mimeMVT, body)
	}
}

// parseTileRequest reads layer, z, x and y from the URL into the tile
// service's request.
func parseTileRequest(c echo.Context, svc *tiles.Service) (tiles.Request, error) {
	ys, ok := strings.CutSuffix(c.Param("y"), ".mvt")
	if !ok {
		return tiles.Request{}, diming.E("web.tile", diming.NotFound, "瓦片地址以 .mvt 结尾：/tiles/{图层}/{z}/{x}/{y}.mvt")
	}
	z, errZ := strconv.Atoi(c.Param("z"))
	x, errX := strconv.Atoi(c.Param("x"))
	y, errY := strconv.Atoi(ys)
	if errZ != nil || errX != nil || errY != nil {
		return tiles.Request{}, diming.E("web.tile", diming.Invalid, "z、x、y 必须是整数：/tiles/{图层}/{z}/{x}/{y}.mvt")
	}
	return svc.Parse(c.Param("layer"), z, x, y)
}

// tileJSON follows TileJSON 3.0.0 with vector_layers.
type tileJSON struct {
	TileJSON     string            `json:"tilejson"`
	Name         string            `json:"name"`
	Scheme       string            `json:"scheme"`
	Tiles        []string          `json:"tiles"`
	MinZoom      int               `json:"minzoom"`
	MaxZoom      int               `json:"maxzoom"`
	Bounds       [4]float64        `json:"bounds"`
	VectorLayers []vectorLayerJSON `json:"vector_layers"`
}

type vectorLayerJSON struct {
	ID          string            `json:"id"`
	Description string            `json:"description,omitempty"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
	TilesURL    string            `json:"tiles_url"`
}

// handleTileJSON describes the layers, with URLs on the request's own
// origin (or the public URL when one is configured).
func handleTileJSON(svc *tiles.Service, cfg Config) echo.HandlerFunc {
	return func(c echo.Context) error {
		base := strings.TrimSuffix(cfg.PublicURL, "/")
		if base == "" {
			base = c.Scheme() + "://" + c.Request().Host
		}
		minZ, maxZ := svc.Zooms()
		tj := tileJSON{TileJSON: "3.0.0", Name: "diming", Scheme: "xyz", MinZoom: minZ, MaxZoom: maxZ,
			Tiles:  []string{base + "/tiles/" + tiles.AllLayers + "/{z}/{x}/{y}.mvt"},
			Bounds: [4]float64{73.4, 3.8, 135.1, 53.6}, // China
		}
		for _, l := range svc.Layers() {
			vl := vectorLayerJSON{ID: l.Name, Description: l.Description, MinZoom: l.MinZoom, MaxZoom: l.MaxZoom,
				Fields: map[string]string{}, TilesURL: base + "/tiles/" + l.Name + "/{z}/{x}/{y}.mvt"}
			for _, a := range l.Attributes {
				vl.Fields[a.Column] = a.Type
			}
			tj.VectorLayers = append(tj.VectorLayers, vl)
		}
		c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
		return c.JSON(http.StatusOK, tj)
	}
}

var (
	tileRequests = prometheus.NewDesc("diming_tiles_requests_total",
		"Tile requests by result: hit (from the cache), miss (rendered) or not_modified (304 from the cache).", []string{"result"}, nil)
	tileRender = prometheus.NewDesc("diming_tiles_render_seconds", "Time to render one tile in the database.", nil, nil)
	tileDrops  = prometheus.NewDesc("diming_tiles_invalidated_total", "Cached tiles dropped because the data under them changed.", nil, nil)
	tileChange = prometheus.NewDesc("diming_tiles_changes_total", "Changes heard from the database (boxes of edited geometry).", nil, nil)
	tileCached = prometheus.NewDesc("diming_tiles_cached_bytes", "Gzipped tiles held by tier (memory or disk).", []string{"tier"}, nil)
	tileCount  = prometheus.NewDesc("diming_tiles_cached_tiles", "Tiles held by tier (memory or disk).", []string{"tier"}, nil)
	tileOn     = prometheus.NewDesc("diming_tiles_cache_listening", "1 while the cache hears changes and is used, 0 while tiles render uncached.", nil, nil)
)

// tileCollector exports the tile service's counters.
type tileCollector struct{ svc *tiles.Service }

func (t tileCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{tileRequests, tileRender, tileDrops, tileChange, tileCached, tileCount, tileOn} {
		ch <- d
	}
}

func (t tileCollector) Collect(ch chan<- prometheus.Metric) {
	s := t.svc.Stats()
	ch <- prometheus.MustNewConstMetric(tileRequests, prometheus.CounterValue, float64(s.Hits), "hit")
	ch <- prometheus.MustNewConstMetric(tileRequests, prometheus.CounterValue, float64(s.Misses), "miss")
	ch <- prometheus.MustNewConstMetric(tileRequests, prometheus.CounterValue, float64(s.NotModified), "not_modified")
	buckets := map[float64]uint64{}
	for i, b := range tiles.RenderBuckets() {
		buckets[b] = s.RenderCounts[i]
	}
	ch <- prometheus.MustNewConstHistogram(tileRender, s.Renders, s.RenderSeconds, buckets)
	ch <- prometheus.MustNewConstMetric(tileDrops, prometheus.CounterValue, float64(s.Dropped))
	ch <- prometheus.MustNewConstMetric(tileChange, prometheus.CounterValue, float64(s.Invalidations))
	ch <- prometheus.MustNewConstMetric(tileCached, prometheus.GaugeValue, float64(s.MemoryBytes), "memory")
	ch <- prometheus.MustNewConstMetric(tileCached, prometheus.GaugeValue, float64(s.DiskBytes), "disk")
	ch <- prometheus.MustNewConstMetric(tileCount, prometheus.GaugeValue, float64(s.MemoryEntries), "memory")
	ch <- prometheus.MustNewConstMetric(tileCount, prometheus.GaugeValue, float64(s.DiskEntries), "disk")
	on := 0.0
	if s.Listening {
		on = 1
	}
	ch <- prometheus.MustNewConstMetric(tileOn, prometheus.GaugeValue, on)
}

// addWebMap serves the web map from the same origin as the tiles: the page
// at /, the app and vendor files under /static/ (embedded, or from
// cfg.WebDir in development).
func addWebMap(e *echo.Echo, cfg Config, d Deps) {
	site, err := newWebMap(cfg, d.Extent)
	if err == nil {
		var p *pages
		if p, err = newPages(site.assets); err == nil {
			e.GET("/", site.handleIndex)
			e.GET("/static/*", site.assets.handle)
			e.GET("/assets/*", site.assets.handle)
			addWorkRoutes(e, p, cfg, d)
			return
		}
	}
	// The front end is built into the binary, so this is a build fault.
	e.GET("/*", func(echo.Context) error { return diming.E("web.addWebMap", err) })
}
