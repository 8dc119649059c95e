package romanize

import (
	"context"
	"sync"
	"time"
)

// Source is a store that holds admins' readings (the place_readings table).
type Source interface {
	FindReadings(ctx context.Context) ([]Reading, error)
}

// Loader hands out the Romanizer of a store's current readings. Writes ask
// for a fresh one; reads (search keys) accept one a few seconds old.
type Loader struct {
	src    any
	maxAge time.Duration

	mu     sync.Mutex
	z      *Romanizer
	loaded time.Time
}

// NewLoader returns a Loader on store; a store that is not a Source gets
// the shipped readings alone.
func NewLoader(store any) *Loader { return &Loader{src: store, maxAge: 5 * time.Second} }

// Fresh loads the readings now. It returns the store's error, or Invalid
// when a stored reading is malformed.
func (l *Loader) Fresh(ctx context.Context) (*Romanizer, error) {
	src, ok := l.src.(Source)
	if !ok {
		return Standard(), nil
	}
	rs, err := src.FindReadings(ctx)
	if err != nil {
		return nil, err
	}
	z := Standard()
	if len(rs) > 0 {
		if z, err = New(rs); err != nil {
			return nil, err
		}
	}
	l.mu.Lock()
	l.z, l.loaded = z, time.Now()
	l.mu.Unlock()
	return z, nil
}

// Recent returns the Romanizer loaded within the last few seconds, or
// loads it.
func (l *Loader) Recent(ctx context.Context) (*Romanizer, error) {
	l.mu.Lock()
	z, at := l.z, l.loaded
	l.mu.Unlock()
	if z != nil && time.Since(at) < l.maxAge {
		return z, nil
	}
	return l.Fresh(ctx)
}
