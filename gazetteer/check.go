package gazetteer

import (
	"context"
	"fmt"
	"strings"

	"github.com/diming/diming"
)

// Check runs every naming rule on an application's proposal and returns
// what each rule found and why. Recorded override reasons are attached to
// the warnings they cover. It returns Invalid only when the proposal
// cannot be read at all (no name, bad division, unknown reading).
func (s *Service) Check(ctx context.Context, a Application) (Findings, error) {
	p, err := s.Proposal(ctx, a)
	if err != nil {
		return nil, err
	}
	var fs Findings
	if p.Generic == "" {
		fs = append(fs, Finding{Rule: RuleMissingGeneric, Severity: Block,
			Message: "a name has a specific and a generic part (专名+通名, Art. 9); give the generic part"})
	}
	clash, err := s.clashes(ctx, p, a.RenameOf)
	if err != nil {
		return nil, err
	}
	fs = append(fs, clash...)
	words, err := s.store.FindWords(ctx)
	if err != nil {
		return nil, err
	}
	fs = append(fs, matchWords(p.Name, words)...)
	if rare := rareChars(p.Name, words); len(rare) > 0 {
		fs = append(fs, Finding{Rule: RuleRareChar, Severity: Warn,
			Message: fmt.Sprintf("rare characters %s: names use the common script and avoid rare characters (rule 4)", strings.Join(rare, ""))})
	}
	if a.RenameOf != nil {
		h, err := s.heritageFinding(ctx, *a.RenameOf, a.ProtectionMeasures)
		if err != nil {
			return nil, err
		}
		fs = append(fs, h...)
	}
	for i := range fs {
		if fs[i].Severity == Warn {
			fs[i].Overridden = strings.TrimSpace(a.Overrides[fs[i].Rule])
		}
	}
	return fs, nil
}

// clashes finds current names with the same name or the same toneless
// sound within the strictest scope that applies to the category.
func (s *Service) clashes(ctx context.Context, p Place, renameOf *int64) (Findings, error) {
	rules, err := s.store.FindScopeRules(ctx)
	if err != nil {
		return nil, err
	}
	scope, source := Strictest(rules, p.Category, p.Subcategory)
	var builtup []string
	if scope == ScopeBuiltup {
		if builtup, err = s.store.FindBuiltup(ctx, p.DivisionCode); err != nil {
			return nil, err
		}
	}
	prefixes := ScopePrefixes(scope, p.DivisionCode, builtup)
	var exclude int64
	if renameOf != nil {
		exclude = *renameOf
	}
	refs, err := s.store.FindClashes(ctx, p.Category, p.Name, p.Romanization.Sound, prefixes, exclude)
	if err != nil {
		return nil, err
	}
	where := scopeText(scope, prefixes, source)
	var same, sound []PlaceRef
	for _, r := range refs {
		if r.Name == p.Name {
			same = append(same, r)
		} else {
			sound = append(sound, r)
		}
	}
	var fs Findings
	if len(same) > 0 {
		fs = append(fs, Finding{Rule: RuleSameName, Severity: Block, Conflicts: same,
			Message: fmt.Sprintf("%s is already the name of %s %s (不应重名, rule 9)", p.Name, refList(same), where)})
	}
	if len(sound) > 0 {
		fs = append(fs, Finding{Rule: RuleSameSound, Severity: Block, Conflicts: sound,
			Message: fmt.Sprintf("%s sounds the same (%s) as %s %s (不应同音, rule 9)", p.Name, p.Romanization.Sound, refList(sound), where)})
	}
	return fs, nil
}

func refList(rs []PlaceRef) string {
	var b []string
	for i, r := range rs {
		if i == 5 {
			b = append(b, fmt.Sprintf("and %d more", len(rs)-5))
			break
		}
		b = append(b, fmt.Sprintf("%s (%s, #%d)", r.Name, r.DivisionCode, r.ID))
	}
	return strings.Join(b, ", ")
}

func scopeText(s Scope, prefixes []string, source string) string {
	if s == ScopeNational {
		return "nationwide (scope national, " + source + ")"
	}
	return fmt.Sprintf("within %s %s (scope %s, %s)", s, strings.Join(prefixes, ","), s, source)
}

// heritageFinding blocks renaming a protected name until protection
// measures are recorded (Art. 25).
func (s *Service) heritageFinding(ctx context.Context, placeID int64, measures string) (Findings, error) {
	hs, err := s.store.FindHeritageByPlace(ctx, placeID)
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		if h.Protected() && strings.TrimSpace(measures) == "" && strings.TrimSpace(h.ProtectionMeasures) == "" {
			return Findings{{Rule: RuleHeritageRename, Severity: Block,
				Message: fmt.Sprintf("%s is on the %s (%s); record protection measures before renaming it (Art. 25)", h.Name, h.ListName, h.Category)}}, nil
		}
	}
	return nil, nil
}

// checkErr refuses a transition with the findings that block it.
func checkErr(op string, fs Findings) error {
	b := fs.Blocking()
	if len(b) == 0 {
		return nil
	}
	fields := map[string]string{}
	for _, f := range b {
		msg := f.Message
		if f.Severity == Warn {
			msg += " — give a reason in overrides to go on"
		}
		fields[f.Rule] = msg
	}
	return &diming.Error{Op: op, Kind: diming.Invalid, Msg: "the name breaks naming rules: " + b.Summary(), Fields: fields}
}
