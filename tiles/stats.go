package tiles

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// RenderBuckets are the upper bounds, in seconds, of the render-time
// histogram in Stats.
func RenderBuckets() []float64 {
	return []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
}

type stats struct {
	hits, misses, notModified, renders atomic.Uint64
	invalidations, dropped             atomic.Uint64
	renderNanos                        atomic.Int64
	buckets                            [12]atomic.Uint64 // RenderBuckets, then +Inf
}

func (s *stats) rendered(d time.Duration) {
	s.renders.Add(1)
	s.renderNanos.Add(int64(d))
	i := 0
	for _, b := range RenderBuckets() {
		if d.Seconds() <= b {
			break
		}
		i++
	}
	s.buckets[i].Add(1)
}

// Stats are the service's counters since it started, for /metrics.
type Stats struct {
	// Hits and Misses count tile requests answered from the cache and
	// rendered (or joined a render); NotModified counts 304 answers.
	Hits, Misses, NotModified uint64
	// Renders is how many tiles were rendered, taking RenderSeconds in
	// all; RenderCounts[i] counts renders no longer than RenderBuckets()[i]
	// (cumulative, the last is every render).
	Renders       uint64
	RenderSeconds float64
	RenderCounts  []uint64
	// Invalidations counts the changes heard, Dropped the tiles they
	// removed from the cache.
	Invalidations, Dropped uint64
	// MemoryEntries and MemoryBytes are what the memory cache holds,
	// DiskEntries and DiskBytes the disk tier.
	MemoryEntries, DiskEntries int
	MemoryBytes, DiskBytes     int64
	// Listening tells whether the cache is on (changes are heard).
	Listening bool
}

// Stats returns the service's counters.
func (s *Service) Stats() Stats {
	st := Stats{
		Hits: s.stats.hits.Load(), Misses: s.stats.misses.Load(), NotModified: s.stats.notModified.Load(),
		Renders: s.stats.renders.Load(), RenderSeconds: time.Duration(s.stats.renderNanos.Load()).Seconds(),
		Invalidations: s.stats.invalidations.Load(), Dropped: s.stats.dropped.Load(), Listening: s.on.Load(),
	}
	var cum uint64
	for i := range RenderBuckets() {
		cum += s.stats.buckets[i].Load()
		st.RenderCounts = append(st.RenderCounts, cum)
	}
	st.MemoryEntries, st.MemoryBytes, st.DiskEntries, st.DiskBytes = s.cache.usage()
	return st
}

// MVT returns the tile uncompressed, for the rare client that does not
// accept gzip.
func (e Encoded) MVT() ([]byte, error) {
	if e.Empty() {
		return nil, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(e.Gzip))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// encode gzips an MVT and names it with a weak ETag (a hash of the MVT:
// the same tile has the same tag in every instance).
func encode(mvt []byte) (Encoded, error) {
	if len(mvt) == 0 {
		return Encoded{}, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(mvt) / 2)
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(mvt); err != nil {
		return Encoded{}, err
	}
	if err := zw.Close(); err != nil {
		return Encoded{}, err
	}
	sum := sha256.Sum256(mvt)
	return Encoded{Gzip: buf.Bytes(), ETag: `W/"` + hex.EncodeToString(sum[:12]) + `"`, Size: len(mvt)}, nil
}

// ETagMatch applies If-None-Match's weak comparison: any listed tag (or
// "*") whose opaque part equals etag's.
func ETagMatch(ifNoneMatch, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}
