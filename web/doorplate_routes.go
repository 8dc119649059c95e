package web

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// addDoorplateRoutes adds the public scan page, the print sheets and the
// doorplate API (addresses, plates, grids, community contacts).
func addDoorplateRoutes(e *echo.Echo, api *echo.Group, cfg Config, d Deps) {
	s := d.Doorplate
	if s == nil {
		return
	}
	e.GET("/d/:code", handleScan(s), doorplateHTML, timeout(cfg.APITimeout))
	e.GET("/doorplate/sheet", handlePrintSheet(s), doorplateHTML, timeout(cfg.APITimeout))

	api.POST("/streets", handleStreetCreate(s))
	api.POST("/addresses", handleAddressCreate(s))
	api.GET("/addresses/:id", handleAddressGet(s))
	api.POST("/addresses/:id/lifecycle", handleAddressLifecycle(s))
	api.POST("/plates", handlePlateIssue(s))
	api.POST("/plates/batch", handlePlateBatch(s))
	api.GET("/plates/:pid", handlePlateGet(s))
	api.POST("/plates/:pid/revoke", handlePlateRevoke(s))
	api.POST("/plates/:pid/replace", handlePlateReplace(s))
	api.GET("/plates/:pid/qr.png", handlePlateQR(s, "png"))
	api.GET("/plates/:pid/qr.svg", handlePlateQR(s, "svg"))
	api.GET("/plates/:pid/scans", handlePlateScans(s))
	api.POST("/grids", handleGridCreate(s))
	api.PATCH("/grids/:id", handleGridUpdate(s))
	api.GET("/communities/:code/grids", handleGridList(s))
	api.GET("/communities/:code/contacts", handleCommunityGet(s))
	api.PUT("/communities/:code/contacts", handleCommunityPut(s), middleware.BodyLimit(cfg.BodyLimit))
}

// doorplateHTML marks a route as serving people, so errors render as pages.
func doorplateHTML(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Set(htmlRouteKey, true)
		return next(c)
	}
}
