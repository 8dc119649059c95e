package sharing

import (
	"strconv"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
)

// AddressRow is an address with what its GB/T 35639 form is made of.
type AddressRow struct {
	Code, DivisionCode   string
	Chain                []ChainName // the division chain, province first
	Street, AreaName     string
	DoorNumber           int
	DoorSuffix, Building string
	Unit, Floor, Room    string
	FullText             string
	Lon, Lat             float64
	Status, Lifecycle    string
	ValidFrom, ValidTo   string
}

// ChainName is one division of an address's chain.
type ChainName struct {
	Level int
	Name  string
}

// GBAddress is an address in the shape of GB/T 35639-2017's model:
// identifier, components in the standard's order with their types, the
// full value, a position with its reference system, status and life cycle.
type GBAddress struct {
	ID             string        `json:"id"`
	AddressValue   string        `json:"addressValue"`
	Components     []GBComponent `json:"components"`
	Position       GBPosition    `json:"position"`
	Status         string        `json:"status"`
	LifecycleStage string        `json:"lifecycleStage"`
	ValidFrom      string        `json:"validFrom"`
	ValidTo        string        `json:"validTo,omitempty"`
}

// GBComponent is one address component (AddressComponent) and its type.
type GBComponent struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// GBPosition is a position with its CRS (mandatory in the standard).
type GBPosition struct {
	X   float64 `json:"x"`
	Y   float64 `json:"y"`
	CRS string  `json:"crs"`
}

// chainTypes are the division component types by level.
var chainTypes = map[int]string{1: "省", 2: "地", 3: "县", 4: "乡镇街道", 5: "社区村委"}

// GB returns a in GB/T 35639's shape as u may see it: components above
// u's grade (floor and room, for the public) are left out, as the
// registry says.
func (a AddressRow) GB(u *diming.User) GBAddress {
	out := GBAddress{ID: a.Code, AddressValue: a.FullText, Status: a.Status, LifecycleStage: a.Lifecycle, ValidFrom: a.ValidFrom, ValidTo: a.ValidTo,
		Position: GBPosition{X: a.Lon, Y: a.Lat, CRS: "EPSG:4490"}}
	for _, c := range a.Chain {
		if t, ok := chainTypes[c.Level]; ok {
			out.Components = append(out.Components, GBComponent{t, c.Name})
		}
	}
	if !Visible(u, "address", "floor", a.DivisionCode) || !Visible(u, "address", "room", a.DivisionCode) {
		out.AddressValue = withoutRooms(a.FullText, doorplate.Address{Floor: a.Floor, Room: a.Room})
	}
	door := ""
	if a.DoorNumber > 0 {
		door = strconv.Itoa(a.DoorNumber) + a.DoorSuffix + "号"
	}
	for _, c := range []struct{ typ, field, value string }{
		{"街路巷名", "Street", a.Street}, {"片区名", "AreaName", a.AreaName}, {"门牌号", "DoorNumber", door},
		{"楼牌号", "Building", a.Building}, {"单元门号", "Unit", a.Unit}, {"楼层", "Floor", a.Floor}, {"户室号", "Room", a.Room},
	} {
		if c.value != "" && Visible(u, "address", c.field, a.DivisionCode) {
			out.Components = append(out.Components, GBComponent{c.typ, c.value})
		}
	}
	return out
}
