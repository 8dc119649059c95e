package tiles

import (
	"container/list"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// key names one cached tile: a layer (or AllLayers) at z/x/y.
type key struct {
	layer string
	t     maptile.Tile
}

// Encoded is a tile as the service answers it: the MVT gzipped, with its
// ETag. An empty tile (no feature) has no bytes and no ETag.
type Encoded struct {
	// Gzip is the MVT compressed with gzip; nil for an empty tile.
	Gzip []byte
	// ETag is the tile's entity tag (a hash of the uncompressed MVT,
	// quoted as HTTP writes it); empty for an empty tile.
	ETag string
	// Size is the length of the uncompressed MVT.
	Size int
}

// Empty reports whether no feature falls in the tile.
func (e Encoded) Empty() bool { return len(e.Gzip) == 0 }

// entryOverhead is what an entry costs beside its bytes (map slot, list
// element, key and ETag), so that empty tiles also count towards the bound.
const entryOverhead = 160

// change is one applied invalidation: the cache's generation after it and
// the area it touched (nil: everything).
type change struct {
	gen   uint64
	bound *orb.Bound
}

// recentChanges is how many invalidations the cache remembers, to refuse a
// render that started before one of them and touches its area.
const recentChanges = 4096

// cache holds encoded tiles bounded by bytes in memory, least recently
// used first out, with an optional disk tier that takes what memory
// evicts. Every invalidation advances its generation.
type cache struct {
	mu      sync.Mutex
	mem     lru
	disk    lru
	dir     string // "" without a disk tier
	gen     uint64
	changes []change // the last recentChanges, oldest first
}

type lru struct {
	max, size int64
	ll        list.List
	m         map[key]*list.Element
}

type item struct {
	k    key
	e    Encoded
	cost int64
}

func (l *lru) init(max int64) {
	l.max, l.m = max, map[key]*list.Element{}
	l.ll.Init()
}

func memCost(e Encoded) int64 { return int64(len(e.Gzip)) + entryOverhead }

func (l *lru) get(k key) (Encoded, bool) {
	el, ok := l.m[k]
	if !ok {
		return Encoded{}, false
	}
	l.ll.MoveToFront(el)
	return el.Value.(*item).e, true
}

// put stores e under k at the given cost and returns what it evicted to
// stay within max.
func (l *lru) put(k key, e Encoded, cost int64) []item {
	if el, ok := l.m[k]; ok {
		l.removeElement(el)
	}
	if cost > l.max {
		return nil
	}
	l.m[k] = l.ll.PushFront(&item{k, e, cost})
	l.size += cost
	var out []item
	for l.size > l.max {
		back := l.ll.Back()
		out = append(out, *back.Value.(*item))
		l.removeElement(back)
	}
	return out
}

func (l *lru) removeElement(el *list.Element) {
	it := el.Value.(*item)
	l.ll.Remove(el)
	delete(l.m, it.k)
	l.size -= it.cost
}

// drop removes every entry whose tile (with its buffer) touches b, or all
// entries when b is nil, and returns them.
func (l *lru) drop(b *orb.Bound) []item {
	var out []item
	for el := l.ll.Front(); el != nil; {
		next := el.Next()
		if it := el.Value.(*item); b == nil || touches(it.k.t, *b) {
			out = append(out, *it)
			l.removeElement(el)
		}
		el = next
	}
	return out
}

// touches reports whether a change in area b can alter tile t: whether b
// meets the tile's bound widened by the MVT buffer (64/4096 of the tile,
// doubled because the buffer is in Mercator units and the bound in
// degrees).
func touches(t maptile.Tile, b orb.Bound) bool {
	tb := t.Bound()
	dx, dy := (tb.Max[0]-tb.Min[0])/32, (tb.Max[1]-tb.Min[1])/32
	tb.Min[0], tb.Min[1] = tb.Min[0]-dx, tb.Min[1]-dy
	tb.Max[0], tb.Max[1] = tb.Max[0]+dx, tb.Max[1]+dy
	return tb.Intersects(b)
}

func newCache(memBytes, diskBytes int64, dir string) (*cache, error) {
	c := &cache{dir: dir}
	c.mem.init(memBytes)
	c.disk.init(diskBytes)
	if dir != "" {
		// The disk tier belongs to this process: what it held before may
		// have changed while nobody listened.
		d, err := os.MkdirTemp(dir, "tiles-")
		if err != nil {
			return nil, fmt.Errorf("tile cache folder: %w", err)
		}
		c.dir = d
	}
	return c, nil
}

// get returns the tile from memory, or from disk (moving it back to
// memory). The file is read without the lock; a change meanwhile makes it
// a miss.
func (c *cache) get(k key) (Encoded, bool) {
	c.mu.Lock()
	if e, ok := c.mem.get(k); ok || c.dir == "" {
		c.mu.Unlock()
		return e, ok
	}
	_, onDisk := c.disk.m[k]
	since := c.gen
	c.mu.Unlock()
	if !onDisk {
		return Encoded{}, false
	}
	b, err := os.ReadFile(c.path(k))
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.disk.m[k]
	if err != nil || !ok || c.staleSince(k.t, since) {
		return Encoded{}, false
	}
	e := el.Value.(*item).e
	c.disk.removeElement(el)
	_ = os.Remove(c.path(k))
	e.Gzip = b
	c.putMem(k, e)
	return e, true
}

// etag returns the ETag of a cached tile without reading its bytes.
func (c *cache) etag(k key) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.mem.m[k]; ok {
		return el.Value.(*item).e.ETag, true
	}
	if el, ok := c.disk.m[k]; ok {
		return el.Value.(*item).e.ETag, true
	}
	return "", false
}

