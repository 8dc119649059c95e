package doorplate

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// ScanKey is a plate and a day (YYYY-MM-DD, China Standard Time).
type ScanKey struct {
	PlateID int64
	Day     string
}

// counter aggregates scans in memory so that a scan costs no write; the
// counts are flushed in one statement. Only the plate and the day are
// kept: no address, no user agent, nothing about the scanner.
type counter struct {
	mu     sync.Mutex
	counts map[ScanKey]int64
	day    atomic.Pointer[dayName] // today's name, formatted once a day
}

type dayName struct {
	n    int64 // days since 1970-01-01 in China Standard Time
	name string
}

func newCounter() *counter { return &counter{counts: map[ScanKey]int64{}} }

var cst = time.FixedZone("CST", 8*3600)

// today returns the day in China Standard Time as YYYY-MM-DD.
func (c *counter) today(now time.Time) string {
	n := (now.Unix() + 8*3600) / 86400
	if d := c.day.Load(); d != nil && d.n == n {
		return d.name
	}
	name := now.In(cst).Format(time.DateOnly)
	c.day.Store(&dayName{n: n, name: name})
	return name
}

func (c *counter) add(plateID int64) {
	k := ScanKey{PlateID: plateID, Day: c.today(time.Now())}
	c.mu.Lock()
	c.counts[k]++
	c.mu.Unlock()
}

func (c *counter) take() map[ScanKey]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.counts) == 0 {
		return nil
	}
	out := c.counts
	c.counts = map[ScanKey]int64{}
	return out
}

// FlushScans writes the scans counted since the last flush. On failure the
// counts are put back for the next flush.
func (s *Service) FlushScans(ctx context.Context) error {
	counts := s.counter.take()
	if counts == nil {
		return nil
	}
	if err := s.store.AddScanCounts(ctx, counts); err != nil {
		s.counter.mu.Lock()
		for k, n := range counts {
			s.counter.counts[k] += n
		}
		s.counter.mu.Unlock()
		return err
	}
	return nil
}

// RunScanFlusher flushes scan counts every interval until ctx ends, then
// once more; errors go to onErr (the caller logs them).
func (s *Service) RunScanFlusher(ctx context.Context, interval time.Duration, onErr func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := s.FlushScans(context.WithoutCancel(ctx)); err != nil {
				onErr(err)
			}
			return
		case <-t.C:
			if err := s.FlushScans(ctx); err != nil {
				onErr(err)
			}
		}
	}
}
