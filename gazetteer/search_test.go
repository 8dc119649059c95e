package gazetteer_test

import (
	"context"
	"testing"

	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/romanize"
	"github.com/paulmach/orb"
)

// searchStore answers the searches from fixed lists and records the
// queries it was asked.
type searchStore struct {
	gazetteer.Store
	prefix, old []gazetteer.Hit
	asked       []string
	oldAsked    []string
}

func (s *searchStore) Autocomplete(_ context.Context, q, _ string, _ int) ([]gazetteer.Hit, error) {
	s.asked = append(s.asked, q)
	return append([]gazetteer.Hit(nil), s.prefix...), nil
}

func (s *searchStore) FindOldNames(_ context.Context, q string, _ bool, _ int) ([]gazetteer.Hit, error) {
	s.oldAsked = append(s.oldAsked, q)
	return append([]gazetteer.Hit(nil), s.old...), nil
}

// FindReadings: no place-name readings added by admins.
func (s *searchStore) FindReadings(context.Context) ([]romanize.Reading, error) { return nil, nil }

func (s *searchStore) LocatePlaces(_ context.Context, ids []int64) (map[int64]gazetteer.Locus, error) {
	out := map[int64]gazetteer.Locus{}
	for _, id := range ids {
		out[id] = gazetteer.Locus{Point: &orb.Point{float64(id), 0}}
	}
	return out, nil
}

func TestAutocompleteOldNamesAndTraditional(t *testing.T) {
	shaoxing := gazetteer.Hit{PlaceRef: gazetteer.PlaceRef{ID: 1, Name: "绍兴市"}, Match: "fuzzy"}
	keqiao := gazetteer.Hit{PlaceRef: gazetteer.PlaceRef{ID: 2, Name: "柯桥区"}, Match: "old_name", Old: &gazetteer.OldName{Code: "330621", Name: "绍兴县"}}
	oldTown := gazetteer.Hit{PlaceRef: gazetteer.PlaceRef{ID: 3, Name: "某镇"}, Match: "old_name", Old: &gazetteer.OldName{Code: "330621100", Name: "绍兴县城关镇"}}
	st := &searchStore{prefix: []gazetteer.Hit{shaoxing}, old: []gazetteer.Hit{oldTown, keqiao}}
	svc := gazetteer.NewService(st, nil)

	hits, err := svc.Autocomplete(t.Context(), " 紹興縣 ", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.asked) != 1 || st.asked[0] != "绍兴县" || st.oldAsked[0] != "绍兴县" {
		t.Errorf("store asked %v and %v, want the simplified query 绍兴县", st.asked, st.oldAsked)
	}
	var got []string
	for _, h := range hits {
		got = append(got, h.Name)
		if h.Locus.Point == nil || h.Locus.Point[0] != float64(h.Target()) {
			t.Errorf("%s has locus %+v, want its own", h.Name, h.Locus)
		}
	}
	want := []string{"柯桥区", "绍兴市", "某镇"} // the exact old name first, other old names last
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("Autocomplete(紹興縣) = %v, want %v", got, want)
	}

	st.oldAsked = nil
	if _, err := svc.Autocomplete(t.Context(), "sx", 10); err != nil || len(st.oldAsked) != 0 {
		t.Errorf("latin query asked old names %v (%v); old names are kept in characters only", st.oldAsked, err)
	}
}
