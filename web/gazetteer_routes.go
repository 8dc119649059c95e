package web

import "github.com/labstack/echo/v4"

// addGazetteerRoutes adds the gazetteer routes; filled in by the gazetteer work.
func addGazetteerRoutes(e *echo.Echo, api *echo.Group, cfg Config, d Deps) {}
