package web

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// polygonFrom reads a GeoJSON Polygon or MultiPolygon (CGCS2000).
func polygonFrom(raw json.RawMessage) (orb.MultiPolygon, error) {
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, err
	}
	switch v := g.Geometry().(type) {
	case orb.Polygon:
		return orb.MultiPolygon{v}, nil
	case orb.MultiPolygon:
		return v, nil
	}
	return nil, diming.Errorf(diming.Invalid, "not a polygon")
}

type gridRequest struct {
	CommunityCode   string          `json:"community_code"`
	Name            string          `json:"name"`
	Geom            json.RawMessage `json:"geom"`
	WorkerName      string          `json:"worker_name"`
	WorkerRole      string          `json:"worker_role"`
	WorkerPhone     string          `json:"worker_phone"`
	WorkerPhoneKind string          `json:"worker_phone_kind"`
	PoliceName      string          `json:"police_name"`
	PolicePhone     string          `json:"police_phone"`
	PolicePhoneKind string          `json:"police_phone_kind"`
}

func (r gridRequest) Parse(context.Context) (doorplate.Grid, map[string]string) {
	g := doorplate.Grid{CommunityCode: r.CommunityCode, Name: r.Name,
		WorkerName: r.WorkerName, WorkerRole: r.WorkerRole, WorkerPhone: r.WorkerPhone, WorkerPhoneKind: doorplate.PhoneKind(r.WorkerPhoneKind),
		PoliceName: r.PoliceName, PolicePhone: r.PolicePhone, PolicePhoneKind: doorplate.PhoneKind(r.PolicePhoneKind)}
	var err error
	if g.Geom, err = polygonFrom(r.Geom); err != nil {
		return g, map[string]string{"geom": "a GeoJSON Polygon or MultiPolygon in CGCS2000"}
	}
	return g, nil
}

type gridDTO struct {
	ID              int64  `json:"id"`
	CommunityCode   string `json:"community_code"`
	Name            string `json:"name"`
	Geom            any    `json:"geom"`
	WorkerName      string `json:"worker_name"`
	WorkerRole      string `json:"worker_role"`
	WorkerPhone     string `json:"worker_phone"`
	WorkerPhoneKind string `json:"worker_phone_kind"`
	PoliceName      string `json:"police_name"`
	PolicePhone     string `json:"police_phone"`
	PolicePhoneKind string `json:"police_phone_kind"`
	Generated       bool   `json:"generated"`
	Version         int    `json:"version"`
}

func toGridDTO(g doorplate.Grid) gridDTO {
	return gridDTO{ID: g.ID, CommunityCode: g.CommunityCode, Name: g.Name, Geom: geojson.NewGeometry(g.Geom), WorkerName: g.WorkerName,
		WorkerRole: g.WorkerRole, WorkerPhone: g.WorkerPhone, WorkerPhoneKind: string(g.WorkerPhoneKind), PoliceName: g.PoliceName,
		PolicePhone: g.PolicePhone, PolicePhoneKind: string(g.PolicePhoneKind), Generated: g.Generated, Version: g.Version}
}

func handleGridCreate(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		grid, err := decodeCommand[gridRequest](c)
		if err != nil {
			return err
		}
		g, err := s.CreateGrid(c.Request().Context(), grid)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, toGridDTO(g))
	}
}

type gridUpdateRequest struct {
	Name            *string          `json:"name"`
	Geom            *json.RawMessage `json:"geom"`
	WorkerName      *string          `json:"worker_name"`
	WorkerRole      *string          `json:"worker_role"`
	WorkerPhone     *string          `json:"worker_phone"`
	WorkerPhoneKind *string          `json:"worker_phone_kind"`
	PoliceName      *string          `json:"police_name"`
	PolicePhone     *string          `json:"police_phone"`
	PolicePhoneKind *string          `json:"police_phone_kind"`
	Retire          bool             `json:"retire"`
	Version         int              `json:"version"`
}

func (r gridUpdateRequest) Parse(context.Context) (doorplate.GridUpdate, map[string]string) {
	u := doorplate.GridUpdate{Name: r.Name, WorkerName: r.WorkerName, WorkerRole: r.WorkerRole, WorkerPhone: r.WorkerPhone,
		WorkerPhoneKind: kindPtr(r.WorkerPhoneKind), PoliceName: r.PoliceName, PolicePhone: r.PolicePhone,
		PolicePhoneKind: kindPtr(r.PolicePhoneKind), Retire: r.Retire, Version: r.Version}
	p := map[string]string{}
	if r.Version <= 0 {
		p["version"] = diming.MsgVersion
	}
	if r.Geom != nil {
		mp, err := polygonFrom(*r.Geom)
		if err != nil {
			p["geom"] = "a GeoJSON Polygon or MultiPolygon in CGCS2000"
		}
		u.Geom = &mp
	}
	return u, p
}

func kindPtr(s *string) *doorplate.PhoneKind {
	if s == nil {
		return nil
	}
	k := doorplate.PhoneKind(*s)
	return &k
}

func handleGridUpdate(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		u, err := decodeCommand[gridUpdateRequest](c)
		if err != nil {
			return err
		}
		g, err := s.UpdateGrid(c.Request().Context(), id, u)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toGridDTO(g))
	}
}

func handleGridList(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		gs, err := s.FindGrids(c.Request().Context(), c.Param("code"))
		if err != nil {
			return err
		}
		out := make([]gridDTO, 0, len(gs))
		for _, g := range gs {
			out = append(out, toGridDTO(g))
		}
		return c.JSON(http.StatusOK, map[string]any{"grids": out})
	}
}

type communityDTO struct {
	CommunityCode   string `json:"community_code"`
	OfficeName      string `json:"office_name"`
	OfficeAddress   string `json:"office_address"`
	OfficeHours     string `json:"office_hours"`
	ServicePhone    string `json:"service_phone"`
	PoliceName      string `json:"police_name"`
	PoliceUnit      string `json:"police_unit"`
	PolicePhone     string `json:"police_phone"`
	PolicePhoneKind string `json:"police_phone_kind"`
	Version         int    `json:"version"`
}

func (r communityDTO) Valid(context.Context) map[string]string { return nil }

func toCommunityDTO(ci doorplate.CommunityInfo) communityDTO {
	return communityDTO{CommunityCode: ci.CommunityCode, OfficeName: ci.OfficeName, OfficeAddress: ci.OfficeAddress,
		OfficeHours: ci.OfficeHours, ServicePhone: ci.ServicePhone, PoliceName: ci.PoliceName, PoliceUnit: ci.PoliceUnit,
		PolicePhone: ci.PolicePhone, PolicePhoneKind: string(ci.PolicePhoneKind), Version: ci.Version}
}

func handleCommunityGet(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		ci, err := s.FindCommunityInfo(c.Request().Context(), c.Param("code"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toCommunityDTO(ci))
	}
}

// handleCommunityPut creates (version 0) or updates a community's contacts.
func handleCommunityPut(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, err := decodeValid[communityDTO](c)
		if err != nil {
			return err
		}
		ci, err := s.PutCommunityInfo(c.Request().Context(), doorplate.CommunityInfo{CommunityCode: c.Param("code"),
			OfficeName: r.OfficeName, OfficeAddress: r.OfficeAddress, OfficeHours: r.OfficeHours, ServicePhone: r.ServicePhone,
			PoliceName: r.PoliceName, PoliceUnit: r.PoliceUnit, PolicePhone: r.PolicePhone,
			PolicePhoneKind: doorplate.PhoneKind(r.PolicePhoneKind), Version: r.Version})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toCommunityDTO(ci))
	}
}
