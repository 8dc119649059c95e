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
	res   ScanResult
	plate int64
	gen   uint64
	at    time.Time
	pages map[string][]byte // rendered forms, by format
}

const cacheTTL = time.Minute

func newScanCache(max int) *scanCache {
	return &scanCache{entries: make(map[string]cacheEntry), max: max}
}

// generation returns the generation to tag a record read from now on.
func (c *scanCache) generation() uint64 { return c.gen.Load() }

func (c *scanCache) get(pid string) (cacheEntry, bool) {
	if c.max <= 0 || !c.on.Load() {
		return cacheEntry{}, false
	}
	c.mu.RLock()
	e, ok := c.entries[pid]
	c.mu.RUnlock()
	if !ok || e.gen != c.gen.Load() || time.Since(e.at) > cacheTTL {
		return cacheEntry{}, false
	}
	return e, true
}

// put stores a result read at generation gen (with one rendered page); a
// change that arrived while it was being read makes it stale at once.
func (c *scanCache) put(pid string, e cacheEntry, format string, page []byte) {
	if c.max <= 0 || !c.on.Load() || e.gen != c.gen.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[pid]; ok && old.gen == e.gen {
		e.pages = old.pages
	}
	if page != nil {
		pages := make(map[string][]byte, len(e.pages)+1)
		for k, v := range e.pages {
			pages[k] = v
		}
		pages[format] = page
		e.pages = pages
	}
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
	if e.at.IsZero() {
		e.at = time.Now()
	}
	c.entries[pid] = e
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
