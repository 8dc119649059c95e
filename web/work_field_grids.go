package web

import (
	"net/http"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"
)

// gridsPage is /work/grids: a community admin draws and edits the grids
// of their community on the map, with each grid's worker and police
// contacts, and keeps the community's office contacts. Scans read them
// live, so the next scan shows a change.
type gridsPage struct {
	Within      string
	Communities []doorplate.CommunitySummary
	Community   *doorplate.CommunitySummary
	Grids       []gridView
	Info        doorplate.CommunityInfo
	Map         *geojson.FeatureCollection
	Kinds       []phoneKindOption
}

type gridView struct {
	doorplate.Grid
	WorkerShown, PoliceShown doorplate.Phone
}

type phoneKindOption struct{ Code, Label string }

var phoneKinds = []phoneKindOption{{string(doorplate.PhoneWork), "工作电话（扫码页完整显示，可拨打）"},
	{string(doorplate.PhonePersonal), "个人手机（扫码页按隐私规则遮挡）"}}

func handleGridsPage(p *pages, d Deps) echo.HandlerFunc {
	s := d.Doorplate
	return func(c echo.Context) error {
		u, err := p.signedIn(c)
		if u == nil {
			return err
		}
		ctx := c.Request().Context()
		data := gridsPage{Within: c.QueryParam("within"), Kinds: phoneKinds}
		code := c.QueryParam("community")
		if code == "" && len(u.Scope) == 12 {
			code = u.Scope
		}
		if code == "" {
			if data.Within == "" {
				data.Within = u.Scope
			}
			if data.Within != "" {
				if data.Communities, err = s.GridCommunities(ctx, data.Within); err != nil {
					return err
				}
			}
			return p.render(c, http.StatusOK, "field_grids", pageData{Title: "社区网格", Active: "grids", Data: data})
		}
		cs, err := s.GridCommunities(ctx, code)
		if err != nil {
			return err
		}
		if len(cs) == 0 || cs[0].Code != code {
			return diming.E("web.gridsPage", diming.NotFound, "没有这个村（社区）："+code)
		}
		data.Community = &cs[0]
		gs, err := s.FindGrids(ctx, code)
		if err != nil {
			return err
		}
		data.Map = geojson.NewFeatureCollection()
		for _, g := range gs {
			data.Grids = append(data.Grids, gridView{Grid: g, WorkerShown: s.PhoneShown(g.WorkerPhone, g.WorkerPhoneKind),
				PoliceShown: s.PhoneShown(g.PolicePhone, g.PolicePhoneKind)})
			f := geojson.NewFeature(g.Geom)
			f.Properties = geojson.Properties{"id": g.ID, "name": g.Name}
			data.Map.Append(f)
		}
		info, err := s.FindCommunityInfo(ctx, code)
		switch {
		case err == nil:
			data.Info = info
		case diming.KindOf(err) == diming.NotFound:
			data.Info = doorplate.CommunityInfo{CommunityCode: code} // version 0: the form creates it
		default:
			return err
		}
		return p.render(c, http.StatusOK, "field_grids", pageData{Title: data.Community.Name + " · 网格", Active: "grids", Data: data})
	}
}
