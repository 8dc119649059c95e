package data_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diming/diming/tiles"
)

// TestTilesKeepTheirShare floods the service with distinct slow uncached
// tiles (a test layer that sleeps 0.2 s per render) and checks that tiles
// never hold more than MaxRenders of the pool's connections, so other
// queries still get one while the flood lasts.
func TestTilesKeepTheirShare(t *testing.T) {
	db := tileDB(t)
	slow := tiles.Divisions()
	slow.Name, slow.Where = "slow", "valid_to IS NULL AND (SELECT pg_sleep(0.2)) IS NOT NULL"
	svc, err := tiles.NewService(db, tiles.Options{MaxRenders: 2}, slow)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var running atomic.Bool
	running.Store(true)
	var most atomic.Int32
	go func() {
		for running.Load() {
			most.Store(max(most.Load(), db.PoolStats().AcquiredConns()))
			time.Sleep(200 * time.Microsecond)
		}
	}()
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := svc.Parse("slow", 8, 200+i, 100)
			if err == nil {
				_, _, err = svc.Get(t.Context(), r)
			}
			if err != nil {
				t.Errorf("Get(8/%d/100) = %v", 200+i, err)
			}
		}()
	}
	var one int
	if err := db.Pool.QueryRow(t.Context(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("a query during the tile flood = %v", err)
	}
	wg.Wait()
	running.Store(false)
	if n := svc.Stats().Renders; n != 12 {
		t.Errorf("rendered %d tiles, want 12", n)
	}
	if m := most.Load(); m > 3 { // 2 renders, plus the query above
		t.Errorf("tiles held up to %d connections at once, want at most 2 (+1 for the other query)", m)
	}
}
