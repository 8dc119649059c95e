package gazetteer

import (
	"context"
	"strings"
	"time"

	"github.com/diming/diming"
)

// HeritageLevel is the level of the body that lists a name.
type HeritageLevel string

// The levels of the protection lists.
const (
	LevelNational   HeritageLevel = "national"
	LevelProvincial HeritageLevel = "provincial"
	LevelCity       HeritageLevel = "city"
	LevelCounty     HeritageLevel = "county"
)

// HeritageEntry is an entry of a place-name heritage protection list
// (地名文化遗产保护名录), linked to its place name when one is known.
type HeritageEntry struct {
	ID                 int64
	PlaceID            *int64
	Name               string
	ListName           string
	Category           string // 千年古县, 千年古镇, 千年古村落, …
	Level              HeritageLevel
	Issuer             string
	Batch              int
	Announced          *time.Time
	Province           string
	City               string
	County             string
	DivisionCode       string
	Evidence           string // evidence for the criteria
	ProtectionMeasures string
	Completeness       string // how complete the source list is
	SourceURL          string
	Shortlist          bool // a shortlist (入围), not a recognition
}

// Protected reports whether the entry protects its name: listed, not
// merely shortlisted.
func (h HeritageEntry) Protected() bool { return !h.Shortlist }

// levelNames are the Chinese names of the levels.
var levelNames = map[HeritageLevel]string{LevelNational: "国家级", LevelProvincial: "省级", LevelCity: "市级", LevelCounty: "县级"}

// Name is the level's Chinese name; "" for an unknown level.
func (l HeritageLevel) Name() string { return levelNames[l] }

// Valid reports whether l is one of the four levels.
func (l HeritageLevel) Valid() bool { return levelNames[l] != "" }

// criteria are the listing criteria of the categories (DOMAIN.md §3.6).
var criteria = map[string]string{
	"千年古县":  "县的建置已有一千年以上，县的专名使用一千年以上（中间短暂中断后恢复的亦可）；评审涉及县情概况、建置沿革，以及历史、地理、语言和地方文化。",
	"千年古城":  "城的建置和城名沿用一千年以上，历史文化内涵丰富。",
	"千年古镇":  "镇区形成已有一千年以上，现为建制镇；镇名使用一千年以上；文化内涵丰富；古建筑和传统风貌保存较好；历史上曾是一定区域的中心。",
	"千年古村落": "村落形成已有一千年以上，村名使用一千年以上，传统格局保存较好。",
}

// HeritageCriteria returns the listing criteria of a category ("" when
// none are recorded). A category named after one of the known ones
// (千年古村地名文化遗产) takes its criteria.
func HeritageCriteria(category string) string {
	if c, ok := criteria[category]; ok {
		return c
	}
	for _, k := range []string{"千年古村落", "千年古县", "千年古镇", "千年古城"} {
		if strings.HasPrefix(category, strings.TrimSuffix(k, "落")) {
			return criteria[k]
		}
	}
	return ""
}

// HeritageFilter selects heritage entries; zero fields select all.
type HeritageFilter struct {
	ListName     string
	Batch        int
	Level        HeritageLevel
	Category     string
	DivisionCode string // entries within this division (by code prefix)
	Limit        int
	Offset       int
}

// MaxHeritageLimit caps one page of the heritage list.
const MaxHeritageLimit = 200

// Valid checks f and returns it with its defaults (50 a page); Invalid
// naming each bad field.
func (f HeritageFilter) Valid() (HeritageFilter, error) {
	p := map[string]string{}
	if f.Level != "" && !f.Level.Valid() {
		p["level"] = "应为 national（国家级）、provincial（省级）、city（市级）或 county（县级）"
	}
	if f.Batch < 0 {
		p["batch"] = "批次应为正整数"
	}
	if f.Limit < 0 || f.Limit > MaxHeritageLimit {
		p["limit"] = "每页 1–200 条"
	}
	if f.Offset < 0 {
		p["offset"] = "不能为负数"
	}
	if f.DivisionCode != "" && !diming.IsDivisionCode(f.DivisionCode) {
		p["division"] = "应为 6、9 或 12 位区划代码"
	}
	if len(p) > 0 {
		return f, diming.E("gazetteer.HeritageFilter", diming.Invalid, "名录筛选条件有误，请按提示修改", p)
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	return f, nil
}

// HeritagePage is one page of the heritage list with what it can be
// filtered by.
type HeritagePage struct {
	Entries []HeritageEntry
	Total   int
	Batches []HeritageBatch
}

// HeritageBatch is one published batch of one list, with its categories.
type HeritageBatch struct {
	ListName   string
	Level      HeritageLevel
	Issuer     string
	Batch      int
	Announced  *time.Time
	Shortlist  bool
	Count      int
	Categories []string
}

// Heritage returns a page of the heritage protection lists and their
// batches. Public; Invalid for a bad filter.
func (s *Service) Heritage(ctx context.Context, f HeritageFilter) (HeritagePage, error) {
	f, err := f.Valid()
	if err != nil {
		return HeritagePage{}, err
	}
	var page HeritagePage
	if page.Entries, page.Total, err = s.store.FindHeritage(ctx, f); err != nil {
		return page, err
	}
	page.Batches, err = s.store.FindHeritageBatches(ctx)
	return page, err
}

// HeritageEntry returns one entry of the lists. Public; NotFound.
func (s *Service) HeritageEntry(ctx context.Context, id int64) (HeritageEntry, error) {
	return s.store.FindHeritageEntry(ctx, id)
}
