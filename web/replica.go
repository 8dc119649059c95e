package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/labstack/echo/v4"
)

// WritePositions gives the primary's WAL position after a write, for
// read-your-writes when reads may go to a replica (0: no replica).
type WritePositions interface {
	WritePosition(ctx context.Context) (uint64, error)
}

// The position of a client's last write travels in a short-lived cookie
// (browsers) and a response header that API clients may send back.
const (
	readAfterCookie = "diming_read_after"
	readAfterHeader = "Diming-Read-After"
	// readAfterTTL is far longer than a healthy replica's lag; after it
	// the client reads whatever the replica has.
	readAfterTTL = 5 * time.Minute
)

// readYourWrites lets whoever just wrote read it back: a successful write
// answers with the primary's WAL position, and a request carrying it reads
// from a replica only once the replica has replayed that far (data.DB
// decides, from diming.ReadAfter). Without a replica it does nothing.
func readYourWrites(p WritePositions, cfg Config) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if p == nil {
			return next
		}
		return func(c echo.Context) error {
			r := c.Request()
			v := r.Header.Get(readAfterHeader)
			if v == "" {
				if ck, err := r.Cookie(readAfterCookie); err == nil {
					v = ck.Value
				}
			}
			if after, err := strconv.ParseUint(v, 10, 64); err == nil {
				c.SetRequest(r.WithContext(diming.WithReadAfter(r.Context(), after)))
			}
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				return next(c)
			}
			c.Response().Before(func() {
				if c.Response().Status >= 400 {
					return
				}
				lsn, err := p.WritePosition(c.Request().Context())
				if err != nil || lsn == 0 {
					return
				}
				s := strconv.FormatUint(lsn, 10)
				c.Response().Header().Set(readAfterHeader, s)
				c.SetCookie(&http.Cookie{Name: readAfterCookie, Value: s, Path: "/", HttpOnly: true,
					Secure: strings.HasPrefix(cfg.PublicURL, "https://"), SameSite: http.SameSiteLaxMode, MaxAge: int(readAfterTTL.Seconds())})
			})
			return next(c)
		}
	}
}
