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
	// communities holds what scans show of each community (name,
	// contacts, grids), whatever max says: a plate missing the cache then
	// costs one small query, not a read of the community's grid polygons.
	communities map[string]communityEntry
}

type communityEntry struct {
	c   *ScanCommunity
	gen uint64
	at  time.Time
}

// communityMax bounds the community entries; a county has a few hundred
// communities, so a server's working set fits.
const communityMax = 20_000

type cacheEntry struct {
	res   ScanResult
	plate int64
	gen   uint64
	at    time.Time
	pages map[string][]byte // rendered forms, by format
}

const cacheTTL = time.Minute

func newScanCache(max int) *scanCache {
	return &scanCache{entries: make(map[string]cacheEntry), max: max, communities: make(map[string]communityEntry)}
}

func (c *scanCache) community(code string) (*ScanCommunity, bool) {
	if !c.on.Load() {
		return nil, false
	}
	c.mu.RLock()
	e, ok := c.communities[code]
	c.mu.RUnlock()
	if !ok || e.gen != c.gen.Load() || time.Since(e.at) > cacheTTL {
		return nil, false
	}
	return e.c, true
}

// putCommunity stores a community read at generation gen.
func (c *scanCache) putCommunity(code string, gen uint64, sc *ScanCommunity) {
	if !c.on.Load() || gen != c.gen.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.communities) >= communityMax {
		dropEighth(c.communities, communityMax)
	}
	c.communities[code] = communityEntry{c: sc, gen: gen, at: time.Now()}
}

// dropEighth deletes an eighth of max entries, picked by map order
// (random enough).
func dropEighth[V any](m map[string]V, max int) {
	n := max / 8
	for k := range m {
		if n--; n < 0 {
			break
		}
		delete(m, k)
	}
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
		dropEighth(c.entries, c.max)
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
	clear(c.communities)
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
