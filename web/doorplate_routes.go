package web

import "github.com/labstack/echo/v4"

// addDoorplateRoutes adds the doorplate routes; filled in by the doorplate work.
func addDoorplateRoutes(e *echo.Echo, api *echo.Group, cfg Config, d Deps) {}
