package gazetteer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/diming/diming"
)

// ClashPair is two current names that clash within the legal scope of the
// first (不规范地名清理整治: 重名、同音).
type ClashPair struct {
	A, B      PlaceRef
	Sound     string // the toneless sound of A
	Scope     Scope
	Source    string
	Prefixes  []string
	ScopeText string // in Chinese
}

// DuplicateGroup is a set of current names that clash with one another
// within their legal scope: the same name, or the same sound.
type DuplicateGroup struct {
	Kind      string // RuleSameName or RuleSameSound
	Category  Category
	Sound     string
	Scope     Scope
	Source    string
	Prefixes  []string
	ScopeText string // in Chinese
	Places    []PlaceRef
}

// Reason says in Chinese why the group is listed.
func (g DuplicateGroup) Reason() string {
	what := "重名"
	if g.Kind == RuleSameSound {
		what = "同音（" + g.Sound + "）"
	}
	return fmt.Sprintf("%d 个现行地名%s%s", len(g.Places), Clashes{Scope: g.Scope, Source: g.Source, Prefixes: g.Prefixes, ScopeText: g.ScopeText}.Text(), what)
}

// DuplicateReport lists the clashing names of a division.
type DuplicateReport struct {
	Division string
	Groups   []DuplicateGroup
	Names    int // names in the groups
}

// Duplicates reports the current names within division that clash with
// others inside their legal scope, grouped. It needs the committee role
// in the division; Invalid for a bad code.
func (s *Service) Duplicates(ctx context.Context, division string) (DuplicateReport, error) {
	const op = "gazetteer.Duplicates"
	if !validDivisionCode(division) {
		return DuplicateReport{}, diming.E(op, diming.Invalid, "行政区划代码应为 6、9 或 12 位数字",
			map[string]string{"division": "行政区划代码应为 6、9 或 12 位数字"})
	}
	if err := diming.Authorize(diming.UserFrom(ctx), diming.RoleCommittee, division); err != nil {
		return DuplicateReport{}, err
	}
	pairs, err := s.store.FindClashPairs(ctx, diming.CodePrefix(division))
	if err != nil {
		return DuplicateReport{}, err
	}
	rep := DuplicateReport{Division: division, Groups: GroupClashes(pairs)}
	for _, g := range rep.Groups {
		rep.Names += len(g.Places)
	}
	return rep, nil
}

// GroupClashes joins pairs that share a name into groups (a name clashing
// with two others makes one group of three), each group's places ordered
// by id, groups by their first place.
func GroupClashes(pairs []ClashPair) []DuplicateGroup {
	parent := map[int64]int64{}
	var find func(int64) int64
	find = func(x int64) int64 {
		if p, ok := parent[x]; ok && p != x {
			parent[x] = find(p)
			return parent[x]
		}
		parent[x] = x
		return x
	}
	refs := map[int64]PlaceRef{}
	first := map[int64]ClashPair{}
	for _, p := range pairs {
		refs[p.A.ID], refs[p.B.ID] = p.A, p.B
		ra, rb := find(p.A.ID), find(p.B.ID)
		if ra != rb {
			parent[max(ra, rb)] = min(ra, rb)
		}
	}
	for _, p := range pairs {
		r := find(p.A.ID)
		if _, ok := first[r]; !ok {
			first[r] = p
		}
	}
	members := map[int64][]PlaceRef{}
	for id, ref := range refs {
		r := find(id)
		members[r] = append(members[r], ref)
	}
	var out []DuplicateGroup
	for r, ms := range members {
		slices.SortFunc(ms, func(a, b PlaceRef) int { return int(a.ID - b.ID) })
		p := first[r]
		g := DuplicateGroup{Kind: RuleSameName, Category: p.A.Category, Sound: p.Sound, Scope: p.Scope, Source: p.Source,
			Prefixes: p.Prefixes, ScopeText: p.ScopeText, Places: ms}
		for _, m := range ms {
			if m.Name != ms[0].Name {
				g.Kind = RuleSameSound
			}
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b DuplicateGroup) int { return int(a.Places[0].ID - b.Places[0].ID) })
	return out
}

// Standardize starts the renaming of a clashing name through the normal
// naming workflow (a rename application, which on approval keeps the old
// name as historical, linked both ways to the new one). It needs the
// committee role; Invalid when the place is not current or the new name
// cannot be read.
func (s *Service) Standardize(ctx context.Context, placeID int64, name, reasons string) (Application, error) {
	old, err := s.store.FindPlaceByID(ctx, placeID)
	if err != nil {
		return Application{}, err
	}
	reasons = strings.TrimSpace(reasons)
	if reasons == "" {
		reasons = "重名、同音地名"
	}
	return s.CreateApplication(ctx, NewApplication{RenameOf: &old.ID, Name: name, Category: old.Category,
		Subcategory: old.Subcategory, DivisionCode: old.DivisionCode, Reasons: "不规范地名清理整治：" + reasons,
		Location: old.Description, Meaning: old.Meaning, Origin: old.Origin})
}
