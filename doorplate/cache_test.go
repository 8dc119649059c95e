package doorplate_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diming/diming/doorplate"
	"github.com/paulmach/orb"
)

// fakeStore is a hand-written fake: only what the scan path calls.
type fakeStore struct {
	doorplate.Store
	finds   atomic.Int32
	mu      sync.Mutex
	changed func()
	ready   chan struct{}
	counts  map[doorplate.ScanKey]int64
}

func (f *fakeStore) FindScan(_ context.Context, pid string) (doorplate.ScanRecord, error) {
	f.finds.Add(1)
	return doorplate.ScanRecord{PlateID: 7, PlateStatus: doorplate.PlateActive, KeyID: "k1", FullText: "样例路1号",
		Position: orb.Point{120.58, 30.0}, CommunityName: "样例社区"}, nil
}

func (f *fakeStore) ListenChanges(ctx context.Context, ready, changed func()) error {
	f.mu.Lock()
	f.changed = changed
	f.mu.Unlock()
	ready()
	close(f.ready)
	<-ctx.Done()
	return ctx.Err()
}

func (f *fakeStore) AddScanCounts(_ context.Context, c map[doorplate.ScanKey]int64) error {
	f.counts = c
	return nil
}

func TestScanCacheFollowsNotifications(t *testing.T) {
	st := &fakeStore{ready: make(chan struct{})}
	keys := mustKeys(t, "k1:"+strings.Repeat("QUJD", 11))
	svc, err := doorplate.NewService(st, doorplate.Config{PublicURL: "https://dm.example", Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go svc.RunCache(ctx, func(error) {})
	select {
	case <-st.ready:
	case <-time.After(5 * time.Second):
		t.Fatal("cache listener never became ready")
	}
	code, _ := keys.Sign("0123456789ab", "k1")
	render := func(r doorplate.ScanResult) ([]byte, error) { return []byte(r.View.FullText), nil }
	for range 3 {
		res, page, err := svc.ScanRendered(ctx, code, "html", render)
		if err != nil || res.State != doorplate.ScanOK || string(page) != "样例路1号" {
			t.Fatalf("ScanRendered() = %v %q %v", res.State, page, err)
		}
	}
	if n := st.finds.Load(); n != 1 {
		t.Errorf("store reads for 3 scans = %d, want 1 (cached)", n)
	}
	st.mu.Lock()
	st.changed()
	st.mu.Unlock()
	_, _, _ = svc.ScanRendered(ctx, code, "html", render)
	if n := st.finds.Load(); n != 2 {
		t.Errorf("store reads after a change notification = %d, want 2", n)
	}
	if res, _ := svc.Scan(ctx, strings.Replace(code, "k1.", "k1.x", 1)); res.State != doorplate.ScanForged {
		t.Errorf("tampered code = %s, want forged", res.State)
	}
	if err := svc.FlushScans(ctx); err != nil {
		t.Fatal(err)
	}
	var total int64
	for k, n := range st.counts {
		if k.PlateID != 7 {
			t.Errorf("scan counted for plate %d", k.PlateID)
		}
		total += n
	}
	if total != 4 {
		t.Errorf("scans counted = %d, want 4 (cached ones too; forged ones not)", total)
	}
}
