package boundaries

import (
	"context"

	"github.com/diming/diming"
)

// AddressStreetMaxM is how far (in metres) an address point may lie from
// its street's line before the consistency report lists it: a door is
// beside its street, a compound's centroid a few hundred metres at most.
const AddressStreetMaxM = 300

// GeometryIssues counts, for one division, the records whose attributes
// disagree with their spatial data (地名地址属性与空间数据一致).
type GeometryIssues struct {
	Code                   string
	Name                   string
	AddressesOutside       int // address point outside its division's polygon
	AddressesFarFromStreet int // address point more than AddressStreetMaxM from its street
	StreetsWithoutGeom     int // current streets with no line
	PlacesWithoutGeom      int // current standard names (other than divisions') with no geometry
	PlatesWithoutPoint     int // active plates whose address has no point
}

// Total is the number of records listed for the division.
func (g GeometryIssues) Total() int {
	return g.AddressesOutside + g.AddressesFarFromStreet + g.StreetsWithoutGeom + g.PlacesWithoutGeom + g.PlatesWithoutPoint
}

// GeometryIssues returns the address–geometry consistency report within a
// division ("" for the whole country), one row per division with at least
// one record to fix. Unauthorized, Forbidden (admins and community
// admins, in their scope), Invalid for a malformed code.
func (s *Service) GeometryIssues(ctx context.Context, within string) ([]GeometryIssues, error) {
	const op = "boundaries.GeometryIssues"
	if within != "" && LevelOfCode(within) == 0 {
		return nil, diming.E(op, diming.Invalid, map[string]string{"within": "区划代码应为 6、9 或 12 位数字"})
	}
	u := diming.UserFrom(ctx)
	if err := diming.Authorize(u, diming.RoleAdmin, within); err != nil {
		if diming.Authorize(u, diming.RoleCommunityAdmin, within) != nil {
			return nil, err
		}
	}
	return s.store.FindGeometryIssues(ctx, diming.CodePrefix(within), AddressStreetMaxM)
}
