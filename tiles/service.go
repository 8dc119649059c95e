package tiles

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/diming/diming"
	"github.com/paulmach/orb/maptile"
	"golang.org/x/sync/singleflight"
)

// AllLayers is the layer name that asks for every layer in one tile.
const AllLayers = "all"

// Source renders the layers of one tile as MVT bytes, one MVT layer per
// entry, concatenated; empty when no feature falls in the tile. The data
// package implements it with PostGIS.
type Source interface {
	RenderTile(ctx context.Context, t maptile.Tile, layers []Layer) ([]byte, error)
}

// Options are the service's limits and cache policy.
type Options struct {
	// MinZoom and MaxZoom are the zooms the service answers at all; a
	// request outside them is Invalid. Defaults 0 and 22.
	MinZoom, MaxZoom int
	// MaxAge is how long browsers and proxies may reuse a tile (default
	// one minute: edits show soon), and StaleWhileRevalidate how long a
	// stale tile may still be shown while it is fetched again (default
	// one hour).
	MaxAge, StaleWhileRevalidate time.Duration
	// CacheBytes bounds the gzipped tiles held in memory (default 256
	// MiB); DiskDir, when set, adds a disk tier there for what memory
	// evicts, bounded by DiskBytes (default 4 GiB).
	CacheBytes, DiskBytes int64
	DiskDir               string
	// MaxRenders is how many tiles render at once (default 4): tiles get
	// this share of the database pool and no more, so they cannot starve
	// scans, search or writes. RenderTimeout bounds one render (default
	// 10 s).
	MaxRenders    int
	RenderTimeout time.Duration
}

func (o *Options) defaults() error {
	if o.MaxZoom == 0 {
		o.MaxZoom = 22
	}
	if o.MaxAge == 0 {
		o.MaxAge = time.Minute
	}
	if o.StaleWhileRevalidate == 0 {
		o.StaleWhileRevalidate = time.Hour
	}
	if o.CacheBytes == 0 {
		o.CacheBytes = 256 << 20
	}
	if o.DiskBytes == 0 {
		o.DiskBytes = 4 << 30
	}
	if o.MaxRenders == 0 {
		o.MaxRenders = 4
	}
	if o.RenderTimeout == 0 {
		o.RenderTimeout = 10 * time.Second
	}
	if o.MinZoom < 0 || o.MaxZoom > 30 || o.MinZoom > o.MaxZoom {
		return fmt.Errorf("tiles: zoom limits %d..%d must lie in 0..30", o.MinZoom, o.MaxZoom)
	}
	if o.MaxRenders < 0 || o.CacheBytes < 0 || o.DiskBytes < 0 {
		return fmt.Errorf("tiles: MaxRenders, CacheBytes and DiskBytes must not be negative")
	}
	return nil
}

// Service serves vector tiles of the registered layers.
type Service struct {
	src    Source
	opt    Options
	layers []Layer
	byName map[string]int

	cache  *cache
	on     atomic.Bool // the cache is used only while changes are heard
	flight singleflight.Group
	slots  chan struct{} // one per render in progress
	stats  stats
}

// NewService builds the service over src with the given registry. It
// returns an error when the registry is inconsistent (a programming
// mistake, so callers stop start-up) or the disk tier cannot be made.
// The cache is off until RunInvalidation listens for changes.
func NewService(src Source, opt Options, layers ...Layer) (*Service, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	s := &Service{src: src, opt: opt, byName: map[string]int{}, slots: make(chan struct{}, opt.MaxRenders)}
	for _, l := range layers {
		if err := l.validate(opt.MaxZoom); err != nil {
			return nil, fmt.Errorf("tiles: %w", err)
		}
		if _, dup := s.byName[l.Name]; dup {
			return nil, fmt.Errorf("tiles: layer %s registered twice", l.Name)
		}
		s.byName[l.Name] = len(s.layers)
		s.layers = append(s.layers, l)
	}
	c, err := newCache(opt.CacheBytes, opt.DiskBytes, opt.DiskDir)
	if err != nil {
		return nil, err
	}
	s.cache = c
	return s, nil
}

// Close removes the disk tier.
func (s *Service) Close() error { return s.cache.close() }

// Layers returns the registry in its order (the order layers appear in an
// "all" tile).
func (s *Service) Layers() []Layer { return append([]Layer(nil), s.layers...) }

// Zooms returns the service's zoom limits.
func (s *Service) Zooms() (minZoom, maxZoom int) { return s.opt.MinZoom, s.opt.MaxZoom }

// Request is a parsed tile request: the tile, and the layers visible in it.
type Request struct {
	key     key
	visible []Layer
	staff   bool
}

// Tile returns the requested tile's coordinates.
func (r Request) Tile() maptile.Tile { return r.key.t }

// Parse checks a request for tile z/x/y of the named layer (or of every
// layer when name is AllLayers). It returns NotFound for an unknown layer
// and Invalid for a tile that does not exist or lies outside the zoom
// limits.
func (s *Service) Parse(name string, z, x, y int) (Request, error) {
	const op = "tiles.Parse"
	layers, err := s.pick(name)
	if err != nil {
		return Request{}, diming.E(op, err)
	}
	t, err := s.tile(z, x, y)
	if err != nil {
		return Request{}, diming.E(op, err)
	}
	r := Request{key: key{name, t}}
	for _, l := range layers {
		r.staff = r.staff || l.Staff
		if l.Visible(z) {
			r.visible = append(r.visible, l)
		}
	}
	return r, nil
}

