package gazetteer

import (
	"context"
	"time"

	"github.com/diming/diming"
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
	// FindClashes returns current names of category c within the
	// division-code prefixes that have the same name or the same toneless
	// sound, leaving out the place exclude.
	FindClashes(ctx context.Context, c Category, name, sound string, prefixes []string, exclude int64) ([]PlaceRef, error)
	FindWords(ctx context.Context) ([]Word, error)
	SaveWord(ctx context.Context, w Word) (Word, error)
	FindScopeRules(ctx context.Context) ([]ScopeRule, error)
	SaveScopeRule(ctx context.Context, r ScopeRule) (ScopeRule, error)
	// FindBuiltup returns the prefixes of the built-up area that division
	// code lies in, or nil.
	FindBuiltup(ctx context.Context, code string) ([]string, error)
	FindHeritageByPlace(ctx context.Context, placeID int64) ([]HeritageEntry, error)

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
}

// NewService returns a Service on store. now may be nil (time.Now).
func NewService(store Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, now: now}
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
	p, err := np.Build()
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
		return Place{}, diming.E("gazetteer.UpdatePlace", diming.Invalid, "historical names are kept as they were")
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
		if p.Romanization, err = Romanize(p.Specific, p.Generic, p.Readings, p.Joined()); err != nil {
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
		return nil, diming.E("gazetteer.Search", diming.Invalid, "category is 1–8", map[string]string{"category": "1–8"})
	}
	if f.Near != nil && (f.Near.Lon < -180 || f.Near.Lon > 180 || f.Near.Lat < -90 || f.Near.Lat > 90 || f.Near.Radius <= 0 || f.Near.Radius > 100000) {
		return nil, diming.E("gazetteer.Search", diming.Invalid, "near needs lon, lat and a radius of up to 100 km",
			map[string]string{"near": "lon,lat,radius (metres, ≤100000)"})
	}
	if f.Query == "" && f.Near == nil && f.DivisionCode == "" {
		return nil, diming.E("gazetteer.Search", diming.Invalid, "give a query, a division or a point", map[string]string{"q": "required"})
	}
	f.Key = QueryKey(f.Query)
	return s.store.SearchPlaces(ctx, f)
}

// Autocomplete returns up to limit names starting with q (characters,
// pinyin or initials), falling back to typo-tolerant matches. Public.
func (s *Service) Autocomplete(ctx context.Context, q string, limit int) ([]Hit, error) {
	q = NormalizeQuery(q)
	if q == "" {
		return nil, nil
	}
	if limit <= 0 || limit > 20 {
		limit = 10
	}
	return s.store.Autocomplete(ctx, q, QueryKey(q), limit)
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
		return Word{}, diming.E("gazetteer.SaveWord", diming.Invalid, "some fields need fixing", p)
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
		return ScopeRule{}, diming.E("gazetteer.SaveScopeRule", diming.Invalid, "some fields need fixing",
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
