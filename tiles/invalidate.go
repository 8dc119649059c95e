package tiles

import (
	"context"
	"time"

	"github.com/paulmach/orb"
)

// Change is what one write to the database touched: the bounding box (in
// degrees) of a feature's old or new geometry; All means every tile (a
// purge, or a change too large to list).
type Change struct {
	Bound orb.Bound
	All   bool
}

// Changes is where the service hears of writes: every running instance
// listens, so that each drops exactly the tiles a write touched.
type Changes interface {
	// ListenTileChanges blocks until ctx ends or the connection fails,
	// calling ready once listening and changed for each batch of changes.
	ListenTileChanges(ctx context.Context, ready func(), changed func([]Change)) error
}

// Invalidate drops every cached tile, at every zoom, whose extent (with
// its buffer) a change touches. It returns how many tiles it dropped.
func (s *Service) Invalidate(changes ...Change) int {
	n := 0
	for _, c := range changes {
		var b *orb.Bound
		if !c.All {
			b = &c.Bound
		}
		n += s.cache.invalidate(b)
		s.stats.invalidations.Add(1)
	}
	s.stats.dropped.Add(uint64(n))
	return n
}

// RunInvalidation keeps the cache in step with the database until ctx
// ends: it listens for changes (reconnecting after a failure), and uses
// the cache only while listening; every (re)connection starts from an
// empty cache, since changes may have been missed meanwhile. Errors go to
// onErr.
func (s *Service) RunInvalidation(ctx context.Context, src Changes, onErr func(error)) {
	for ctx.Err() == nil {
		err := src.ListenTileChanges(ctx, func() {
			s.Invalidate(Change{All: true})
			s.on.Store(true)
		}, func(cs []Change) { s.Invalidate(cs...) })
		s.on.Store(false)
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
