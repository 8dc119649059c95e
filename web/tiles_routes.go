package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/diming/diming"
	"github.com/diming/diming/tiles"
	"github.com/labstack/echo/v4"
)

const mimeMVT = "application/vnd.mapbox-vector-tile"

// addTileRoutes adds /tiles: one MVT per layer (or "all") and a
// TileJSON-like description of the layers. The group has the tile
// timeout (5 s by default).
func addTileRoutes(e *echo.Echo, cfg Config, d Deps) {
	if d.Tiles == nil {
		return
	}
	g := e.Group("/tiles", timeout(cfg.TileTimeout))
	g.GET("/layers.json", handleTileJSON(d.Tiles, cfg))
	g.GET("/:layer/:z/:x/:y", handleTile(d.Tiles))
}

// handleTile serves /tiles/{layer|all}/{z}/{x}/{y}.mvt: 200 with the MVT,
// 204 for an empty tile, 304 when the client's copy is current, 400 for a
// bad z/x/y and 404 for an unknown layer.
func handleTile(svc *tiles.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		ys, ok := strings.CutSuffix(c.Param("y"), ".mvt")
		if !ok {
			return diming.E("web.tile", diming.NotFound, "tile URLs end in .mvt: /tiles/{layer}/{z}/{x}/{y}.mvt")
		}
		z, errZ := strconv.Atoi(c.Param("z"))
		x, errX := strconv.Atoi(c.Param("x"))
		y, errY := strconv.Atoi(ys)
		if errZ != nil || errX != nil || errY != nil {
			return diming.E("web.tile", diming.Invalid, "z, x and y must be whole numbers: /tiles/{layer}/{z}/{x}/{y}.mvt")
		}
		b, err := svc.Tile(c.Request().Context(), c.Param("layer"), z, x, y)
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set(echo.HeaderCacheControl, svc.CacheControl())
		if len(b) == 0 {
			return c.NoContent(http.StatusNoContent)
		}
		sum := sha256.Sum256(b)
		etag := `"` + hex.EncodeToString(sum[:12]) + `"`
		h.Set("ETag", etag)
		if c.Request().Header.Get("If-None-Match") == etag {
			return c.NoContent(http.StatusNotModified)
		}
		return c.Blob(http.StatusOK, mimeMVT, b)
	}
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

// addWebMap serves the web map from the same origin as the tiles: the page
// at /, the app and vendor files under /static/ (embedded, or from
// cfg.WebDir in development).
func addWebMap(e *echo.Echo, cfg Config, d Deps) {
	site, err := newWebMap(cfg)
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
