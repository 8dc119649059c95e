package gazetteer

import (
	"context"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/romanize"
)

// Store is what the gazetteer needs from storage. The data package
// implements it; tests use fakes.
type Store interface {
	CreatePlace(ctx context.Context, p Place) (Place, error)
	FindPlaceByID(ctx context.Context, id int64) (Place, error)
	UpdatePlace(ctx context.Context, p Place) (Place, error)
	SearchPlaces(ctx context.Context, f Filter) ([]Hit, error)
	// Autocomplete finds names starting with q; key is the toneless pinyin
	// of a query in characters ("" for latin queries), for same-sound typos.
	Autocomplete(ctx context.Context, q, key string, limit int) ([]Hit, error)
	// FindClashes returns the current names of p's category that have
	// p's name or toneless sound within the scope the rule gives p, leaving
	// out the place exclude.
	FindClashes(ctx context.Context, p Place, exclude int64) (Clashes, error)
	// FindClashPairs returns the current names within the division-code
	// prefix paired with each name they clash with inside its scope.
	FindClashPairs(ctx context.Context, prefix string) ([]ClashPair, error)
	// FindOldNames returns, for former division names equal to q (or
	// starting with it when prefix), the current name of the division each
	// leads to today, following the successors recorded for retired codes.
	FindOldNames(ctx context.Context, q string, prefix bool, limit int) ([]Hit, error)
	// LocatePlaces returns the locus of each of the places ids.
	LocatePlaces(ctx context.Context, ids []int64) (map[int64]Locus, error)
	FindWords(ctx context.Context) ([]Word, error)
	SaveWord(ctx context.Context, w Word) (Word, error)
	FindScopeRules(ctx context.Context) ([]ScopeRule, error)
	SaveScopeRule(ctx context.Context, r ScopeRule) (ScopeRule, error)
	FindHeritageByPlace(ctx context.Context, placeID int64) ([]HeritageEntry, error)
	// FindReadings returns the admins' place-name readings.
	FindReadings(ctx context.Context) ([]romanize.Reading, error)
	// SaveReading records an admin's reading and re-spells, in the same
	// transaction, every stored name and address the word occurs in.
	SaveReading(ctx context.Context, r romanize.Reading) (Respelling, error)
	// FindHeritage returns a page of heritage entries and how many match.
	FindHeritage(ctx context.Context, f HeritageFilter) ([]HeritageEntry, int, error)
	FindHeritageEntry(ctx context.Context, id int64) (HeritageEntry, error)
	// FindHeritageBatches lists every batch of every list with its size.
	FindHeritageBatches(ctx context.Context) ([]HeritageBatch, error)

	CreateApplication(ctx context.Context, a Application) (Application, error)
	FindApplication(ctx context.Context, id int64) (Application, error)
	FindApplications(ctx context.Context, scope string, state State) ([]Application, error)
	UpdateApplication(ctx context.Context, a Application) (Application, error)
	// AddReport stores a report with its file, if any, in one transaction.
	AddReport(ctx context.Context, r Report) (Report, error)
	// FindReportFile returns a report's file with its content and the
	// application the report belongs to. NotFound.
	FindReportFile(ctx context.Context, reportID int64) (ReportFile, int64, error)
	// Transition moves a to ev.To with a's other changes, checking a's
	// version, and applies eff in the same transaction.
	Transition(ctx context.Context, a Application, ev Event, eff Effect) (Application, error)
	FindOverdue(ctx context.Context, scope string, today time.Time) ([]Overdue, error)
	FindAnnouncements(ctx context.Context, limit int) ([]Announcement, error)
	FindAnnouncement(ctx context.Context, id int64) (Announcement, error)
}

// Effect is what a transition changes beyond the application.
type Effect struct {
	// Place is the standard name to record; when Place.Supersedes is set
	// the old name becomes historical (a rename never overwrites).
	Place *Place
	// Announce publishes the announcement.
	Announce *Announcement
}

// Service holds the gazetteer's rules: romanization, rule checks, the
// naming workflow with its roles and deadlines, and search.
type Service struct {
	store Store
	now   func() time.Time
	lex   *romanize.Loader
}

// NewService returns a Service on store. now may be nil (time.Now).
func NewService(store Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, now: now, lex: romanize.NewLoader(store)}
}

