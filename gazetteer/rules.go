package gazetteer

import (
	"fmt"
	"strings"
	"unicode"
)

// Severity says whether a finding stops a proposal or only needs a
// recorded reason to go on.
type Severity string

// The two severities.
const (
	Block Severity = "block" // may not proceed
	Warn  Severity = "warn"  // may proceed with a recorded override reason
)

// Rule names, as they appear in findings and override maps.
const (
	RuleSameName       = "same_name"       // rule 9
	RuleSameSound      = "same_sound"      // rule 9
	RuleStateLeader    = "state_leader"    // rule 6
	RulePersonalName   = "personal_name"   // rule 5
	RuleForeignName    = "foreign_name"    // rule 7
	RuleCompanyName    = "company_name"    // rule 8
	RuleGrandiose      = "grandiose"       // 大、洋、怪、重 names of the clean-up campaigns
	RuleRareChar       = "rare_char"       // rule 4
	RuleMissingGeneric = "missing_generic" // rule 1
	RuleHeritageRename = "heritage_rename" // rule 12, Art. 25
	RuleRestricted     = "restricted_word" // local rules: 中国、中华、全国、国际 …
)

// WordLists are the lists a word can belong to; admins edit their entries.
var WordLists = map[string]Severity{
	RuleStateLeader: Block, RulePersonalName: Warn, RuleForeignName: Warn, RuleCompanyName: Warn, RuleGrandiose: Warn, RuleRareChar: Warn,
	RuleRestricted: Warn,
}

// Word is an entry of an admin-edited word list.
type Word struct {
	ID       int64
	List     string // one of WordLists
	Word     string
	Severity Severity
	Note     string
	Source   string // the law, notice or local rule the entry rests on
	Active   bool
	Version  int
}

// Validate checks a word list entry; it returns Invalid.
func (w Word) Validate() map[string]string {
	p := map[string]string{}
	if _, ok := WordLists[w.List]; !ok {
		p["list"] = "应为 state_leader、personal_name、foreign_name、company_name、grandiose、rare_char、restricted_word 之一"
	}
	if strings.TrimSpace(w.Word) == "" {
		p["word"] = "必填：词语"
	}
	if w.Severity != Block && w.Severity != Warn {
		p["severity"] = "应为 block（禁止）或 warn（提示，可说明理由后继续）"
	}
	return p
}

// Finding is the result of one rule on one proposal: which rule, how
// serious, and why, with the names it clashes with.
type Finding struct {
	Rule      string
	Severity  Severity
	Message   string
	Conflicts []PlaceRef
	// Overridden carries the recorded reason when a warning was overridden.
	Overridden string
}

// Findings is the result of a check.
type Findings []Finding

// Blocking returns the findings that stop the proposal: blocks, and
// warnings with no recorded override reason.
func (fs Findings) Blocking() Findings {
	var out Findings
	for _, f := range fs {
		if f.Severity == Block || f.Overridden == "" {
			out = append(out, f)
		}
	}
	return out
}

// Summary is one line per finding, for error messages.
func (fs Findings) Summary() string {
	var b []string
	for _, f := range fs {
		b = append(b, fmt.Sprintf("[%s] %s", f.Rule, f.Message))
	}
	return strings.Join(b, "；")
}

// Scope is how far a name must be unique.
type Scope string

// The scopes, from the widest.
const (
	ScopeNational Scope = "national"
	ScopeProvince Scope = "province"
	ScopeCity     Scope = "city"
	ScopeCounty   Scope = "county"
	ScopeTown     Scope = "town"
	ScopeBuiltup  Scope = "builtup" // a configured built-up area (建成区)
)

var scopeWidth = map[Scope]int{ScopeNational: 0, ScopeProvince: 1, ScopeCity: 2, ScopeBuiltup: 3, ScopeCounty: 4, ScopeTown: 5}

// ValidScope reports whether s is a known scope.
func ValidScope(s Scope) bool { _, ok := scopeWidth[s]; return ok }

// ScopeRule says that names of a category (and subcategory, "" for all)
// are unique within Scope, under the cited Source. Several rules may
// apply; the strictest (widest) wins.
type ScopeRule struct {
	ID          int64
	Category    Category
	Subcategory string
	Scope       Scope
	Source      string
	Active      bool
	Version     int
}

// Applies reports whether r governs names of category c and subcategory sub.
func (r ScopeRule) Applies(c Category, sub string) bool {
	return r.Active && r.Category == c && (r.Subcategory == "" || r.Subcategory == sub)
}

// matchWords returns the findings for list words contained in name.
func matchWords(name string, words []Word) Findings {
	var out Findings
	for _, w := range words {
		if !w.Active || w.List == RuleRareChar || !strings.Contains(name, w.Word) {
			continue
		}
		out = append(out, Finding{Rule: w.List, Severity: w.Severity,
			Message: fmt.Sprintf("地名含“%s”，属于%s%s%s", w.Word, listNames[w.List], noteSuffix(w.Note), sourceSuffix(w.Source))})
	}
	return out
}

var listNames = map[string]string{
	RuleStateLeader: "国家领导人名字", RulePersonalName: "人名", RuleForeignName: "外国人名、地名",
	RuleCompanyName: "企业名称、商标", RuleGrandiose: "“大、洋、怪、重”地名用词", RuleRareChar: "生僻字",
	RuleRestricted: "本地限制使用的字样",
}

func noteSuffix(n string) string {
	if n == "" {
		return ""
	}
	return "（" + n + "）"
}

func sourceSuffix(s string) string {
	if s == "" {
		return ""
	}
	return "；依据：" + s
}

// rareChars returns the characters of name that are rare: listed as rare
// by an admin, or outside the basic CJK block (the extensions hold the
// characters 通用规范汉字表 leaves out).
func rareChars(name string, words []Word) []string {
	listed := map[string]bool{}
	for _, w := range words {
		if w.Active && w.List == RuleRareChar {
			listed[w.Word] = true
		}
	}
	var out []string
	for _, r := range name {
		basic := r >= 0x4E00 && r <= 0x9FA5
		if listed[string(r)] || (unicode.Is(unicode.Han, r) && !basic) {
			out = append(out, string(r))
		}
	}
	return out
}
