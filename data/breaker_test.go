package data

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/diming/diming"
)

func TestDialBreaker(t *testing.T) {
	now := time.Unix(0, 0)
	dials, fail := 0, true
	b := newDialBreaker(func(context.Context, string, string) (net.Conn, error) {
		dials++
		if fail {
			return nil, errors.New("connection refused")
		}
		return &net.TCPConn{}, nil
	})
	b.now = func() time.Time { return now }
	ctx := t.Context()

	if _, err := b.Dial(ctx, "tcp", "db"); err == nil || dials != 1 {
		t.Fatalf("first dial = %v after %d dials, want the refusal", err, dials)
	}
	// During the back-off nothing is dialled and the error says Unavailable.
	for range 100 {
		if _, err := b.Dial(ctx, "tcp", "db"); diming.KindOf(err) != diming.Unavailable {
			t.Fatalf("dial during back-off = %v, want Unavailable", err)
		}
	}
	if dials != 1 {
		t.Fatalf("%d dials during the back-off, want none", dials-1)
	}
	// Back-offs double up to the cap.
	var got []time.Duration
	for range 8 {
		now = b.until
		_, _ = b.Dial(ctx, "tcp", "db")
		got = append(got, b.backoff)
	}
	if got[0] != 200*time.Millisecond || got[len(got)-1] != maxBackoff {
		t.Errorf("back-offs = %v, want doubling from 200ms to %v", got, maxBackoff)
	}
	// The database is back: the first dial after the back-off connects and
	// resets the breaker.
	fail, now = false, b.until
	if _, err := b.Dial(ctx, "tcp", "db"); err != nil || b.backoff != 0 {
		t.Fatalf("dial after recovery = %v (back-off %v)", err, b.backoff)
	}
	if _, err := b.Dial(ctx, "tcp", "db"); err != nil {
		t.Fatalf("second dial after recovery = %v", err)
	}
}
