package doorplate

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/diming/diming"
	"github.com/diming/diming/romanize"
)

// Store is what the service needs from storage; data.DB implements it.
// Writes run in one transaction each and write their audit rows.
type Store interface {
	FindDivisionChain(ctx context.Context, code string) ([]Division, error)
	CreateStreet(ctx context.Context, s Street) (Street, error)
	FindStreetByID(ctx context.Context, id int64) (Street, error)
	CreateAddress(ctx context.Context, a Address) (Address, error)
	FindAddressByID(ctx context.Context, id int64) (Address, error)
	SetAddressLifecycle(ctx context.Context, id int64, lifecycle string, version int) (Address, error)
	// IssuePlates inserts the plates of one issue, all or nothing.
	IssuePlates(ctx context.Context, ps []NewPlate) ([]Plate, error)
	// FindUnplated lists the live addresses in scope without an active plate.
	FindUnplated(ctx context.Context, scope BatchScope) ([]int64, error)
	FindPlate(ctx context.Context, publicID string) (Plate, error)
	FindPlates(ctx context.Context, scope BatchScope) ([]Plate, error)
	RevokePlate(ctx context.Context, publicID, reason string) (Plate, error)
	ReplacePlate(ctx context.Context, publicID, reason string, next NewPlate) (Plate, error)
	FindScan(ctx context.Context, publicID string) (ScanRecord, error)
	// FindScanRecords returns up to limit scan records of plates with ids
	// above afterID, in id order (the cache's preload).
	FindScanRecords(ctx context.Context, afterID int64, limit int) ([]ScanRecord, error)
	// FindScanCommunity returns what scans show of a community; NotFound
	// when the code is not a division.
	FindScanCommunity(ctx context.Context, code string) (ScanCommunity, error)
	AddScanCounts(ctx context.Context, counts map[ScanKey]int64) error
	FindScanCounts(ctx context.Context, publicID string) (map[string]int64, error)
	CreateGrid(ctx context.Context, g Grid) (Grid, error)
	FindGridByID(ctx context.Context, id int64) (Grid, error)
	FindGrids(ctx context.Context, community string) ([]Grid, error)
	UpdateGrid(ctx context.Context, id int64, u GridUpdate) (Grid, error)
	PutCommunityInfo(ctx context.Context, ci CommunityInfo) (CommunityInfo, error)
	// FindCommunitySummaries lists up to limit villages/communities within
	// a division code with their counts; all of them, or (all false) only
	// those holding streets or addresses.
	FindCommunitySummaries(ctx context.Context, within string, all bool, limit int) ([]CommunitySummary, error)
	// FindStreetSummaries lists a community's streets with their counts.
	FindStreetSummaries(ctx context.Context, community string) ([]StreetSummary, error)
	FindCommunityInfo(ctx context.Context, code string) (CommunityInfo, error)
	// ListenChanges blocks until ctx ends or the connection fails, calling
	// ready once it listens and changed with every change notification's
	// payload ("plates:ID,...", "communities").
	ListenChanges(ctx context.Context, ready func(), changed func(payload string)) error
}

// Config is the service's deployment settings.
type Config struct {
	PublicURL   string      // scan URLs are PublicURL + "/d/" + code
	Keys        Keys        // signing key ring; Keys[0] signs
	PhonePolicy PhonePolicy // how personal numbers show; default mask
	// CacheEntries bounds the cache of plate records (default 20,000;
	// negative turns the plate and page caches off). Communities are
	// cached apart from it. The caches work only while RunCache runs.
	CacheEntries int
	// Preload reads every plate record into the cache when RunCache
	// starts listening (about 0.5 KB a plate), so scans of any plate cost
	// no query; CacheEntries then does not bound the records.
	Preload bool
}

// Service holds the doorplate rules: numbering, issuance, revocation,
// scans and the community data shown on them.
type Service struct {
	store   Store
	cfg     Config
	keys    Keys
	counter *counter
	cache   *scanCache
	lex     *romanize.Loader

	loading     atomic.Bool // a preload runs
	again       atomic.Bool // a preload is wanted
	preloaded   atomic.Int64
	preloadTook atomic.Int64
}

