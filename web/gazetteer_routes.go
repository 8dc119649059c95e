package web

import (
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// addGazetteerRoutes adds the gazetteer: place names, search, the naming
// workflow, rule data, and announcements (public page and feeds).
func addGazetteerRoutes(e *echo.Echo, api *echo.Group, cfg Config, d Deps) {
	g := d.Gazetteer
	if g == nil {
		return
	}
	api.GET("/places", handlePlaceSearch(g))
	api.GET("/places/autocomplete", handlePlaceAutocomplete(g))
	api.GET("/places/:id", handlePlaceGet(g))
	api.POST("/places", handlePlaceCreate(g))
	api.PATCH("/places/:id", handlePlaceUpdate(g))

	api.POST("/naming/check", handleNamingCheck(g))
	api.GET("/naming/applications", handleApplicationsList(g))
	api.POST("/naming/applications", handleApplicationCreate(g))
	api.GET("/naming/applications/:id", handleApplicationGet(g))
	api.PATCH("/naming/applications/:id", handleApplicationUpdate(g))
	api.POST("/naming/applications/:id/actions/:action", handleApplicationAct(g))
	// Reports carry their document file, so they get a larger body limit than the API's.
	e.POST("/api/v1/naming/applications/:id/reports", handleReportAttach(g), middleware.BodyLimit(strconv.Itoa(maxReportUpload/1024)+"K"), timeout(cfg.APITimeout))
	api.GET("/naming/applications/:id/reports/:report/file", handleReportFile(g))
	api.GET("/naming/overdue", handleOverdue(g))
	api.GET("/naming/words", handleWordsList(g))
	api.POST("/naming/words", handleWordSave(g))
	api.GET("/naming/scopes", handleScopesList(g))
	api.POST("/naming/scopes", handleScopeSave(g))
	api.GET("/naming/duplicates", handleDuplicates(g))
	api.POST("/naming/duplicates/standardize", handleStandardize(g))
	api.GET("/naming/readings", handleReadingsList(g))
	api.POST("/naming/readings", handleReadingSave(g))

	api.GET("/announcements", handleAnnouncementsJSON(g))
	pages := e.Group("", timeout(cfg.APITimeout), markHTML)
	pages.GET("/announcements", handleAnnouncementsPage(g))
	pages.GET("/announcements/:id", handleAnnouncementPage(g))
	e.GET("/announcements.atom", handleAnnouncementsFeed(g, cfg, "atom"), timeout(cfg.APITimeout))
	e.GET("/announcements.rss", handleAnnouncementsFeed(g, cfg, "rss"), timeout(cfg.APITimeout))
}

// markHTML marks routes that serve people, so errors render as pages.
func markHTML(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Set(htmlRouteKey, true)
		return next(c)
	}
}
