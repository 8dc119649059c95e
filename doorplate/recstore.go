package doorplate

import (
	"hash/maphash"
	"math"
	"time"

	"github.com/paulmach/orb"
)

// recStore holds preloaded scan records in a form the garbage collector
// need not trace: the text of every record back to back in large byte
// chunks, fixed-size slots of offsets and numbers, and an index from a
// hash of the public id to the slot, none of which holds a pointer. With
// a string per field, a million records were about ten million objects
// that every collection marked, for half a second at a time on two cores,
// and twice the memory. It is not safe for concurrent use; scanCache
// guards it.
type recStore struct {
	seed   maphash.Seed
	idx    map[uint64]int32 // hash of the public id → slot
	slots  []recSlot
	chunks [][]byte
	dead   int // slots dropped since the last reset

	// The few distinct short values (plate status, key id, lifecycle,
	// division code) and the street lines, by index.
	words     []string
	wordIdx   map[string]uint32
	streets   []orb.LineString
	streetIdx map[int64]int32
}

// recSlot is one record: its numbers, and where its text lies.
type recSlot struct {
	stamp   uint64 // which version of the record this is, for the page cache
	until   int64  // ScanRecord.LinksUntil in Unix nanoseconds; 0: none
	plateID int64
	pos     orb.Point
	chunk   uint32
	off     uint32
	n       [7]uint16 // lengths of PublicID, ReplacedByID, ReplacedByKey, AddressCode, FullText, Pinyin, Links
	word    [4]uint32 // PlateStatus, KeyID, Lifecycle, DivisionCode (a national list has 620,000 villages)
	street  int32     // -1: none
	dead    bool
}

const (
	recChunk = 4 << 20 // bytes of text per chunk
)

func newRecStore() *recStore {
	st := &recStore{seed: maphash.MakeSeed()}
	st.reset()
	return st
}

func (st *recStore) reset() {
	st.idx, st.slots, st.chunks, st.dead = map[uint64]int32{}, nil, nil, 0
	st.words, st.wordIdx, st.streets, st.streetIdx = nil, map[string]uint32{}, nil, map[int64]int32{}
}

func (st *recStore) len() int { return len(st.idx) }

// put stores r as version stamp. It reports false when it cannot (a text
// field over 64 KB, a hash already taken by another plate); such plates
// are read when scanned.
func (st *recStore) put(r *ScanRecord, stamp uint64) bool {
	texts := [7]string{r.PublicID, r.ReplacedByID, r.ReplacedByKey, r.AddressCode, r.FullText, r.Pinyin, r.Links}
	size := 0
	var sl recSlot
	for i, s := range texts {
		if len(s) > math.MaxUint16 {
			return false
		}
		sl.n[i] = uint16(len(s))
		size += len(s)
	}
	h := maphash.String(st.seed, r.PublicID)
	if i, ok := st.idx[h]; ok && st.publicID(&st.slots[i]) != r.PublicID {
		return false
	}
	for i, w := range [4]string{r.PlateStatus, r.KeyID, r.Lifecycle, r.DivisionCode} {
		sl.word[i] = st.word(w)
	}
	sl.stamp, sl.plateID, sl.pos, sl.street = stamp, r.PlateID, r.Position, st.street(r)
	if !r.LinksUntil.IsZero() {
		sl.until = r.LinksUntil.UnixNano()
	}
	if n := len(st.chunks); n == 0 || len(st.chunks[n-1])+size > cap(st.chunks[n-1]) {
		st.chunks = append(st.chunks, make([]byte, 0, max(recChunk, size)))
	}
	c := &st.chunks[len(st.chunks)-1]
	sl.chunk, sl.off = uint32(len(st.chunks)-1), uint32(len(*c))
	for _, s := range texts {
		*c = append(*c, s...)
	}
	if i, ok := st.idx[h]; ok { // the same plate again: the old slot is dead
		st.slots[i].dead = true
		st.dead++
	}
	st.idx[h] = int32(len(st.slots))
	st.slots = append(st.slots, sl)
	return true
}

func (st *recStore) word(w string) uint32 {
	if k, ok := st.wordIdx[w]; ok {
		return k
	}
	st.words = append(st.words, w)
	st.wordIdx[w] = uint32(len(st.words) - 1)
	return uint32(len(st.words) - 1)
}

// street returns the index of r's street line, shared by the plates of
// one street.
func (st *recStore) street(r *ScanRecord) int32 {
	if len(r.Street) == 0 {
		return -1
	}
	if i, ok := st.streetIdx[r.StreetID]; ok && r.StreetID != 0 {
		return i
	}
	st.streets = append(st.streets, r.Street)
	i := int32(len(st.streets) - 1)
	if r.StreetID != 0 {
		st.streetIdx[r.StreetID] = i
	}
	return i
}

func (st *recStore) text(sl *recSlot) []byte {
	end := int(sl.off)
	for _, n := range sl.n {
		end += int(n)
	}
	return st.chunks[sl.chunk][sl.off:end]
}

func (st *recStore) publicID(sl *recSlot) string { return string(st.text(sl)[:sl.n[0]]) }

func (st *recStore) find(pid string) (*recSlot, bool) {
	i, ok := st.idx[maphash.String(st.seed, pid)]
	if !ok {
		return nil, false
	}
	sl := &st.slots[i]
	if t := st.text(sl); string(t[:sl.n[0]]) != pid { // compared without a copy
		return nil, false
	}
	return sl, true
}

// get returns the record of pid and its stamp.
func (st *recStore) get(pid string) (*ScanRecord, uint64, bool) {
	sl, ok := st.find(pid)
	if !ok {
		return nil, 0, false
	}
	// One string for the rest of the text, cut into the fields.
	rest := string(st.text(sl)[sl.n[0]:])
	var f [6]string
	for i, n := range sl.n[1:] {
		f[i], rest = rest[:n], rest[n:]
	}
	r := &ScanRecord{PublicID: pid, PlateID: sl.plateID, ReplacedByID: f[0], ReplacedByKey: f[1], AddressCode: f[2],
		FullText: f[3], Pinyin: f[4], Links: f[5], Position: sl.pos, PlateStatus: st.words[sl.word[0]], KeyID: st.words[sl.word[1]],
		Lifecycle: st.words[sl.word[2]], DivisionCode: st.words[sl.word[3]]}
	if sl.street >= 0 {
		r.Street = st.streets[sl.street]
	}
	if sl.until != 0 {
		r.LinksUntil = time.Unix(0, sl.until)
	}
	return r, sl.stamp, true
}

// drop forgets pid.
func (st *recStore) drop(pid string) {
	if sl, ok := st.find(pid); ok {
		delete(st.idx, maphash.String(st.seed, pid))
		sl.dead = true
		st.dead++
	}
}

// dropAddress forgets the plates of an address.
func (st *recStore) dropAddress(code string) {
	for i := range st.slots {
		sl := &st.slots[i]
		if sl.dead {
			continue
		}
		t := st.text(sl)
		a := int(sl.n[0]) + int(sl.n[1]) + int(sl.n[2])
		if string(t[a:a+int(sl.n[3])]) == code {
			st.drop(st.publicID(sl))
		}
	}
}

// wasteful reports whether dropped slots hold a quarter of the store: a
// fresh preload then reclaims them.
func (st *recStore) wasteful() bool { return len(st.slots) > 1000 && 4*st.dead > len(st.slots) }