// NewService returns a service. It returns Invalid when the config has no
// signing key or an unknown phone policy.
func NewService(store Store, cfg Config) (*Service, error) {
	if len(cfg.Keys) == 0 {
		return nil, diming.E("doorplate.NewService", diming.Invalid, "no plate signing keys configured")
	}
	if cfg.PhonePolicy == "" {
		cfg.PhonePolicy = PhoneMask
	}
	if !ValidPhonePolicy(cfg.PhonePolicy) {
		return nil, diming.E("doorplate.NewService", diming.Invalid, "phone policy must be mask, hide or full")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	switch {
	case cfg.CacheEntries < 0:
		cfg.CacheEntries, cfg.Preload = -1, false
	case cfg.Preload:
		cfg.CacheEntries = 0
	case cfg.CacheEntries == 0:
		cfg.CacheEntries = 20_000
	}
	return &Service{store: store, cfg: cfg, keys: cfg.Keys, counter: newCounter(), cache: newScanCache(cfg.CacheEntries),
		lex: romanize.NewLoader(store)}, nil
}

// PhonePolicy is how the scan page shows personal numbers.
func (s *Service) PhonePolicy() PhonePolicy { return s.cfg.PhonePolicy }

// The role that keeps addresses and issues plates: the civil-affairs
// approver of the division (admins hold every role).
const issuerRole = diming.RoleApprover

func (s *Service) authorize(ctx context.Context, r diming.Role, code string) error {
	return diming.Authorize(diming.UserFrom(ctx), r, code)
}

// CreateStreet adds a street bearing a standard name: st.PlaceID, or its
// name registered as a new category-5 standard name (the store refuses,
// Conflict, a name that clashes within its legal scope). Forbidden outside
// the user's scope, Invalid for bad fields.
func (s *Service) CreateStreet(ctx context.Context, st Street) (Street, error) {
	fe := diming.FieldErrors{}
	st.Name = strings.TrimSpace(st.Name)
	if st.Name == "" && st.PlaceID == 0 {
		fe.Add("name", "必填：街路巷名称（或给出已有标准地名 place_id）")
	}
	if len(st.Line) == 1 {
		fe.Add("line", "街路线形至少需要两个点")
	}
	if err := fe.Err("doorplate.CreateStreet"); err != nil {
		return Street{}, err
	}
	if err := s.authorize(ctx, issuerRole, st.DivisionCode); err != nil {
		return Street{}, err
	}
	z, err := s.lex.Fresh(ctx)
	if err != nil {
		return Street{}, err
	}
	st.Pinyin = z.Component(st.Name)
	st.Orientation = Orientation(st.Line)
	return s.store.CreateStreet(ctx, st)
}

// CreateAddress adds an address and returns it with numbering warnings
// (odd/even side). The database refuses a position outside the division
// (Invalid) and a duplicate number on the street (Conflict).
func (s *Service) CreateAddress(ctx context.Context, n NewAddress) (Address, []string, error) {
	const op = "doorplate.CreateAddress"
	if err := n.Validate(); err != nil {
		return Address{}, nil, err
	}
	if err := s.authorize(ctx, issuerRole, n.DivisionCode); err != nil {
		return Address{}, nil, err
	}
	chain, err := s.store.FindDivisionChain(ctx, n.DivisionCode)
	if err != nil {
		return Address{}, nil, diming.E(op, err)
	}
	var street Street
	if n.StreetID != 0 {
		if street, err = s.store.FindStreetByID(ctx, n.StreetID); err != nil {
			return Address{}, nil, diming.E(op, err)
		}
		if !strings.HasPrefix(n.DivisionCode, diming.CodePrefix(street.DivisionCode)) &&
			!strings.HasPrefix(street.DivisionCode, diming.CodePrefix(n.DivisionCode)) {
			return Address{}, nil, diming.E(op, diming.Invalid, map[string]string{"street_id": "the street belongs to another division"})
		}
	}
	a := Address{DivisionCode: n.DivisionCode, StreetID: n.StreetID, AreaName: n.AreaName, DoorNumber: n.DoorNumber,
		DoorSuffix: n.DoorSuffix, Building: n.Building, Unit: n.Unit, Floor: n.Floor, Room: n.Room, Position: n.Position,
		PositionSource: def(n.PositionSource, "entrance"), Entrances: n.Entrances, Status: def(n.Status, StatusOfficial),
		Lifecycle: def(n.Lifecycle, LifecycleCurrent)}
	comps := Components(chain, street.Name, a)
	a.FullText = strings.Join(comps, "")
	z, err := s.lex.Fresh(ctx)
	if err != nil {
		return Address{}, nil, err
	}
	a.Pinyin = z.Address(comps)
	var warnings []string
	if w := SideWarning(street.Line, n.DoorNumber, n.Position); w != "" && n.Building == "" {
		warnings = append(warnings, w)
	}
	a, err = s.store.CreateAddress(ctx, a)
	return a, warnings, err
}

func def(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// FindAddress returns one address (NotFound).
func (s *Service) FindAddress(ctx context.Context, id int64) (Address, error) {
	return s.store.FindAddressByID(ctx, id)
}

// SetAddressLifecycle moves an address through its lifecycle (retiring it
// frees its number). Forbidden outside scope, Conflict on a stale version.
func (s *Service) SetAddressLifecycle(ctx context.Context, id int64, lifecycle string, version int) (Address, error) {
	if !oneOf(lifecycle, lifecycles) {
		return Address{}, diming.E("doorplate.SetAddressLifecycle", diming.Invalid, map[string]string{"lifecycle": "unknown stage"})
	}
	a, err := s.store.FindAddressByID(ctx, id)
	if err != nil {
		return Address{}, err
	}
	if err := s.authorize(ctx, issuerRole, a.DivisionCode); err != nil {
		return Address{}, err
	}
	defer s.cache.dropAddress(a.Code)
	return s.store.SetAddressLifecycle(ctx, id, lifecycle, version)
}

// URL returns the scan URL of a plate signed with key keyID.
func (s *Service) URL(publicID, keyID string) (string, error) {
	c, err := s.keys.Sign(publicID, keyID)
	if err != nil {
		return "", err
	}
	return s.cfg.PublicURL + "/d/" + c, nil
}

// sign signs a plate with the key it was issued under, or with the
// current key when that one has left the ring (reprinting a plate then
// gives it a code under the current key; the public id stays).
func (s *Service) sign(publicID, keyID string) string {
	c, err := s.keys.Sign(publicID, keyID)
	if err != nil {
		c, _ = s.keys.Sign(publicID, s.keys.Current())
	}
	return c
}

func (s *Service) withURL(p Plate) Plate {
	p.Code = s.sign(p.PublicID, p.KeyID)
	p.URL = s.cfg.PublicURL + "/d/" + p.Code
	return p
}

func (s *Service) withURLs(ps []Plate) []Plate {
	for i := range ps {
		ps[i] = s.withURL(ps[i])
	}
	return ps
}

func (s *Service) newPlate(addressID int64, batch string) NewPlate {
	return NewPlate{PublicID: NewPublicID(), KeyID: s.keys.Current(), AddressID: addressID, Batch: batch}
}

// IssuePlate issues a plate for one address. Conflict when it already has
// an active plate; Invalid when the address is retired or rejected.
func (s *Service) IssuePlate(ctx context.Context, addressID int64) (Plate, error) {
	a, err := s.store.FindAddressByID(ctx, addressID)
	if err != nil {
		return Plate{}, err
	}
	if err := s.authorize(ctx, issuerRole, a.DivisionCode); err != nil {
		return Plate{}, err
	}
	ps, err := s.store.IssuePlates(ctx, []NewPlate{s.newPlate(addressID, "")})
	if err != nil {
		return Plate{}, err
	}
	return s.withURL(ps[0]), nil
}

// IssueBatch issues plates for every live address of a street or a
// community that has none yet, in one transaction: all or nothing.
func (s *Service) IssueBatch(ctx context.Context, scope BatchScope) ([]Plate, error) {
	code, err := s.scopeDivision(ctx, scope)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, issuerRole, code); err != nil {
		return nil, err
	}
	ids, err := s.store.FindUnplated(ctx, scope)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	batch := fmt.Sprintf("batch-%s", NewPublicID())
	nps := make([]NewPlate, len(ids))
	for i, id := range ids {
		nps[i] = s.newPlate(id, batch)
	}
	ps, err := s.store.IssuePlates(ctx, nps)
	return s.withURLs(ps), err
}

func (s *Service) scopeDivision(ctx context.Context, scope BatchScope) (string, error) {
	switch {
	case scope.StreetID != 0 && scope.CommunityCode == "":
		st, err := s.store.FindStreetByID(ctx, scope.StreetID)
		return st.DivisionCode, err
	case scope.StreetID == 0 && len(scope.CommunityCode) == 12:
		return scope.CommunityCode, nil
	}
	return "", diming.E("doorplate.BatchScope", diming.Invalid, "请选择一条街路巷，或填写 12 位社区（村）代码")
}

// FindPlates lists the plates of a street or community (for print sheets).
func (s *Service) FindPlates(ctx context.Context, scope BatchScope) ([]Plate, error) {
	code, err := s.scopeDivision(ctx, scope)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, issuerRole, code); err != nil {
		return nil, err
	}
	ps, err := s.store.FindPlates(ctx, scope)
	return s.withURLs(ps), err
}