// generation returns the current generation, to pass to put after a
// render.
func (c *cache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put stores a tile rendered while the cache was at generation since,
// unless an invalidation since then touched it (its data may predate the
// change). It reports whether the tile was stored.
func (c *cache) put(k key, e Encoded, since uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.staleSince(k.t, since) {
		return false
	}
	c.putMem(k, e)
	return true
}

func (c *cache) staleSince(t maptile.Tile, since uint64) bool {
	if since == c.gen {
		return false
	}
	if len(c.changes) == 0 || c.changes[0].gen > since+1 {
		return true // forgotten: assume the worst
	}
	for _, ch := range c.changes {
		if ch.gen > since && (ch.bound == nil || touches(t, *ch.bound)) {
			return true
		}
	}
	return false
}

// putMem stores in memory; what memory evicts goes to disk when there is
// a disk tier. Called with mu held.
func (c *cache) putMem(k key, e Encoded) {
	for _, it := range c.mem.put(k, e, memCost(e)) {
		if c.dir == "" || it.e.Empty() {
			continue
		}
		if err := writeFileAtomic(c.path(it.k), it.e.Gzip); err != nil {
			continue // the disk tier is best effort: the tile renders again
		}
		// The disk index keeps the ETag in memory and the bytes on disk.
		idx := Encoded{ETag: it.e.ETag, Size: it.e.Size}
		for _, old := range c.disk.put(it.k, idx, int64(len(it.e.Gzip))) {
			_ = os.Remove(c.path(old.k))
		}
	}
}

// invalidate drops every tile whose extent b touches (all tiles when b is
// nil) and advances the generation. It returns how many tiles it dropped.
func (c *cache) invalidate(b *orb.Bound) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.changes = append(c.changes, change{c.gen, b})
	if len(c.changes) > recentChanges {
		c.changes = append(c.changes[:0], c.changes[len(c.changes)-recentChanges:]...)
	}
	n := len(c.mem.drop(b))
	for _, it := range c.disk.drop(b) {
		_ = os.Remove(c.path(it.k))
		n++
	}
	return n
}

// usage returns the entries and bytes held in memory and on disk.
func (c *cache) usage() (memEntries int, memBytes int64, diskEntries int, diskBytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.mem.m), c.mem.size, len(c.disk.m), c.disk.size
}

// close removes the disk tier.
func (c *cache) close() error {
	if c.dir == "" {
		return nil
	}
	return os.RemoveAll(c.dir)
}

func (c *cache) path(k key) string {
	return filepath.Join(c.dir, k.layer, fmt.Sprint(k.t.Z), fmt.Sprint(k.t.X), fmt.Sprintf("%d.mvt.gz", k.t.Y))
}

func writeFileAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
