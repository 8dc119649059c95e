package doorplate

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
)

func testRecord(i int) ScanRecord {
	return ScanRecord{PublicID: fmt.Sprintf("%012d", i), PlateID: int64(i), PlateStatus: PlateActive, KeyID: "k1",
		AddressCode: fmt.Sprintf("330602001001%06d", i), FullText: fmt.Sprintf("浙江省绍兴市越城区样例路%d号", i),
		Pinyin: fmt.Sprintf("Yangli Lu %d Hao", i), Lifecycle: LifecycleCurrent, Position: orb.Point{120.5 + float64(i)/1e6, 30},
		DivisionCode: "330602001001", StreetID: int64(i%3 + 1), Street: orb.LineString{{120.5, 30}, {120.6, 30}}}
}

// TestRecStoreKeepsEveryField checks records come back whole from the
// packed store, also across its text chunks, and that dropping a plate
// or an address forgets exactly those plates.
func TestRecStoreKeepsEveryField(t *testing.T) {
	st := newRecStore()
	const n = 50_000 // about 4 MB of text: more than one chunk
	for i := 1; i <= n; i++ {
		r := testRecord(i)
		if i%7 == 0 {
			r.PlateStatus, r.ReplacedByID, r.ReplacedByKey = PlateReplaced, fmt.Sprintf("r%011d", i), "k2"
		}
		if i%11 == 0 {
			r.Street, r.StreetID = nil, 0
		}
		if !st.put(&r, uint64(i)) {
			t.Fatalf("put(%d) refused", i)
		}
	}
	if len(st.chunks) < 2 {
		t.Errorf("%d text chunks, want more than one", len(st.chunks))
	}
	for _, i := range []int{1, 7, 11, 77, 25_000, n} {
		want := testRecord(i)
		if i%7 == 0 {
			want.PlateStatus, want.ReplacedByID, want.ReplacedByKey = PlateReplaced, fmt.Sprintf("r%011d", i), "k2"
		}
		if i%11 == 0 {
			want.Street = nil
		}
		want.StreetID = 0 // not kept: the line is
		got, stamp, ok := st.get(want.PublicID)
		if !ok || stamp != uint64(i) || !reflect.DeepEqual(*got, want) {
			t.Errorf("get(%s) = %+v stamp %d %v, want %+v stamp %d", want.PublicID, got, stamp, ok, want, i)
		}
	}
	if len(st.streets) != 3 {
		t.Errorf("%d street lines stored, want 3 (shared by street id)", len(st.streets))
	}
	if _, _, ok := st.get("nosuchplate0"); ok {
		t.Error("an unknown plate was found")
	}
	st.drop(testRecord(5).PublicID)
	st.dropAddress(testRecord(6).AddressCode)
	for i, want := range map[int]bool{4: true, 5: false, 6: false, 8: true} {
		if _, _, ok := st.get(testRecord(i).PublicID); ok != want {
			t.Errorf("plate %d held = %v, want %v", i, ok, want)
		}
	}
	if st.len() != n-2 || st.wasteful() {
		t.Errorf("len = %d wasteful %v, want %d and false", st.len(), st.wasteful(), n-2)
	}
	// The same plate again replaces it.
	r := testRecord(9)
	r.FullText = "新地址"
	st.put(&r, 99)
	if got, stamp, _ := st.get(r.PublicID); got.FullText != "新地址" || stamp != 99 {
		t.Errorf("after a second put: %q stamp %d", got.FullText, stamp)
	}
	for i := 10; i < n/3; i++ {
		st.drop(testRecord(i).PublicID)
	}
	if !st.wasteful() {
		t.Errorf("%d of %d slots dead, want wasteful", st.dead, len(st.slots))
	}
}

// TestScanCacheRestartsWornStore checks a notification that leaves a
// quarter of the preloaded records dropped clears the cache for a fresh
// preload.
func TestScanCacheRestartsWornStore(t *testing.T) {
	c := newScanCache(0)
	c.on.Store(true)
	recs := make([]ScanRecord, 4000)
	for i := range recs {
		recs[i] = testRecord(i + 1)
	}
	if !c.preload(recs, c.generation()) {
		t.Fatal("preload refused")
	}
	if all := c.changed("plates:" + recs[0].PublicID); all {
		t.Error("dropping one plate of 4,000 restarted the cache")
	}
	ids := ""
	for i := 1; i <= 1000; i++ {
		ids += "," + recs[i].PublicID
	}
	if all := c.changed("plates:" + ids[1:]); !all || c.packed.len() != 0 {
		t.Errorf("dropping a quarter: restart %v, %d records left; want a restart and none", all, c.packed.len())
	}
}

// TestRecStoreTakesANationOfCommunities checks plates of more distinct
// communities than a 16-bit index holds are all kept (the national list
// has 620,573 villages).
func TestRecStoreTakesANationOfCommunities(t *testing.T) {
	st := newRecStore()
	const n = 70_000
	for i := 1; i <= n; i++ {
		r := testRecord(i)
		r.DivisionCode = fmt.Sprintf("33%010d", i)
		if !st.put(&r, uint64(i)) {
			t.Fatalf("put(%d) refused", i)
		}
	}
	if got, _, ok := st.get(testRecord(n).PublicID); !ok || got.DivisionCode != fmt.Sprintf("33%010d", n) {
		t.Errorf("plate %d: %v %v, want division 33%010d", n, got, ok, n)
	}
}
