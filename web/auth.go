package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

// AccountStore is what authentication needs from storage.
type AccountStore interface {
	Authenticate(ctx context.Context, username, password string) (*diming.User, error)
	CreateSession(ctx context.Context, userID int64, ttl time.Duration) (token, csrf string, err error)
	FindSession(ctx context.Context, token string) (*diming.User, string, error)
	RevokeSession(ctx context.Context, token string) error
	FindToken(ctx context.Context, token string) (*diming.User, error)
	UserAdmin
}

const (
	sessionCookie = "diming_session"
	csrfHeader    = "X-CSRF-Token"
	csrfFormField = "csrf_token"
	csrfKey       = "diming.csrf"
	sessionKey    = "diming.session"
)

// authenticate resolves the caller from a bearer token or a session cookie
// and puts the user into the request context. Anonymous requests pass
// through; handlers and services decide what anonymous users may see.
// Session-authenticated writes must carry the session's CSRF token.
func authenticate(store AccountStore, cfg Config) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if store == nil {
				return next(c)
			}
			r := c.Request()
			ctx := r.Context()
			var user *diming.User
			if h := r.Header.Get(echo.HeaderAuthorization); h != "" {
				tok, ok := strings.CutPrefix(h, "Bearer ")
				if !ok {
					return diming.E("web.authenticate", diming.Unauthorized, "use 'Authorization: Bearer <token>'")
				}
				u, err := store.FindToken(ctx, strings.TrimSpace(tok))
				if err != nil {
					return err
				}
				user = u
			} else if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
				u, csrf, err := store.FindSession(ctx, ck.Value)
				if err != nil && diming.KindOf(err) != diming.Unauthorized {
					return err
				}
				if err == nil {
					if unsafeMethod(r.Method) && !csrfMatches(c, csrf) {
						return diming.E("web.csrf", diming.Forbidden, "missing or wrong CSRF token; reload the page and try again")
					}
					user = u
					c.Set(csrfKey, csrf)
					c.Set(sessionKey, ck.Value)
				}
			}
			if user != nil {
				c.SetRequest(r.WithContext(diming.WithUser(ctx, user)))
			}
			return next(c)
		}
	}
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

func csrfMatches(c echo.Context, want string) bool {
	got := c.Request().Header.Get(csrfHeader)
	if got == "" && strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationForm) {
		got = c.FormValue(csrfFormField)
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// currentUser returns the authenticated user, or nil.
func currentUser(c echo.Context) *diming.User { return diming.UserFrom(c.Request().Context()) }

// requireUser returns Unauthorized for anonymous callers.
func requireUser(c echo.Context) (*diming.User, error) {
	u := currentUser(c)
	if u == nil {
		return nil, diming.E("web.auth", diming.Unauthorized, "请先登录")
	}
	return u, nil
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (r loginRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if r.Username == "" {
		p["username"] = "required"
	}
	if r.Password == "" {
		p["password"] = "required"
	}
	return p
}

type sessionResponse struct {
	User      userDTO `json:"user"`
	CSRFToken string  `json:"csrf_token"`
}

func handleLogin(store AccountStore, cfg Config) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, err := decodeValid[loginRequest](c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		u, err := store.Authenticate(ctx, req.Username, req.Password)
		if err != nil {
			return err
		}
		token, csrf, err := store.CreateSession(ctx, u.ID, cfg.SessionTTL)
		if err != nil {
			return err
		}
		c.SetCookie(&http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
			Secure: strings.HasPrefix(cfg.PublicURL, "https://"), SameSite: http.SameSiteLaxMode,
			Expires: time.Now().Add(cfg.SessionTTL)})
		return c.JSON(http.StatusOK, sessionResponse{User: toUserDTO(u), CSRFToken: csrf})
	}
}

func handleSessionGet() echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		csrf, _ := c.Get(csrfKey).(string)
		return c.JSON(http.StatusOK, sessionResponse{User: toUserDTO(u), CSRFToken: csrf})
	}
}

func handleLogout(store AccountStore) echo.HandlerFunc {
	return func(c echo.Context) error {
		if tok, ok := c.Get(sessionKey).(string); ok {
			if err := store.RevokeSession(c.Request().Context(), tok); err != nil {
				return err
			}
		}
		c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
		return c.NoContent(http.StatusNoContent)
	}
}

// loginRateLimit slows password guessing: a few attempts per second per
// client address.
func loginRateLimit() echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{Rate: rate.Limit(2), Burst: 10, ExpiresIn: 10 * time.Minute}),
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return echo.NewHTTPError(http.StatusTooManyRequests, "too many sign-in attempts; wait a minute")
		},
	})
}
