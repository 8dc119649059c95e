package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

// AccountStore is what authentication needs from storage.
type AccountStore interface {
	Login(ctx context.Context, a diming.LoginAttempt, p diming.LoginPolicy) (*diming.User, error)
	ChangePassword(ctx context.Context, current diming.LoginAttempt, newPassword, keepToken string, p diming.LoginPolicy) error
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
					return diming.E("web.authenticate", diming.Unauthorized, "请使用 'Authorization: Bearer <令牌>' 请求头")
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
						return diming.E("web.csrf", diming.Forbidden, "缺少或错误的 CSRF 令牌，请刷新页面后重试")
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

// maxPasswordLen bounds what bcrypt is asked to hash (it reads 72 bytes).
const maxPasswordLen = 1024

func (r loginRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	switch {
	case r.Username == "":
		p["username"] = "请填写用户名"
	case len(r.Username) > 64:
		p["username"] = "用户名不超过 64 个字符"
	}
	switch {
	case r.Password == "":
		p["password"] = "请填写密码"
	case len(r.Password) > maxPasswordLen:
		p["password"] = "密码过长"
	}
	return p
}

type sessionResponse struct {
	User      userDTO `json:"user"`
	CSRFToken string  `json:"csrf_token"`
}

// attempt is a password check from this request's client address, as
// the trusted-proxy rule (echo's IPExtractor) determines it.
func attempt(c echo.Context, username, password string) diming.LoginAttempt {
	return diming.LoginAttempt{Username: username, Password: password, Addr: c.RealIP()}
}

// withRetryAfter sets Retry-After when err is a lock-out.
func withRetryAfter(c echo.Context, err error) error {
	var l *diming.Locked
	if errors.As(err, &l) {
		secs := int(time.Until(l.Until).Seconds()) + 1
		c.Response().Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	}
	return err
}

func handleLogin(store AccountStore, cfg Config) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, err := decodeValid[loginRequest](c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		u, err := store.Login(ctx, attempt(c, req.Username, req.Password), cfg.LoginPolicy)
		if err != nil {
			return withRetryAfter(c, err)
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

type passwordChangeRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (r passwordChangeRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if r.CurrentPassword == "" || len(r.CurrentPassword) > maxPasswordLen {
		p["current_password"] = "请填写当前密码"
	}
	if len(r.NewPassword) < diming.MinPasswordLen || len(r.NewPassword) > maxPasswordLen {
		p["new_password"] = "新密码至少 10 个字符"
	}
	return p
}

// handlePasswordChange is a user's own change of password
// (POST /session/password). The current password is checked under the
// login policy; the user's other sessions end, this one stays.
func handlePasswordChange(store AccountStore, cfg Config) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		req, err := decodeValid[passwordChangeRequest](c)
		if err != nil {
			return err
		}
		keep, _ := c.Get(sessionKey).(string)
		err = store.ChangePassword(c.Request().Context(), attempt(c, u.Username, req.CurrentPassword), req.NewPassword, keep, cfg.LoginPolicy)
		if err != nil {
			return withRetryAfter(c, err)
		}
		return c.NoContent(http.StatusNoContent)
	}
}

// loginRateLimit is a first, per-instance brake on password guessing by
// client address (as the trusted-proxy rule determines it); the lock-out
// that holds across instances is the login policy in the database.
func loginRateLimit() echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{Rate: rate.Limit(2), Burst: 10, ExpiresIn: 10 * time.Minute}),
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", "5")
			return diming.E("web.loginRateLimit", diming.TooMany, "登录尝试过于频繁，请稍候再试")
		},
	})
}

// ipExtractor is where the client address comes from: the direct peer,
// unless the peer is one of the configured trusted proxies, whose
// X-Forwarded-For is then believed back to the first untrusted hop.
// Without trusted proxies, forwarding headers are ignored, so a client
// cannot pick its own address.
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// ParseTrustedProxies reads a comma-separated list of CIDRs (a bare
// address counts as one host). It returns Invalid naming the bad entry.
func ParseTrustedProxies(s string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			if ip := net.ParseIP(f); ip != nil && ip.To4() != nil {
				f += "/32"
			} else {
				f += "/128"
			}
		}
		_, n, err := net.ParseCIDR(f)
		if err != nil {
			return nil, diming.E("web.ParseTrustedProxies", diming.Invalid,
				map[string]string{"trusted-proxies": "无法识别的网段 " + strconv.Quote(f) + "，请写成 10.0.0.0/8 这样的 CIDR"})
		}
		out = append(out, n)
	}
	return out, nil
}
