package doorplate

import (
	"context"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// scanCache lets a scan cost no query. It holds three things:
//
//   - plate records (plate, address, street) by public id: all of them,
//     packed in a recStore, when the service preloads; else the most
//     recent CacheEntries;
//   - each community's name, contacts and grids;
//   - rendered pages of plates scanned more than once, each valid only
//     with the version of the record (its stamp) and the community
//     record it was rendered from.
//
// It is correct only while the server hears the database's change
// notifications (see migration 005): a change to plates, addresses or
// streets names the plates it touches, which are dropped; a change to
// grids, community contacts or divisions drops the communities; a
// payload it does not understand drops everything. While not listening
// the cache is off and every scan reads the database.
type scanCache struct {
	on  atomic.Bool
	gen atomic.Uint64 // bumped by every change: a read older than a change is not stored

	mu          sync.RWMutex
	packed      *recStore // preloaded records
	stamps      atomic.Uint64
	recs        map[string]recEntry // records read when scanned
	maxRecs     int                 // 0: no bound (preloaded)
	pages       map[string]pageEntry
	maxPages    int
	communities map[string]communityEntry
	// seen admits a page to the cache on its plate's second scan: under
	// scans spread over a million plates, caching every page would only
	// churn the map under its write lock.
	seed maphash.Seed
	seen [1 << 16]atomic.Uint64
	// ttl bounds how long a lazily read record or page is trusted, as a
	// backstop; preloaded records are trusted while the listener runs.
	ttl time.Duration
}

type recEntry struct {
	rec   *ScanRecord
	stamp uint64
	at    time.Time
}

type pageEntry struct {
	stamp uint64         // the version of the record it was rendered from
	comm  *ScanCommunity // nil for pages that show no community
	res   ScanResult
	pages map[string][]byte // rendered forms, by format
	at    time.Time
}

type communityEntry struct {
	c  *ScanCommunity
	at time.Time
}

// Bounds: a county has a few hundred communities, so a server's working
// set fits; pages are a few KB each.
const (
	communityMax = 20_000
	pageMax      = 20_000
	cacheTTL     = time.Minute
)

func newScanCache(maxRecs int) *scanCache {
	return &scanCache{packed: newRecStore(), recs: make(map[string]recEntry), maxRecs: maxRecs, pages: make(map[string]pageEntry), maxPages: pageMax,
		communities: make(map[string]communityEntry), ttl: cacheTTL, seed: maphash.MakeSeed()}
}

// admit reports whether pid was scanned lately (its hash is in its slot),
// and marks it scanned.
func (c *scanCache) admit(pid string) bool {
	h := maphash.String(c.seed, pid) | 1 // never zero, so an empty slot admits nothing
	slot := &c.seen[h%uint64(len(c.seen))]
	if slot.Load() == h {
		return true
	}
	slot.Store(h)
	return false
}

func (c *scanCache) enabled() bool { return c.maxRecs >= 0 && c.on.Load() }

// generation returns the generation to tag a read started now.
func (c *scanCache) generation() uint64 { return c.gen.Load() }

func (c *scanCache) fresh(at time.Time) bool { return at.IsZero() || time.Since(at) <= c.ttl }

// record returns the record of pid and its stamp, which changes with
// every version of the record held. A record whose linked records start
// or end showing by now (ScanRecord.LinksUntil) is not returned: no
// notification says so, the calendar does.
func (c *scanCache) record(pid string) (*ScanRecord, uint64, bool) {
	if !c.enabled() {
		return nil, 0, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if r, stamp, ok := c.packed.get(pid); ok {
		if !current(r) {
			return nil, 0, false
		}
		return r, stamp, true
	}
	e, ok := c.recs[pid]
	if !ok || !c.fresh(e.at) || !current(e.rec) {
		return nil, 0, false
	}
	return e.rec, e.stamp, true
}

// current reports whether what r shows of its linked records still holds.
func current(r *ScanRecord) bool { return r.LinksUntil.IsZero() || time.Now().Before(r.LinksUntil) }

// lastKnown returns the record held for pid even while the cache does not
// follow the database (its notification connection is down): what scans
// show when the database cannot be reached.
func (c *scanCache) lastKnown(pid string) (*ScanRecord, bool) {
	if c.maxRecs < 0 {
		return nil, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if r, _, ok := c.packed.get(pid); ok {
		return r, true
	}
	e, ok := c.recs[pid]
	return e.rec, ok
}

// lastCommunity is lastKnown for a community.
func (c *scanCache) lastCommunity(code string) (*ScanCommunity, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.communities[code]
	return e.c, ok
}

// stampOf returns the stamp of the record held for pid; zero for none.
// The caller holds mu.
func (c *scanCache) stampOf(pid string) uint64 {
	if sl, ok := c.packed.find(pid); ok {
		return sl.stamp
	}
	return c.recs[pid].stamp
}

// putRecord stores a record read at generation gen and returns its
// stamp; a change that arrived while it was being read keeps it out
// (stamp zero).
func (c *scanCache) putRecord(pid string, rec *ScanRecord, gen uint64) uint64 {
	if !c.enabled() {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen.Load() {
		return 0
	}
	stamp := c.stamps.Add(1)
	if _, ok := c.packed.find(pid); ok && c.packed.put(rec, stamp) {
		return stamp // a preloaded record read again (its links' dates came)
	}
	c.packed.drop(pid)
	if c.maxRecs > 0 && len(c.recs) >= c.maxRecs {
		dropEighth(c.recs, c.maxRecs)
	}
	c.recs[pid] = recEntry{rec: rec, stamp: stamp, at: time.Now()}
	return stamp
}

// preload stores records read at generation gen, unless a change arrived
// meanwhile (the caller reads the chunk again). It reports whether they
// were stored.
func (c *scanCache) preload(recs []ScanRecord, gen uint64) bool {
	if !c.enabled() {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen.Load() {
		return false
	}
	for i := range recs {
		c.packed.put(&recs[i], c.stamps.Add(1))
	}
	return true
}

// page returns the pages rendered for the record version stamp with
// community comm.
func (c *scanCache) page(pid string, stamp uint64, comm *ScanCommunity) (pageEntry, bool) {
	if !c.enabled() || stamp == 0 {
		return pageEntry{}, false
	}
	c.mu.RLock()
	e, ok := c.pages[pid]
	c.mu.RUnlock()
	if !ok || e.stamp != stamp || e.comm != comm || !c.fresh(e.at) {
		return pageEntry{}, false
	}
	return e, true
}

// putPage stores one rendered form of a result.
func (c *scanCache) putPage(pid string, e pageEntry, format string, page []byte) {
	if !c.enabled() || page == nil || e.stamp == 0 || !c.admit(pid) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stampOf(pid) != e.stamp {
		return // the record changed meanwhile
	}
	pages := map[string][]byte{format: page}
	if old, ok := c.pages[pid]; ok && old.stamp == e.stamp && old.comm == e.comm {
		for k, v := range old.pages {
			if k != format {
				pages[k] = v
			}
		}
		e.at = old.at
	}
	e.pages = pages
	if e.at.IsZero() {
		e.at = time.Now()
	}
	if len(c.pages) >= c.maxPages {
		dropEighth(c.pages, c.maxPages)
	}
	c.pages[pid] = e
}

func (c *scanCache) community(code string) (*ScanCommunity, bool) {
	if !c.on.Load() {
		return nil, false
	}
	c.mu.RLock()
	e, ok := c.communities[code]
	c.mu.RUnlock()
	if !ok || !c.fresh(e.at) {
		return nil, false
	}
	return e.c, true
}

// putCommunity stores a community read at generation gen.
func (c *scanCache) putCommunity(code string, gen uint64, sc *ScanCommunity) {
	if !c.on.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen.Load() {
		return
	}
	if len(c.communities) >= communityMax {
		dropEighth(c.communities, communityMax)
	}
	c.communities[code] = communityEntry{c: sc, at: time.Now()}
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

// changed applies one change notification's payload:
// "plates:ID,ID,..." drops those plates; "communities" drops the
// communities; anything else drops everything, which it reports.
func (c *scanCache) changed(payload string) (all bool) {
	c.gen.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch kind, ids, _ := strings.Cut(payload, ":"); kind {
	case "plates":
		for id := range strings.SplitSeq(ids, ",") {
			c.packed.drop(id)
			delete(c.recs, id)
			delete(c.pages, id)
		}
		if !c.packed.wasteful() {
			return false
		}
	case "communities":
		clear(c.communities)
		return false
	}
	// Anything else, or a store worn by dropped plates: start again.
	c.packed.reset()
	clear(c.recs)
	clear(c.pages)
	clear(c.communities)
	return true
}

func (c *scanCache) invalidate() { c.changed("") }

// dropAddress drops the plates of an address (the service's own write,
// before the database's notification arrives).
func (c *scanCache) dropAddress(code string) {
	c.gen.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.packed.dropAddress(code)
	for pid, e := range c.recs {
		if e.rec.AddressCode == code {
			delete(c.recs, pid)
			delete(c.pages, pid)
		}
	}
}

// preloadChunk is how many plates one preload query reads.
const preloadChunk = 20_000

// RunCache keeps the scan cache in step with the database: it listens for
// change notifications through the store (reconnecting after a failure,
// with the cache off meanwhile) until ctx ends; with Preload, once
// listening it reads every plate record in the background. Errors go to
// onErr.
func (s *Service) RunCache(ctx context.Context, onErr func(error)) {
	for ctx.Err() == nil {
		lctx, stop := context.WithCancel(ctx)
		err := s.store.ListenChanges(lctx, func() {
			s.cache.invalidate()
			s.cache.on.Store(true)
			s.startPreload(lctx, onErr)
		}, func(payload string) {
			if s.cache.changed(payload) {
				s.startPreload(lctx, onErr)
			}
		})
		stop()
		// Scans read the database again until the notifications are back
		// (and everything is reloaded then). What the cache holds stays as
		// the last known state, shown only when the database cannot be
		// reached: while it is down, nothing can change.
		s.cache.on.Store(false)
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

// startPreload starts a preload unless one is running, in which case that
// one starts over when it ends.
func (s *Service) startPreload(ctx context.Context, onErr func(error)) {
	if !s.cfg.Preload {
		return
	}
	s.again.Store(true)
	if !s.loading.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.loading.Store(false)
		for s.again.Swap(false) {
			if err := s.preload(ctx); err != nil {
				if ctx.Err() == nil {
					onErr(err)
				}
				return
			}
		}
	}()
}

// preload reads every plate record into the cache, a chunk at a time; a
// chunk during which a change arrived is read again (three times at most;
// the plates of a chunk left out are read when scanned).
func (s *Service) preload(ctx context.Context) error {
	after := int64(0)
	start := time.Now()
	n := 0
	for tries := 0; ; {
		gen := s.cache.generation()
		recs, err := s.store.FindScanRecords(ctx, after, preloadChunk)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			break
		}
		stored := s.cache.preload(recs, gen)
		if !stored && tries < 3 {
			tries++
			continue
		}
		if stored {
			n += len(recs)
		}
		tries = 0
		after = recs[len(recs)-1].PlateID
	}
	s.preloaded.Store(int64(n))
	s.preloadTook.Store(int64(time.Since(start)))
	return nil
}

// Preloaded reports how many plate records the last preload read and how
// long it took; zero until one has finished.
func (s *Service) Preloaded() (int, time.Duration) {
	return int(s.preloaded.Load()), time.Duration(s.preloadTook.Load())
}
