package web

import (
	"log/slog"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
)

// addRoutes is the whole URL space on one screen. Each domain adds its own
// routes in its own file.
func addRoutes(e *echo.Echo, logger *slog.Logger, cfg Config, d Deps, reg *prometheus.Registry) {
	e.GET("/healthz", handleHealthz())
	e.GET("/readyz", handleReadyz(d.Health))
	e.GET("/metrics", handleMetrics(reg, d.PoolStats))

	api := e.Group("/api/v1", middleware.BodyLimit(cfg.BodyLimit), timeout(cfg.APITimeout))
	api.POST("/session", handleLogin(d.Accounts, cfg), loginRateLimit())
	api.GET("/session", handleSessionGet())
	api.DELETE("/session", handleLogout(d.Accounts))
	api.POST("/session/password", handlePasswordChange(d.Accounts, cfg))
	api.GET("/users", handleUsersList(d.Accounts))
	api.POST("/users", handleUserCreate(d.Accounts))
	api.PATCH("/users/:id", handleUserUpdate(d.Accounts))
	api.POST("/tokens", handleTokenCreate(d.Accounts))
	api.GET("/tokens", handleTokenList(d.Accounts))
	api.POST("/tokens/:id/revoke", handleTokenRevoke(d.Accounts))
	api.GET("/audit/:entity/:id", handleAuditGet(d.Accounts, phonePolicy(d), accessLogger(d)))

	addBoundaryRoutes(e, api, cfg, d)
	addGazetteerRoutes(e, api, cfg, d)
	addDoorplateRoutes(e, api, cfg, d)
	addMapRoutes(api, d)
	addTileRoutes(e, cfg, d, reg)
	addLinkRoutes(e, api, cfg, d)
	addWebMap(e, cfg, d)
	addOGCRoutes(e, cfg, d)
}
