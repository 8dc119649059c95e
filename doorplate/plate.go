package doorplate

import (
	"time"

	"github.com/paulmach/orb"
)

// Plate states.
const (
	PlateActive   = "active"
	PlateRevoked  = "revoked"
	PlateReplaced = "replaced"
)

// Plate is an issued doorplate code. Code is the signed code and URL the
// scan URL the QR encodes; the service fills both.
type Plate struct {
	ID         int64
	PublicID   string
	KeyID      string
	AddressID  int64
	Status     string
	ReplacedBy string // public id of the successor, for replaced plates
	Batch      string
	Reason     string
	IssuedAt   time.Time
	RetiredAt  *time.Time
	Version    int
	Code       string
	URL        string

	// FullText, Pinyin, DoorLabel and DivisionCode describe the address,
	// for print sheets and authorization; StreetName and StreetPinyin are
	// its street (or area) as the plate face shows it.
	FullText     string
	Pinyin       string
	DoorLabel    string
	DivisionCode string
	StreetName   string
	StreetPinyin string
}

// NewPlate is one plate to insert.
type NewPlate struct {
	PublicID  string
	KeyID     string
	AddressID int64
	Batch     string
}

// BatchScope selects the addresses of a batch issue: a street, or every
// address of a village/community.
type BatchScope struct {
	StreetID      int64
	CommunityCode string
}

// Grid is a grid (网格) inside a community with its grid worker and grid
// police officer. Geometry is CGCS2000.
type Grid struct {
	ID              int64
	CommunityCode   string
	Name            string
	Geom            orb.MultiPolygon
	WorkerName      string
	WorkerRole      string
	WorkerPhone     string
	WorkerPhoneKind PhoneKind
	PoliceName      string
	PolicePhone     string
	PolicePhoneKind PhoneKind
	Generated       bool
	Version         int
}

// GridUpdate changes a grid; nil fields stay. Version must be the one read.
type GridUpdate struct {
	Name            *string
	Geom            *orb.MultiPolygon
	WorkerName      *string
	WorkerRole      *string
	WorkerPhone     *string
	WorkerPhoneKind *PhoneKind
	PoliceName      *string
	PolicePhone     *string
	PolicePhoneKind *PhoneKind
	Retire          bool
	Version         int
}

// CommunityInfo is a community's office and contacts.
type CommunityInfo struct {
	CommunityCode   string
	OfficeName      string
	OfficeAddress   string
	OfficeHours     string
	ServicePhone    string
	PoliceName      string
	PoliceUnit      string
	PolicePhone     string
	PolicePhoneKind PhoneKind
	Version         int // 0 creates
}