// FindPlate returns one plate with its URL (NotFound, Forbidden).
func (s *Service) FindPlate(ctx context.Context, publicID string) (Plate, error) {
	p, err := s.store.FindPlate(ctx, publicID)
	if err != nil {
		return Plate{}, err
	}
	if err := s.authorize(ctx, issuerRole, p.DivisionCode); err != nil {
		return Plate{}, err
	}
	return s.withURL(p), nil
}

// RevokePlate withdraws a plate; its code then shows a revoked page.
func (s *Service) RevokePlate(ctx context.Context, publicID, reason string) (Plate, error) {
	if _, err := s.FindPlate(ctx, publicID); err != nil {
		return Plate{}, err
	}
	defer s.cache.changed("plates:" + publicID)
	p, err := s.store.RevokePlate(ctx, publicID, reason)
	return s.withURL(p), err
}

// ReplacePlate issues a new plate for the same address (a damaged or lost
// plate); the old code then leads to the new one.
func (s *Service) ReplacePlate(ctx context.Context, publicID, reason string) (Plate, error) {
	old, err := s.FindPlate(ctx, publicID)
	if err != nil {
		return Plate{}, err
	}
	defer s.cache.changed("plates:" + publicID)
	p, err := s.store.ReplacePlate(ctx, publicID, reason, s.newPlate(old.AddressID, old.Batch))
	return s.withURL(p), err
}

// ScanCounts returns a plate's scans per day (YYYY-MM-DD → count).
func (s *Service) ScanCounts(ctx context.Context, publicID string) (map[string]int64, error) {
	if _, err := s.FindPlate(ctx, publicID); err != nil {
		return nil, err
	}
	return s.store.FindScanCounts(ctx, publicID)
}
