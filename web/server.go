package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/ogc"
	"github.com/diming/diming/tiles"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/paulmach/orb"
	"github.com/prometheus/client_golang/prometheus"
)

// Config is what the web layer needs to know about its deployment.
type Config struct {
	// PublicURL is the site's external base URL (e.g. https://dm.example.gov.cn);
	// QR codes and links are built on it. Cookies are Secure when it is https.
	PublicURL string
	// BodyLimit caps JSON request bodies (echo size syntax, e.g. "1M").
	BodyLimit string
	// APITimeout and TileTimeout bound request contexts per group.
	APITimeout, TileTimeout time.Duration
	// SessionTTL is how long a browser session lasts.
	SessionTTL time.Duration
	// WebDir, when set, serves the web map from disk (development).
	WebDir string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed; empty means the direct peer is the client.
	TrustedProxies []*net.IPNet
	// LoginPolicy throttles sign-in failures per account and address.
	LoginPolicy diming.LoginPolicy
	// MapReviewNumber is the 审图号 shown on the public web map
	// (DOMAIN.md §4 rule 24); operators set it once the map is approved.
	MapReviewNumber string
	// BaseLayer is an optional raster base map under our own layers.
	BaseLayer BaseLayer
}

// BaseLayer is a raster base map the operator configures, off by default:
// an XYZ or WMTS (KVP) URL template with {z}, {x} and {y}, its key already
// filled in (for example Tianditu's vec_w with tk=KEY), and the
// attribution its licence requires.
type BaseLayer struct {
	Tiles       string
	Attribution string
}

func (c *Config) defaults() {
	if c.BodyLimit == "" {
		c.BodyLimit = "1M"
	}
	if c.APITimeout == 0 {
		c.APITimeout = 10 * time.Second
	}
	if c.TileTimeout == 0 {
		c.TileTimeout = 5 * time.Second
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.LoginPolicy == (diming.LoginPolicy{}) {
		c.LoginPolicy = diming.DefaultLoginPolicy()
	}
}

// Deps are the services the handlers call. Nil services leave their routes
// out, so tests can build a server with only what they exercise.
type Deps struct {
	Accounts   AccountStore
	Health     HealthChecker
	PoolStats  func() PoolStats
	Gazetteer  *gazetteer.Service
	Boundaries *boundaries.Service
	Doorplate  *doorplate.Service
	Tiles      *tiles.Service
	// Extent gives the bounding box of the divisions with polygons: the
	// map opens on it (a county's deployment on its county, a national
	// one on the country). Optional.
	Extent  func(context.Context) (orb.Bound, error)
	Sharing SharingStore // departments' linked records and the change feed
	// Positions, when reads may go to a replica, gives read-your-writes.
	Positions WritePositions
	Features  ogc.Store
}

// NewServer builds the HTTP handler: error handler, middleware and routes.
func NewServer(logger *slog.Logger, cfg Config, d Deps) http.Handler {
	cfg.defaults()
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = httpErrorHandler(logger)
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.JSONSerializer = gradedJSON{logger: logger, policy: phonePolicy(d), log: accessLogger(d)}
	reg := prometheus.NewRegistry()
	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(requestLogger(logger))
	e.Use(metricsMiddleware(reg))
	e.Use(securityHeaders)
	e.Use(withRequestContext)
	e.Use(checkParams)
	e.Use(authenticate(d.Accounts, cfg))
	e.Use(readYourWrites(d.Positions, cfg))
	addRoutes(e, logger, cfg, d, reg)
	return e
}

func requestLogger(logger *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		HandleError: true, LogStatus: true, LogLatency: true, LogRoutePath: true, LogRequestID: true, LogMethod: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			logger.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("request_id", v.RequestID), slog.String("method", v.Method), slog.String("route", v.RoutePath),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency))
			return nil
		},
	})
}

// withRequestContext puts the request ID into the request context so that
// audit rows written deep in the data layer can carry it.
func withRequestContext(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Response().Header().Get(echo.HeaderXRequestID)
		r := c.Request()
		c.SetRequest(r.WithContext(diming.WithRequestID(r.Context(), id)))
		return next(c)
	}
}

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}

// timeout bounds the request context of a group (never echo's Timeout
// middleware, which races the handler's writes).
func timeout(d time.Duration) echo.MiddlewareFunc {
	return middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: d,
		ErrorHandler: func(err error, c echo.Context) error {
			if err != nil && (err == context.DeadlineExceeded || diming.KindOf(err) == diming.Unavailable) {
				return diming.E("web.timeout", diming.Unavailable, "请求处理超时，请稍后重试或缩小查询范围", err)
			}
			return err
		}})
}
