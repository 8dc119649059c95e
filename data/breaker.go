package data

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/diming/diming"
)

// dialBreaker keeps a stopped database from being hammered: after a
// failed connection attempt, new attempts fail at once for a back-off that
// doubles with every failure (100 ms up to 5 s) and resets on success. A
// request that needs a new connection then gets Unavailable (503) at once
// instead of each of them dialling, and the pool recovers on its own when
// the database is back: the first attempt after the back-off reconnects.
type dialBreaker struct {
	dial func(ctx context.Context, network, addr string) (net.Conn, error)

	mu      sync.Mutex
	until   time.Time
	backoff time.Duration
	now     func() time.Time
}

const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

func newDialBreaker(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *dialBreaker {
	return &dialBreaker{dial: dial, now: time.Now}
}

// errDatabaseDown is what a dial during the back-off returns.
var errDatabaseDown = diming.E("data.dial", diming.Unavailable, "数据库暂时无法连接，请稍后再试")

// Dial is a pgconn DialFunc.
func (b *dialBreaker) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	b.mu.Lock()
	if b.now().Before(b.until) {
		b.mu.Unlock()
		return nil, errDatabaseDown
	}
	b.mu.Unlock()
	c, err := b.dial(ctx, network, addr)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		b.backoff = min(max(2*b.backoff, minBackoff), maxBackoff)
		b.until = b.now().Add(b.backoff)
		return nil, err
	}
	b.backoff, b.until = 0, time.Time{}
	return c, nil
}
