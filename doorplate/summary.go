package doorplate

import (
	"context"

	"github.com/diming/diming"
)

// CommunitySummary is a village or community with what its doorplate
// work stands at: streets, live addresses, active plates, current grids.
type CommunitySummary struct {
	Code      string
	Name      string
	Prefix    string // the names of its ancestors, 浙江省绍兴市若耶县若耶街道
	Streets   int
	Addresses int
	Plates    int
	Grids     int
}

// Unplated is the number of live addresses without an active plate.
func (c CommunitySummary) Unplated() int { return c.Addresses - c.Plates }

// StreetSummary is a street with its live addresses and active plates.
type StreetSummary struct {
	Street
	Addresses int
	Plates    int
}

// Unplated is the number of live addresses without an active plate.
func (s StreetSummary) Unplated() int { return s.Addresses - s.Plates }

// communityLimit bounds a community listing; a narrower division finds
// the rest.
const communityLimit = 500

// PlateCommunities lists the villages and communities within division
// code within that hold streets or addresses, for the plate issuer
// (Forbidden outside the user's scope).
func (s *Service) PlateCommunities(ctx context.Context, within string) ([]CommunitySummary, error) {
	if err := s.authorize(ctx, issuerRole, within); err != nil {
		return nil, err
	}
	return s.store.FindCommunitySummaries(ctx, within, false, communityLimit)
}

// GridCommunities lists the villages and communities within division code
// within, for their community admins (Forbidden outside scope).
func (s *Service) GridCommunities(ctx context.Context, within string) ([]CommunitySummary, error) {
	if err := s.authorize(ctx, diming.RoleCommunityAdmin, within); err != nil {
		return nil, err
	}
	return s.store.FindCommunitySummaries(ctx, within, true, communityLimit)
}

// PlateStreets lists the streets of a community (its own, and those its
// addresses lie on) with their counts, for the plate issuer.
func (s *Service) PlateStreets(ctx context.Context, community string) ([]StreetSummary, error) {
	if err := s.authorize(ctx, issuerRole, community); err != nil {
		return nil, err
	}
	return s.store.FindStreetSummaries(ctx, community)
}
