package doorplate

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// scanCache keeps recently scanned records so that a busy plate costs no
// query. It is correct only while the server hears the database's change
// notifications: every change to plates, addresses, streets, grids or
// community contacts (from any server) bumps the generation, which drops
// every entry. While not listening the cache is off. Entries also expire
// after cacheTTL as a backstop.
type scanCache struct {
	on      atomic.Bool
	gen     atomic.Uint64
	mu      sync.RWMutex
	entries map[string]cacheEntry
	max     int
}

type cacheEntry struct {
	rec ScanRecord
	gen uint64
	at  time.Time
}

const cacheTTL = time.Minute

func newScanCache(max int) *scanCache {
	return &scanCache{entries: make(map[string]cacheEntry), max: max}
}

// generation returns the generation to tag a record read from now on.
func (c *scanCache) generation() uint64 { return c.gen.Load() }

func (c *scanCache) get(pid string) (ScanRecord, bool) {
	if c.max <= 0 || !c.on.Load() {
		return ScanRecord{}, false
	}
	c.mu.RLock()
	e, ok := c.entries[pid]
	c.mu.RUnlock()
	if !ok || e.gen != c.gen.Load() || time.Since(e.at) > cacheTTL {
		return ScanRecord{}, false
	}
	return e.rec, true
}

// put stores a record read at generation gen; a change that arrived while
// it was being read makes it stale at once.
func (c *scanCache) put(pid string, rec ScanRecord, gen uint64) {
	if c.max <= 0 || !c.on.Load() || gen != c.gen.Load() {
		return
	}
	c.mu.Lock()
	if len(c.entries) >= c.max {
		// Drop an eighth, picked by map order (random enough).
		n := c.max / 8
		for k := range c.entries {
			if n--; n < 0 {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[pid] = cacheEntry{rec: rec, gen: gen, at: time.Now()}
	c.mu.Unlock()
}

func (c *scanCache) invalidate() {
	c.gen.Add(1)
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}

// RunCache keeps the scan cache in step with the database: it listens for
// change notifications through the store (reconnecting after a failure,
// with the cache off meanwhile) until ctx ends. Errors go to onErr.
func (s *Service) RunCache(ctx context.Context, onErr func(error)) {
	for ctx.Err() == nil {
		err := s.store.ListenChanges(ctx, func() {
			s.cache.invalidate()
			s.cache.on.Store(true)
		}, s.cache.invalidate)
		s.cache.on.Store(false)
		s.cache.invalidate()
		if ctx.Err() != nil {
			return
		}
		onErr(err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// Invalidate drops every cached scan record; the service calls it after
// its own writes so they show on the next scan even before the database's
// notification arrives.
func (s *Service) Invalidate() { s.cache.invalidate() }
