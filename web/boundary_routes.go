package web

import "github.com/labstack/echo/v4"

// addBoundaryRoutes adds the boundary routes; filled in by the boundary work.
func addBoundaryRoutes(e *echo.Echo, api *echo.Group, cfg Config, d Deps) {}
