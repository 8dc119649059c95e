package tiles_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diming/diming/tiles"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// listening is a change source that reports ready and then waits.
type listening struct{}

func (listening) ListenTileChanges(ctx context.Context, ready func(), _ func([]tiles.Change)) error {
	ready()
	<-ctx.Done()
	return ctx.Err()
}

// countingSource renders a tile whose bytes name it, counting renders per
// tile; block, when set, holds every render until it is closed.
type countingSource struct {
	mu      sync.Mutex
	renders map[maptile.Tile]int
	size    int
	block   chan struct{}
}

func (s *countingSource) RenderTile(ctx context.Context, t maptile.Tile, _ []tiles.Layer) ([]byte, error) {
	s.mu.Lock()
	if s.renders == nil {
		s.renders = map[maptile.Tile]int{}
	}
	s.renders[t]++
	s.mu.Unlock()
	if s.block != nil {
		<-s.block
	}
	// Random bytes do not compress, so size is what the cache holds.
	noise := make([]byte, s.size)
	_, _ = rand.NewChaCha8([32]byte{byte(t.X), byte(t.X >> 8), byte(t.Y), byte(t.Y >> 8), byte(t.Z)}).Read(noise)
	return append([]byte(fmt.Sprint(t)), noise...), nil
}

func (s *countingSource) count(t maptile.Tile) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.renders[t]
}

func cachedService(t *testing.T, src tiles.Source, opt tiles.Options) *tiles.Service {
	t.Helper()
	svc, err := tiles.NewService(src, opt, tiles.Divisions())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.RunInvalidation(ctx, listening{}, func(error) {}) }()
	t.Cleanup(func() { cancel(); <-done; _ = svc.Close() })
	for !svc.Stats().Listening {
		time.Sleep(time.Millisecond)
	}
	return svc
}

func get(t *testing.T, svc *tiles.Service, tile maptile.Tile) (tiles.Encoded, bool) {
	t.Helper()
	r, err := svc.Parse("divisions", int(tile.Z), int(tile.X), int(tile.Y))
	if err != nil {
		t.Fatal(err)
	}
	e, hit, err := svc.Get(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	return e, hit
}

// TestInvalidateExactly: a change drops the tiles its box touches at every
// zoom, and only those.
func TestInvalidateExactly(t *testing.T) {
	src := &countingSource{}
	svc := cachedService(t, src, tiles.Options{})
	at := orb.Point{120.58, 30.0}
	var touched, other []maptile.Tile
	for z := maptile.Zoom(0); z <= 14; z += 2 {
		touched = append(touched, maptile.At(at, z))
	}
	other = []maptile.Tile{maptile.At(orb.Point{116.4, 39.9}, 8), maptile.At(orb.Point{121.0, 30.0}, 12), maptile.At(orb.Point{120.58, 30.2}, 14)}
	for _, tile := range append(touched, other...) {
		get(t, svc, tile)
		if _, hit := get(t, svc, tile); !hit {
			t.Fatalf("second Get(%v) missed the cache", tile)
		}
	}
	n := svc.Invalidate(tiles.Change{Bound: orb.Bound{Min: orb.Point{120.57, 29.99}, Max: orb.Point{120.59, 30.01}}})
	if n != len(touched) {
		t.Errorf("Invalidate() dropped %d tiles, want %d", n, len(touched))
	}
	for _, tile := range touched {
		if _, hit := get(t, svc, tile); hit || src.count(tile) != 2 {
			t.Errorf("Get(%v) after the change: hit %v, %d renders; want a second render", tile, hit, src.count(tile))
		}
	}
	for _, tile := range other {
		if _, hit := get(t, svc, tile); !hit {
			t.Errorf("Get(%v) away from the change missed the cache", tile)
		}
	}
}

// TestRenderBeforeChangeNotKept: a render that began before a change to
// its tile is answered but not cached, and the next request renders again.
func TestRenderBeforeChangeNotKept(t *testing.T) {
	src := &countingSource{block: make(chan struct{})}
	svc := cachedService(t, src, tiles.Options{})
	tile := maptile.At(orb.Point{120.58, 30.0}, 10)
	done := make(chan struct{})
	go func() { defer close(done); get(t, svc, tile) }()
	for src.count(tile) == 0 {
		time.Sleep(time.Millisecond)
	}
	svc.Invalidate(tiles.Change{Bound: tile.Bound()})
	close(src.block)
	<-done
	if _, hit := get(t, svc, tile); hit || src.count(tile) != 2 {
		t.Errorf("Get() after a change during the render: hit %v, %d renders; want a new render", hit, src.count(tile))
	}
}

// TestSingleFlight: concurrent requests for one uncached tile share one
// render.
func TestSingleFlight(t *testing.T) {
	src := &countingSource{block: make(chan struct{})}
	svc := cachedService(t, src, tiles.Options{})
	tile := maptile.At(orb.Point{120.58, 30.0}, 3)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() { defer wg.Done(); get(t, svc, tile) }()
	}
	for svc.Stats().Misses < 16 {
		time.Sleep(time.Millisecond)
	}
	close(src.block)
	wg.Wait()
	if n := src.count(tile); n != 1 {
		t.Errorf("16 concurrent requests rendered %d times, want 1", n)
	}
}