// CacheControl is the Cache-Control value for the request's tiles:
// private when it holds a staff layer, public otherwise.
func (s *Service) CacheControl(r Request) string {
	scope := "public"
	if r.staff {
		scope = "private"
	}
	return scope + ", max-age=" + strconv.Itoa(int(s.opt.MaxAge.Seconds())) +
		", stale-while-revalidate=" + strconv.Itoa(int(s.opt.StaleWhileRevalidate.Seconds()))
}

// NotModified reports whether the client's copy, named by an
// If-None-Match value, is the cached tile's current version, and returns
// its ETag. It never renders: a tile not in the cache is not known to be
// current.
func (s *Service) NotModified(r Request, ifNoneMatch string) (string, bool) {
	if ifNoneMatch == "" || !s.on.Load() {
		return "", false
	}
	etag, ok := s.cache.etag(r.key)
	if !ok || etag == "" || !ETagMatch(ifNoneMatch, etag) {
		return "", false
	}
	s.stats.notModified.Add(1)
	return etag, true
}

// Get returns the tile gzipped, from the cache or rendered (concurrent
// requests for one uncached tile share one render). hit tells which. It
// returns Unavailable when the database is slow or tiles already use
// their share of it.
func (s *Service) Get(ctx context.Context, r Request) (e Encoded, hit bool, err error) {
	const op = "tiles.Get"
	if len(r.visible) == 0 {
		return Encoded{}, true, nil
	}
	on := s.on.Load()
	if on {
		if e, ok := s.cache.get(r.key); ok {
			s.stats.hits.Add(1)
			return e, true, nil
		}
	}
	s.stats.misses.Add(1)
	gen := s.cache.generation()
	// The generation is in the flight's key: a request after an edit
	// never joins a render that began before it.
	fk := fmt.Sprintf("%s/%d/%d/%d@%d", r.key.layer, r.key.t.Z, r.key.t.X, r.key.t.Y, gen)
	ch := s.flight.DoChan(fk, func() (any, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opt.RenderTimeout)
		defer cancel()
		b, err := s.render(rctx, r)
		if err != nil {
			return Encoded{}, err
		}
		enc, err := encode(b)
		if err == nil && on {
			s.cache.put(r.key, enc, gen)
		}
		return enc, err
	})
	select {
	case <-ctx.Done():
		return Encoded{}, false, diming.E(op, diming.Unavailable, "地图瓦片生成超时，请稍后重试", ctx.Err())
	case res := <-ch:
		if res.Err != nil {
			return Encoded{}, false, diming.E(op, fmt.Errorf("render %s/%d/%d/%d: %w", r.key.layer, r.key.t.Z, r.key.t.X, r.key.t.Y, res.Err))
		}
		return res.Val.(Encoded), false, nil
	}
}

// Tile renders tile z/x/y of the named layer, or of every layer when name
// is AllLayers, without the cache: the MVT bytes, empty when no feature
// falls in the tile. It returns NotFound for an unknown layer, Invalid
// for a tile that does not exist or lies outside the zoom limits, and
// Unavailable when the database is slow.
func (s *Service) Tile(ctx context.Context, name string, z, x, y int) ([]byte, error) {
	const op = "tiles.Tile"
	r, err := s.Parse(name, z, x, y)
	if err != nil {
		return nil, diming.E(op, err)
	}
	if len(r.visible) == 0 {
		return nil, nil
	}
	b, err := s.render(ctx, r)
	if err != nil {
		return nil, diming.E(op, fmt.Errorf("render %s/%d/%d/%d: %w", name, z, x, y, err))
	}
	return b, nil
}

// render asks the source for the tile within the tiles' share of the
// database, timing it.
func (s *Service) render(ctx context.Context, r Request) ([]byte, error) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, diming.E(diming.Unavailable, "地图瓦片请求过多，请稍后重试", ctx.Err())
	}
	defer func() { <-s.slots }()
	start := time.Now()
	b, err := s.src.RenderTile(ctx, r.key.t, r.visible)
	s.stats.rendered(time.Since(start))
	return b, err
}

func (s *Service) pick(name string) ([]Layer, error) {
	if name == AllLayers {
		return s.layers, nil
	}
	i, ok := s.byName[name]
	if !ok {
		return nil, diming.E(diming.NotFound, "没有名为 "+strconv.Quote(name)+" 的瓦片图层")
	}
	return s.layers[i : i+1], nil
}

// tile validates z/x/y with maptile before anything reaches SQL.
func (s *Service) tile(z, x, y int) (maptile.Tile, error) {
	if z < s.opt.MinZoom || z > s.opt.MaxZoom {
		return maptile.Tile{}, diming.E(diming.Invalid, fmt.Sprintf("缩放级别 %d 超出 %d..%d", z, s.opt.MinZoom, s.opt.MaxZoom))
	}
	if x < 0 || y < 0 || x > 1<<30 || y > 1<<30 {
		return maptile.Tile{}, diming.E(diming.Invalid, fmt.Sprintf("瓦片 %d/%d/%d 不存在", z, x, y))
	}
	t := maptile.New(uint32(x), uint32(y), maptile.Zoom(z))
	if !t.Valid() {
		return maptile.Tile{}, diming.E(diming.Invalid, fmt.Sprintf("瓦片 %d/%d/%d 不存在：缩放级别 %d 下 x 和 y 必须小于 %d", z, x, y, z, 1<<z))
	}
	return t, nil
}
