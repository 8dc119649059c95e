package doorplate

import (
	"context"
	"strings"

	"github.com/diming/diming"
)

// Grids and community contacts are kept by the community admins of that
// community only (RoleCommunityAdmin scoped to the community's code).
// Every scan reads them live, so a change shows on the next scan.

// keeperRole keeps a community's grids and contacts, and so sees their
// personal numbers as stored.
const keeperRole = diming.RoleCommunityAdmin

// PhonesVisible reports whether u sees the personal numbers of community
// (its grids' workers and police, its contacts) as stored: exactly those
// who may open the community's grids. Everyone else sees them as the scan
// page shows them (ShowPhone under the phone policy).
func PhonesVisible(u *diming.User, community string) bool {
	return diming.Authorize(u, keeperRole, community) == nil
}

func validPhoneKind(k PhoneKind) bool { return k == PhoneWork || k == PhonePersonal }

// CreateGrid adds a grid. Forbidden for anyone but the community's admins;
// Invalid when the polygon leaves the community (checked by the database).
func (s *Service) CreateGrid(ctx context.Context, g Grid) (Grid, error) {
	fe := diming.FieldErrors{}
	if strings.TrimSpace(g.Name) == "" {
		fe.Add("name", "请填写网格名称")
	}
	if len(g.Geom) == 0 {
		fe.Add("geom", "请在地图上画出社区范围内的网格")
	}
	if len(g.CommunityCode) != 12 {
		fe.Add("community_code", "请填写 12 位村（社区）代码")
	}
	g.WorkerRole = def(g.WorkerRole, "网格员")
	g.WorkerPhoneKind = PhoneKind(def(string(g.WorkerPhoneKind), string(PhoneWork)))
	g.PolicePhoneKind = PhoneKind(def(string(g.PolicePhoneKind), string(PhoneWork)))
	if !validPhoneKind(g.WorkerPhoneKind) || !validPhoneKind(g.PolicePhoneKind) {
		fe.Add("worker_phone_kind", "电话类型须为工作电话或个人电话")
	}
	if err := fe.Err("doorplate.CreateGrid"); err != nil {
		return Grid{}, err
	}
	if err := s.authorize(ctx, keeperRole, g.CommunityCode); err != nil {
		return Grid{}, err
	}
	defer s.cache.changed("communities")
	return s.store.CreateGrid(ctx, g)
}

// UpdateGrid changes a grid. Forbidden outside its community, Conflict on
// a stale version.
func (s *Service) UpdateGrid(ctx context.Context, id int64, u GridUpdate) (Grid, error) {
	g, err := s.store.FindGridByID(ctx, id)
	if err != nil {
		return Grid{}, err
	}
	if err := s.authorize(ctx, keeperRole, g.CommunityCode); err != nil {
		return Grid{}, err
	}
	for _, k := range []*PhoneKind{u.WorkerPhoneKind, u.PolicePhoneKind} {
		if k != nil && !validPhoneKind(*k) {
			return Grid{}, diming.E("doorplate.UpdateGrid", diming.Invalid, "电话类型须为工作电话或个人电话", map[string]string{"worker_phone_kind": "工作电话或个人电话"})
		}
	}
	defer s.cache.changed("communities")
	return s.store.UpdateGrid(ctx, id, u)
}

// FindGrids lists a community's current grids (Forbidden outside scope).
func (s *Service) FindGrids(ctx context.Context, community string) ([]Grid, error) {
	if err := s.authorize(ctx, keeperRole, community); err != nil {
		return nil, err
	}
	return s.store.FindGrids(ctx, community)
}

// PutCommunityInfo creates (Version 0) or updates a community's office
// and contacts. Forbidden outside the community, Conflict when stale.
func (s *Service) PutCommunityInfo(ctx context.Context, ci CommunityInfo) (CommunityInfo, error) {
	ci.PolicePhoneKind = PhoneKind(def(string(ci.PolicePhoneKind), string(PhoneWork)))
	if !validPhoneKind(ci.PolicePhoneKind) {
		return CommunityInfo{}, diming.E("doorplate.PutCommunityInfo", diming.Invalid, "电话类型须为工作电话或个人电话", map[string]string{"police_phone_kind": "工作电话或个人电话"})
	}
	if err := s.authorize(ctx, keeperRole, ci.CommunityCode); err != nil {
		return CommunityInfo{}, err
	}
	defer s.cache.changed("communities")
	return s.store.PutCommunityInfo(ctx, ci)
}

// FindCommunityInfo returns a community's contacts (NotFound, Forbidden).
func (s *Service) FindCommunityInfo(ctx context.Context, code string) (CommunityInfo, error) {
	if err := s.authorize(ctx, keeperRole, code); err != nil {
		return CommunityInfo{}, err
	}
	return s.store.FindCommunityInfo(ctx, code)
}

// PhoneShown is how the scan page shows a number of this kind under the
// deployment's phone policy: what the grid editor previews.
func (s *Service) PhoneShown(number string, kind PhoneKind) Phone {
	return ShowPhone(number, kind, s.cfg.PhonePolicy)
}
