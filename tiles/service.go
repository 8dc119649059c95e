package tiles

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/diming/diming"
	"github.com/paulmach/orb/maptile"
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
}

// Service serves vector tiles of the registered layers.
type Service struct {
	src    Source
	opt    Options
	layers []Layer
	byName map[string]int
}

// NewService builds the service over src with the given registry. It
// returns an error when the registry is inconsistent (a programming
// mistake, so callers stop start-up).
func NewService(src Source, opt Options, layers ...Layer) (*Service, error) {
	if opt.MaxZoom == 0 {
		opt.MaxZoom = 22
	}
	if opt.MaxAge == 0 {
		opt.MaxAge = time.Minute
	}
	if opt.StaleWhileRevalidate == 0 {
		opt.StaleWhileRevalidate = time.Hour
	}
	if opt.MinZoom < 0 || opt.MaxZoom > 30 || opt.MinZoom > opt.MaxZoom {
		return nil, fmt.Errorf("tiles: zoom limits %d..%d must lie in 0..30", opt.MinZoom, opt.MaxZoom)
	}
	s := &Service{src: src, opt: opt, byName: map[string]int{}}
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
	return s, nil
}

// Layers returns the registry in its order (the order layers appear in an
// "all" tile).
func (s *Service) Layers() []Layer { return append([]Layer(nil), s.layers...) }

// Zooms returns the service's zoom limits.
func (s *Service) Zooms() (minZoom, maxZoom int) { return s.opt.MinZoom, s.opt.MaxZoom }

// CacheControl is the Cache-Control value for tiles.
func (s *Service) CacheControl() string {
	return "public, max-age=" + strconv.Itoa(int(s.opt.MaxAge.Seconds())) +
		", stale-while-revalidate=" + strconv.Itoa(int(s.opt.StaleWhileRevalidate.Seconds()))
}

// Tile renders tile z/x/y of the named layer, or of every layer when name
// is AllLayers. Empty bytes mean no feature falls in the tile. It returns
// NotFound for an unknown layer, Invalid for a tile that does not exist or
// lies outside the zoom limits, and Unavailable when the database is slow.
func (s *Service) Tile(ctx context.Context, name string, z, x, y int) ([]byte, error) {
	const op = "tiles.Tile"
	layers, err := s.pick(name)
	if err != nil {
		return nil, diming.E(op, err)
	}
	t, err := s.tile(z, x, y)
	if err != nil {
		return nil, diming.E(op, err)
	}
	var visible []Layer
	for _, l := range layers {
		if l.Visible(z) {
			visible = append(visible, l)
		}
	}
	if len(visible) == 0 {
		return nil, nil
	}
	b, err := s.src.RenderTile(ctx, t, visible)
	if err != nil {
		return nil, diming.E(op, fmt.Errorf("render %s/%d/%d/%d: %w", name, z, x, y, err))
	}
	return b, nil
}

func (s *Service) pick(name string) ([]Layer, error) {
	if name == AllLayers {
		return s.layers, nil
	}
	i, ok := s.byName[name]
	if !ok {
		return nil, diming.E(diming.NotFound, "no tile layer named "+strconv.Quote(name))
	}
	return s.layers[i : i+1], nil
}

// tile validates z/x/y with maptile before anything reaches SQL.
func (s *Service) tile(z, x, y int) (maptile.Tile, error) {
	if z < s.opt.MinZoom || z > s.opt.MaxZoom {
		return maptile.Tile{}, diming.E(diming.Invalid, fmt.Sprintf("zoom %d is outside %d..%d", z, s.opt.MinZoom, s.opt.MaxZoom))
	}
	if x < 0 || y < 0 || x > 1<<30 || y > 1<<30 {
		return maptile.Tile{}, diming.E(diming.Invalid, fmt.Sprintf("tile %d/%d/%d does not exist", z, x, y))
	}
	t := maptile.New(uint32(x), uint32(y), maptile.Zoom(z))
	if !t.Valid() {
		return maptile.Tile{}, diming.E(diming.Invalid, fmt.Sprintf("tile %d/%d/%d does not exist: x and y must be below %d at zoom %d", z, x, y, 1<<z, z))
	}
	return t, nil
}
