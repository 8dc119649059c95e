package web

import "github.com/labstack/echo/v4"

// addTileRoutes adds /tiles; filled in by the tiles work.
func addTileRoutes(e *echo.Echo, cfg Config, d Deps) {}

// addWebMap serves the embedded web map; filled in by the web-map work.
func addWebMap(e *echo.Echo, cfg Config) {}
