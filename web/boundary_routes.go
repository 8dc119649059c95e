package web

import "github.com/labstack/echo/v4"

// addBoundaryRoutes adds divisions, boundary lines, markers and joint
// inspections. Reads are public; writes need the admin or inspector role
// in the scope of the division or of a side of the line.
func addBoundaryRoutes(e *echo.Echo, api *echo.Group, cfg Config, d Deps) {
	svc := d.Boundaries
	if svc == nil {
		return
	}
	api.GET("/divisions", handleDivisionSearch(svc))
	api.GET("/divisions/at", handleDivisionsAt(svc))
	api.GET("/divisions/:code", handleDivisionGet(svc))
	api.GET("/divisions/:code/history", handleDivisionHistory(svc))
	api.POST("/divisions/:code/rename", handleDivisionRename(svc))
	api.POST("/divisions/:code/retire", handleDivisionRetire(svc))
	api.GET("/reports/address-geometry", handleGeometryReport(svc))

	api.GET("/boundary-lines", handleLineList(svc))
	api.POST("/boundary-lines/derive", handleLineDerive(svc))
	api.GET("/boundary-lines/overdue", handleLineOverdue(svc))
	api.GET("/boundary-lines/export", handleLineExport(svc))
	api.GET("/boundary-lines/:id", handleLineGet(svc))
	api.GET("/boundary-lines/:id/export", handleLineExport(svc))
	api.GET("/boundary-lines/:id/markers", handleMarkerList(svc))
	api.POST("/boundary-lines/:id/markers", handleMarkerCreate(svc))
	api.POST("/boundary-lines/:id/inspections", handleInspectionCreate(svc))
	api.GET("/boundary-markers/:id", handleMarkerGet(svc))
	api.PATCH("/boundary-markers/:id", handleMarkerUpdate(svc))
	api.POST("/boundary-markers/:id/moves", handleMarkerMove(svc))
	api.GET("/inspections/:id", handleInspectionGet(svc))
	api.POST("/inspections/:id/sign", handleInspectionSign(svc))
}
