package doorplate_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/paulmach/orb"
)

// fakeStore is a hand-written fake: only what the scan path calls.
type fakeStore struct {
	doorplate.Store
	finds   atomic.Int32
	comms   atomic.Int32
	mu      sync.Mutex
	changed func(string)
	ready   chan struct{}
	counts  map[doorplate.ScanKey]int64
}

func (f *fakeStore) FindScan(_ context.Context, pid string) (doorplate.ScanRecord, error) {
	f.finds.Add(1)
	return doorplate.ScanRecord{PlateID: 7, PlateStatus: doorplate.PlateActive, KeyID: "k1", FullText: "样例路1号",
		Position: orb.Point{120.58, 30.0}, DivisionCode: "330602001001"}, nil
}

// Two grids: the first (by id) covers the east half of the community,
// the second the whole of it.
func (f *fakeStore) FindScanCommunity(_ context.Context, code string) (doorplate.ScanCommunity, error) {
	f.comms.Add(1)
	square := func(x0, x1 float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x0, 29.9}, {x1, 29.9}, {x1, 30.1}, {x0, 30.1}, {x0, 29.9}}}}
	}
	return doorplate.ScanCommunity{Code: code, Name: "样例社区",
		Info: doorplate.CommunityInfo{CommunityCode: code, PoliceName: "社区民警甲", PolicePhone: "0575-110"},
		Grids: []doorplate.Grid{
			{ID: 1, Name: "东网格", Geom: square(120.59, 120.7), WorkerName: "东网格员", WorkerPhone: "0575-1"},
			{ID: 2, Name: "全社区网格", Geom: square(120.5, 120.7), WorkerName: "网格员乙", WorkerPhone: "0575-2", PoliceName: "网格民警丙"},
		}}, nil
}