func (s *Service) today() time.Time {
	t := s.now()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// FindPlace returns a place with its heritage entries and, for a
// historical name, the current one. NotFound when there is none.
func (s *Service) FindPlace(ctx context.Context, id int64) (Place, error) {
	p, err := s.store.FindPlaceByID(ctx, id)
	if err != nil {
		return Place{}, err
	}
	p.Heritage, err = s.store.FindHeritageByPlace(ctx, id)
	return p, err
}

// CreatePlace records an existing standard name directly (for example
// from the census), without the workflow. It needs the admin role in the
// place's division; Invalid for bad fields, Conflict for duplicates.
func (s *Service) CreatePlace(ctx context.Context, np NewPlace) (Place, error) {
	z, err := s.lex.Fresh(ctx)
	if err != nil {
		return Place{}, err
	}
	p, err := np.Build(z)
	if err != nil {
		return Place{}, err
	}
	if err := diming.Authorize(diming.UserFrom(ctx), diming.RoleAdmin, p.DivisionCode); err != nil {
		return Place{}, err
	}
	return s.store.CreatePlace(ctx, p)
}

// UpdatePlace changes descriptive fields and readings; the name itself
// changes only through a rename application. Needs the committee role.
func (s *Service) UpdatePlace(ctx context.Context, id int64, up PlaceUpdate) (Place, error) {
	p, err := s.store.FindPlaceByID(ctx, id)
	if err != nil {
		return Place{}, err
	}
	if err := diming.Authorize(diming.UserFrom(ctx), diming.RoleCommittee, p.DivisionCode); err != nil {
		return Place{}, err
	}
	if p.Status == Historical {
		return Place{}, diming.E("gazetteer.UpdatePlace", diming.Invalid, "历史地名保持原样，不能修改")
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.Meaning, up.Meaning)
	set(&p.Origin, up.Origin)
	set(&p.History, up.History)
	set(&p.Description, up.Description)
	if up.Geometry != nil {
		p.Geometry = up.Geometry
	}
	if up.Readings != nil {
		p.Readings = *up.Readings
		z, err := s.lex.Fresh(ctx)
		if err != nil {
			return Place{}, err
		}
		if p.Romanization, err = z.Name(p.romanizeName()); err != nil {
			return Place{}, err
		}
		p.Unread = nil
	}
	p.Version = up.Version
	return s.store.UpdatePlace(ctx, p)
}

// Search finds names by characters, pinyin or initials with typo
// tolerance, filtered by category, division and distance. Public.
func (s *Service) Search(ctx context.Context, f Filter) ([]Hit, error) {
	f = f.Normalize()
	if f.Category != 0 && !f.Category.Valid() {
		return nil, diming.E("gazetteer.Search", diming.Invalid, "地名类别应为 1–8", map[string]string{"category": "应为 1–8 之间的类别编号"})
	}
	if f.Near != nil && (f.Near.Lon < -180 || f.Near.Lon > 180 || f.Near.Lat < -90 || f.Near.Lat > 90 || f.Near.Radius <= 0 || f.Near.Radius > 100000) {
		return nil, diming.E("gazetteer.Search", diming.Invalid, "附近搜索需要经度、纬度和不超过 100 公里的半径",
			map[string]string{"near": "应为“经度,纬度,半径（米，≤100000）”"})
	}
	if f.Query == "" && f.Near == nil && f.DivisionCode == "" {
		return nil, diming.E("gazetteer.Search", diming.Invalid, "请输入要搜索的地名，或给出区划、位置", map[string]string{"q": "请输入地名"})
	}
	z, err := s.lex.Recent(ctx)
	if err != nil {
		return nil, err
	}
	f.Key = QueryKey(z, f.Query)
	hits, err := s.store.SearchPlaces(ctx, f)
	if err != nil {
		return nil, err
	}
	if f.Offset == 0 && f.DivisionCode == "" && f.Near == nil && (f.Category == 0 || f.Category == Division) {
		if hits, err = s.withOldNames(ctx, f.Query, hits, f.Limit); err != nil {
			return nil, err
		}
	}
	return hits, s.locate(ctx, hits)
}

// MaxSuggestions bounds one autocomplete answer.
const MaxSuggestions = 20

// Autocomplete returns up to limit names starting with q (characters,
// pinyin or initials), falling back to typo-tolerant matches. Public.
// limit is at most MaxSuggestions (10 when not given).
func (s *Service) Autocomplete(ctx context.Context, q string, limit int) ([]Hit, error) {
	q = NormalizeQuery(q)
	if q == "" {
		return nil, nil
	}
	if limit <= 0 || limit > MaxSuggestions {
		limit = 10
	}
	z, err := s.lex.Recent(ctx)
	if err != nil {
		return nil, err
	}
	hits, err := s.store.Autocomplete(ctx, q, QueryKey(z, q), limit)
	if err != nil {
		return nil, err
	}
	if hits, err = s.withOldNames(ctx, q, hits, limit); err != nil {
		return nil, err
	}
	return hits, s.locate(ctx, hits)
}

// Words returns the word lists. Admins only.
func (s *Service) Words(ctx context.Context) ([]Word, error) {
	if err := diming.Authorize(diming.UserFrom(ctx), diming.RoleAdmin, ""); err != nil {
		return nil, err
	}
	return s.store.FindWords(ctx)
}

// SaveWord adds (ID 0) or changes a word list entry. National admins only,
// because the lists apply everywhere. Invalid, Conflict.
func (s *Service) SaveWord(ctx context.Context, w Word) (Word, error) {
	if err := diming.Authorize(diming.UserFrom(ctx), diming.RoleAdmin, ""); err != nil {
		return Word{}, err
	}
	if w.Severity == "" {
		w.Severity = WordLists[w.List]
	}
	if p := w.Validate(); len(p) > 0 {
		return Word{}, diming.E("gazetteer.SaveWord", diming.Invalid, "有字段需要修改", p)
	}
	return s.store.SaveWord(ctx, w)
}

// ScopeRules returns the uniqueness scopes. Public: they are the law.
func (s *Service) ScopeRules(ctx context.Context) ([]ScopeRule, error) {
	return s.store.FindScopeRules(ctx)
}

// SaveScopeRule adds or changes a uniqueness scope (local rules may be
// stricter than the national one). National admins only.
func (s *Service) SaveScopeRule(ctx context.Context, r ScopeRule) (ScopeRule, error) {
	if err := diming.Authorize(diming.UserFrom(ctx), diming.RoleAdmin, ""); err != nil {
		return ScopeRule{}, err
	}
	if !r.Category.Valid() || !ValidScope(r.Scope) {
		return ScopeRule{}, diming.E("gazetteer.SaveScopeRule", diming.Invalid, "有字段需要修改",
			map[string]string{"scope": "category 1–8 and one of national, province, city, builtup, county, town"})
	}
	return s.store.SaveScopeRule(ctx, r)
}

// Announcements returns the latest published announcements. Public.
func (s *Service) Announcements(ctx context.Context, limit int) ([]Announcement, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return s.store.FindAnnouncements(ctx, limit)
}

// Announcement returns one announcement. Public; NotFound.
func (s *Service) Announcement(ctx context.Context, id int64) (Announcement, error) {
	return s.store.FindAnnouncement(ctx, id)
}

// Respelling says what a re-romanization of stored names changed.
type Respelling struct {
	Fingerprint string   // the shipped readings the run applied (romanize.Fingerprint)
	Places      int      // place names read
	Changed     int      // place names whose spelling changed
	Streets     int      // streets whose pinyin changed
	Addresses   int      // addresses whose pinyin changed
	Examples    []string // the first changes, "name: old → new"
}

// Readings returns the shipped, reviewed readings and the admins' own.
func (s *Service) Readings(ctx context.Context) (shipped, local []romanize.Reading, err error) {
	local, err = s.store.FindReadings(ctx)
	return romanize.Table(), local, err
}

// SaveReading records how a word reads in place names, with its source,
// and re-spells the stored names and addresses it occurs in. Admins only;
// Invalid for a malformed reading.
func (s *Service) SaveReading(ctx context.Context, r romanize.Reading) (Respelling, error) {
	if err := diming.Authorize(diming.UserFrom(ctx), diming.RoleAdmin, ""); err != nil {
		return Respelling{}, err
	}
	if _, err := r.Syllables(); err != nil {
		return Respelling{}, err
	}
	rep, err := s.store.SaveReading(ctx, r)
	if err == nil {
		_, err = s.lex.Fresh(ctx)
	}
	return rep, err
}
