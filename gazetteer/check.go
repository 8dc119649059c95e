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
			Message: "地名由专名和通名两部分组成（地名管理条例第九条），请给出通名"})
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
			Message: fmt.Sprintf("含生僻字“%s”：地名应使用国家通用语言文字，避免使用生僻字（地名管理条例第九条）", strings.Join(rare, ""))})
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
// sound within the scope the database's naming_scope decides (the one
// place of that rule; the guard of every write asks it too).
func (s *Service) clashes(ctx context.Context, p Place, renameOf *int64) (Findings, error) {
	var exclude int64
	if renameOf != nil {
		exclude = *renameOf
	}
	c, err := s.store.FindClashes(ctx, p, exclude)
	if err != nil {
		return nil, err
	}
	var same, sound []PlaceRef
	for _, r := range c.Places {
		if r.Name == p.Name {
			same = append(same, r)
		} else {
			sound = append(sound, r)
		}
	}
	where := c.Text()
	var fs Findings
	if len(same) > 0 {
		fs = append(fs, Finding{Rule: RuleSameName, Severity: Block, Conflicts: same,
			Message: fmt.Sprintf("“%s”%s已是%s的名称，不应重名（地名管理条例第九条）", p.Name, where, refList(same))})
	}
	if len(sound) > 0 {
		fs = append(fs, Finding{Rule: RuleSameSound, Severity: Block, Conflicts: sound,
			Message: fmt.Sprintf("“%s”（%s）%s与%s同音，不应同音（地名管理条例第九条）", p.Name, p.Romanization.Sound, where, refList(sound))})
	}
	return fs, nil
}

// Clashes are the current names a proposal clashes with, and the scope
// that was searched.
type Clashes struct {
	Places    []PlaceRef
	Scope     Scope
	Source    string   // the rule that set the scope
	Prefixes  []string // division-code prefixes of the scope ("" is nationwide)
	ScopeText string   // the scope in Chinese, as the database's guard says it: 建成区（330602）
}

// Text describes the scope in Chinese: "在县（330602）范围内（依据：…）".
func (c Clashes) Text() string {
	return "在" + c.ScopeText + "范围内（依据：" + c.Source + "）"
}

func refList(rs []PlaceRef) string {
	var b []string
	for i, r := range rs {
		if i == 5 {
			b = append(b, fmt.Sprintf("等 %d 处", len(rs)))
			break
		}
		b = append(b, fmt.Sprintf("%s（%s，#%d）", r.Name, r.DivisionCode, r.ID))
	}
	return strings.Join(b, "、")
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
				Message: fmt.Sprintf("“%s”列入%s（%s），更名前须先记录保护措施（地名管理条例第二十五条）", h.Name, h.ListName, h.Category)}}, nil
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
			msg += "——如仍要继续，请在 overrides 中写明理由"
		}
		fields[f.Rule] = msg
	}
	return &diming.Error{Op: op, Kind: diming.Invalid, Msg: "地名不符合命名规则：" + b.Summary(), Fields: fields}
}