func (f *fakeStore) ListenChanges(ctx context.Context, ready func(), changed func(string)) error {
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

// mustListeningService starts a service on a fake store and waits until
// its cache listens for changes.
func mustListeningService(t *testing.T) (*doorplate.Service, *fakeStore, doorplate.Keys, context.Context) {
	t.Helper()
	st := &fakeStore{ready: make(chan struct{})}
	keys := mustKeys(t, "k1:"+strings.Repeat("QUJD", 11))
	svc, err := doorplate.NewService(st, doorplate.Config{PublicURL: "https://dm.example", Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go svc.RunCache(ctx, func(error) {})
	select {
	case <-st.ready:
	case <-time.After(5 * time.Second):
		t.Fatal("cache listener never became ready")
	}
	return svc, st, keys, ctx
}

func TestScanCacheFollowsNotifications(t *testing.T) {
	svc, st, keys, ctx := mustListeningService(t)
	code, _ := keys.Sign("0123456789ab", "k1")
	render := func(r doorplate.ScanResult) ([]byte, error) { return []byte(r.View.FullText), nil }
	for range 3 {
		res, page, err := svc.ScanRendered(ctx, code, "html", render)
		if err != nil || res.State != doorplate.ScanOK || string(page) != "样例路1号" {
			t.Fatalf("ScanRendered() = %v %q %v", res.State, page, err)
		}
		// The address at 120.58 is in the second grid only: its worker
		// and its police contact (over the community's) show.
		if v := res.View; v.Community.Name != "样例社区" || v.Grid == nil || v.Grid.Name != "网格员乙" || v.Police == nil || v.Police.Name != "网格民警丙" {
			t.Fatalf("scan view community %q grid %+v police %+v", v.Community.Name, v.Grid, v.Police)
		}
	}
	if n := st.finds.Load(); n != 1 {
		t.Errorf("store reads for 3 scans = %d, want 1 (cached)", n)
	}
	// Another plate of the same community reads the plate, not the community.
	other, _ := keys.Sign("0123456789ac", "k1")
	if res, _ := svc.Scan(ctx, other); res.State != doorplate.ScanOK {
		t.Fatalf("second plate = %s", res.State)
	}
	if n, c := st.finds.Load(), st.comms.Load(); n != 2 || c != 1 {
		t.Errorf("store reads after a second plate: %d plates, %d communities; want 2 and 1", n, c)
	}
	notify := func(payload string) {
		st.mu.Lock()
		st.changed(payload)
		st.mu.Unlock()
	}
	notify("communities")
	_, _, _ = svc.ScanRendered(ctx, code, "html", render)
	if n, c := st.finds.Load(), st.comms.Load(); n != 2 || c != 2 {
		t.Errorf("store reads after a community change: %d plates, %d communities; want 2 and 2", n, c)
	}
	notify("plates:zzzzzzzzzzzz,0123456789ab")
	_, _, _ = svc.ScanRendered(ctx, code, "html", render)
	_, _, _ = svc.ScanRendered(ctx, other, "html", render)
	if n, c := st.finds.Load(), st.comms.Load(); n != 3 || c != 2 {
		t.Errorf("store reads after a change to one plate: %d plates, %d communities; want 3 and 2 (only that plate read again)", n, c)
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
	if total != 7 {
		t.Errorf("scans counted = %d, want 7 (cached ones too; forged ones not)", total)
	}
}

// TestScanPageCacheAdmitsRepeatScans checks a page is kept from its
// plate's second scan on (a page scanned once is not cached, so scans
// spread over many plates do not churn the cache) and re-rendered after
// a change to its plate.
func TestScanPageCacheAdmitsRepeatScans(t *testing.T) {
	svc, st, keys, ctx := mustListeningService(t)
	code, _ := keys.Sign("0123456789ab", "k1")
	renders := 0
	render := func(r doorplate.ScanResult) ([]byte, error) { renders++; return []byte(r.View.FullText), nil }
	scan := func() {
		t.Helper()
		if _, page, err := svc.ScanRendered(ctx, code, "html", render); err != nil || string(page) != "样例路1号" {
			t.Fatalf("ScanRendered() = %q, %v", page, err)
		}
	}
	for range 5 {
		scan()
	}
	if renders != 2 {
		t.Errorf("renders for 5 scans = %d, want 2 (cached from the second)", renders)
	}
	st.mu.Lock()
	st.changed("plates:0123456789ab")
	st.mu.Unlock()
	scan()
	if renders != 3 {
		t.Errorf("renders after a change to the plate = %d, want 3", renders)
	}
}

// recordsStore serves n plate records for the preload and counts single reads.
type recordsStore struct {
	fakeStore
	n int
}

func (f *recordsStore) FindScanRecords(_ context.Context, after int64, limit int) ([]doorplate.ScanRecord, error) {
	var out []doorplate.ScanRecord
	for id := after + 1; id <= int64(f.n) && len(out) < limit; id++ {
		out = append(out, doorplate.ScanRecord{PublicID: fmt.Sprintf("%012d", id), PlateID: id, PlateStatus: doorplate.PlateActive,
			KeyID: "k1", FullText: fmt.Sprintf("样例路%d号", id), Position: orb.Point{120.58, 30.0}, DivisionCode: "330602001001"})
	}
	return out, nil
}

func TestScanCachePreloadsEveryPlate(t *testing.T) {
	st := &recordsStore{fakeStore: fakeStore{ready: make(chan struct{})}, n: 45_000}
	keys := mustKeys(t, "k1:"+strings.Repeat("QUJD", 11))
	svc, err := doorplate.NewService(st, doorplate.Config{PublicURL: "https://dm.example", Keys: keys, Preload: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go svc.RunCache(ctx, func(err error) { t.Errorf("cache: %v", err) })
	deadline := time.Now().Add(10 * time.Second)
	for n, _ := svc.Preloaded(); n != st.n; n, _ = svc.Preloaded() {
		if time.Now().After(deadline) {
			t.Fatalf("preloaded %d plates, want %d", n, st.n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, id := range []int{1, 20_000, 20_001, 45_000} {
		code, _ := keys.Sign(fmt.Sprintf("%012d", id), "k1")
		res, err := svc.Scan(ctx, code)
		if err != nil || res.State != doorplate.ScanOK || res.View.FullText != fmt.Sprintf("样例路%d号", id) {
			t.Fatalf("scan of plate %d = %+v %v", id, res, err)
		}
	}
	if n := st.finds.Load(); n != 0 {
		t.Errorf("single-plate reads after the preload = %d, want 0", n)
	}
}

// outageStore is a fakeStore whose database can be stopped: its
// notification connection drops and every read fails as Unavailable.
type outageStore struct {
	fakeStore
	down    atomic.Bool
	drop    chan struct{}
	listens atomic.Int32
}

func (f *outageStore) ListenChanges(ctx context.Context, ready func(), changed func(string)) error {
	if f.down.Load() {
		return diming.E("fake.listen", diming.Unavailable, "down")
	}
	f.listens.Add(1)
	ready()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-f.drop:
		return diming.E("fake.listen", diming.Unavailable, "connection lost")
	}
}

func (f *outageStore) FindScan(ctx context.Context, pid string) (doorplate.ScanRecord, error) {
	if f.down.Load() {
		return doorplate.ScanRecord{}, diming.E("fake.FindScan", diming.Unavailable, "down")
	}
	return f.fakeStore.FindScan(ctx, pid)
}

func (f *outageStore) FindScanCommunity(ctx context.Context, code string) (doorplate.ScanCommunity, error) {
	if f.down.Load() {
		return doorplate.ScanCommunity{}, diming.E("fake.FindScanCommunity", diming.Unavailable, "down")
	}
	return f.fakeStore.FindScanCommunity(ctx, code)
}

// TestScanDuringOutage: while the database is down, plates scanned before
// keep answering from memory, others get Unavailable; when it is back the
// cache reloads on its own.
func TestScanDuringOutage(t *testing.T) {
	st := &outageStore{drop: make(chan struct{})}
	keys := mustKeys(t, "k1:"+strings.Repeat("QUJD", 11))
	svc, err := doorplate.NewService(st, doorplate.Config{PublicURL: "https://dm.example", Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go svc.RunCache(ctx, func(error) {})
	waitFor(t, "the cache listens", func() bool { return st.listens.Load() == 1 })
	known, _ := keys.Sign("0123456789ab", "k1")
	unknown, _ := keys.Sign("0123456789ac", "k1")
	if res, err := svc.Scan(ctx, known); err != nil || res.State != doorplate.ScanOK {
		t.Fatalf("scan before the outage = %v, %v", res.State, err)
	}

	st.down.Store(true)
	close(st.drop)
	time.Sleep(50 * time.Millisecond) // the listener notices
	for range 3 {
		res, err := svc.Scan(ctx, known)
		if err != nil || res.State != doorplate.ScanOK || res.View.FullText != "样例路1号" || res.View.Grid == nil {
			t.Fatalf("scan of a known plate during the outage = %+v, %v; want the last known page", res, err)
		}
	}
	if _, err := svc.Scan(ctx, unknown); diming.KindOf(err) != diming.Unavailable {
		t.Errorf("scan of a plate never read, during the outage = %v; want Unavailable", err)
	}

	finds := st.finds.Load()
	st.down.Store(false)
	waitFor(t, "the cache listens again", func() bool { return st.listens.Load() == 2 })
	if res, err := svc.Scan(ctx, known); err != nil || res.State != doorplate.ScanOK {
		t.Fatalf("scan after recovery = %v, %v", res.State, err)
	}
	if st.finds.Load() != finds+1 {
		t.Errorf("after recovery the plate was not read again (%d reads): the cache must reload", st.finds.Load()-finds)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// expiringStore preloads one plate whose address carries a linked record
// shown until `until`; read afterwards, the record no longer shows.
type expiringStore struct {
	fakeStore
	until time.Time
}

func (f *expiringStore) record() doorplate.ScanRecord {
	r := doorplate.ScanRecord{PublicID: "0123456789ab", PlateID: 1, PlateStatus: doorplate.PlateActive, KeyID: "k1",
		FullText: "样例路1号", Position: orb.Point{120.58, 30.0}, DivisionCode: "330602001001"}
	if time.Now().Before(f.until) {
		r.Links, r.LinksUntil = "市场监管局 · 营业执照\x1f状态：有效；有效期至 2026-06-01\n", f.until
	}
	return r
}

func (f *expiringStore) FindScanRecords(_ context.Context, after int64, _ int) ([]doorplate.ScanRecord, error) {
	if after > 0 {
		return nil, nil
	}
	return []doorplate.ScanRecord{f.record()}, nil
}

func (f *expiringStore) FindScan(context.Context, string) (doorplate.ScanRecord, error) {
	f.finds.Add(1)
	return f.record(), nil
}

// TestScanCacheExpiresLinksByDate: a preloaded plate whose linked record's
// validity ends stops showing the record once that time passes, with no
// change notification, and the page rendered before is not served again.
func TestScanCacheExpiresLinksByDate(t *testing.T) {
	st := &expiringStore{fakeStore: fakeStore{ready: make(chan struct{})}, until: time.Now().Add(time.Second)}
	keys := mustKeys(t, "k1:"+strings.Repeat("QUJD", 11))
	svc, err := doorplate.NewService(st, doorplate.Config{PublicURL: "https://dm.example", Keys: keys, Preload: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go svc.RunCache(ctx, func(err error) { t.Errorf("cache: %v", err) })
	waitFor(t, "the preload", func() bool { n, _ := svc.Preloaded(); return n == 1 })
	code, _ := keys.Sign("0123456789ab", "k1")
	render := func(r doorplate.ScanResult) ([]byte, error) {
		var b strings.Builder
		for _, l := range r.View.Links {
			b.WriteString(l.Title + "：" + l.Text)
		}
		return []byte(b.String()), nil
	}
	for range 3 { // cached record, then a cached page
		_, page, err := svc.ScanRendered(ctx, code, "html", render)
		if err != nil || !strings.Contains(string(page), "营业执照") {
			t.Fatalf("scan before the record ends = %q, %v; want the licence", page, err)
		}
	}
	if n := st.finds.Load(); n != 0 {
		t.Fatalf("store reads before the record ends = %d, want 0 (preloaded)", n)
	}
	time.Sleep(time.Until(st.until) + 10*time.Millisecond)
	for range 3 {
		_, page, err := svc.ScanRendered(ctx, code, "html", render)
		if err != nil || strings.Contains(string(page), "营业执照") {
			t.Fatalf("scan after the record ended = %q, %v; want no licence", page, err)
		}
	}
	if n := st.finds.Load(); n != 1 {
		t.Errorf("store reads after the record ended = %d, want 1 (read once, then cached again)", n)
	}
}