// TestRenderShare: no more renders run at once than MaxRenders, and a
// request that cannot get a turn in time is Unavailable.
func TestRenderShare(t *testing.T) {
	src := &countingSource{block: make(chan struct{})}
	svc := cachedService(t, src, tiles.Options{MaxRenders: 2})
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); get(t, svc, maptile.New(uint32(i), 0, 5)) }()
	}
	for svc.Stats().Misses < 2 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	r, _ := svc.Parse("divisions", 5, 9, 9)
	if _, _, err := svc.Get(ctx, r); err == nil {
		t.Errorf("Get() with every render slot busy = nil error, want Unavailable")
	}
	if n := src.count(maptile.New(9, 9, 5)); n != 0 {
		t.Errorf("a third render ran while two held the share")
	}
	close(src.block)
	wg.Wait()
}

// TestCacheBoundAndDisk: memory holds no more than its bytes; evicted
// tiles go to the disk tier and come back with the same ETag; a change
// removes them from disk too.
func TestCacheBoundAndDisk(t *testing.T) {
	src := &countingSource{size: 2_000}
	dir := t.TempDir()
	svc := cachedService(t, src, tiles.Options{CacheBytes: 10_000, DiskDir: dir})
	var set []maptile.Tile
	etags := map[maptile.Tile]string{}
	for x := uint32(0); x < 20; x++ {
		tile := maptile.New(x+800, 400, 10)
		set = append(set, tile)
		e, _ := get(t, svc, tile)
		etags[tile] = e.ETag
	}
	st := svc.Stats()
	if st.MemoryBytes > 10_000 || st.DiskEntries < 15 {
		t.Fatalf("memory %d bytes (limit 10,000), %d tiles on disk", st.MemoryBytes, st.DiskEntries)
	}
	e, hit := get(t, svc, set[0])
	if !hit || e.ETag != etags[set[0]] || src.count(set[0]) != 1 {
		t.Errorf("Get(evicted tile) = hit %v, ETag %s (was %s), %d renders; want it from disk", hit, e.ETag, etags[set[0]], src.count(set[0]))
	}
	if b, err := e.MVT(); err != nil || !strings.HasPrefix(string(b), fmt.Sprint(set[0])) {
		t.Errorf("tile from disk decodes to %.20q, %v", b, err)
	}
	svc.Invalidate(tiles.Change{All: true})
	files := 0
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, _ error) error {
		if fi != nil && !fi.IsDir() {
			files++
		}
		return nil
	})
	if files != 0 || svc.Stats().DiskEntries != 0 {
		t.Errorf("after a purge %d files stay on disk", files)
	}
}
