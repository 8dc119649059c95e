package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Positions arrive as lon/lat in CGCS2000; WGS-84 is accepted as equal
// (centimetres apart). GCJ-02/BD-09 are refused: convert before sending.
type lonLat struct {
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
	CRS string  `json:"crs,omitempty"`
}

func (p lonLat) point() orb.Point { return orb.Point{p.Lon, p.Lat} }

func (p lonLat) validCRS() bool { return p.CRS == "" || p.CRS == doorplate.CRS || p.CRS == "EPSG:4326" }

type entranceDTO struct {
	Label    string `json:"label"`
	Position lonLat `json:"position"`
}

type streetRequest struct {
	DivisionCode string          `json:"division_code"`
	PlaceID      int64           `json:"place_id"` // the standard name it bears; without it the name is registered
	Name         string          `json:"name"`
	Line         json.RawMessage `json:"line,omitempty"` // GeoJSON LineString, in numbering direction
}

func (r streetRequest) Parse(context.Context) (doorplate.Street, map[string]string) {
	st := doorplate.Street{DivisionCode: r.DivisionCode, PlaceID: r.PlaceID, Name: r.Name}
	p := map[string]string{}
	if r.DivisionCode == "" {
		p["division_code"] = "必填：行政区划代码"
	}
	var err error
	if st.Line, err = r.line(); err != nil {
		p["line"] = "应为 CGCS2000 坐标的 GeoJSON LineString"
	}
	return st, p
}

func (r streetRequest) line() (orb.LineString, error) {
	if len(r.Line) == 0 {
		return nil, nil
	}
	g, err := geojson.UnmarshalGeometry(r.Line)
	if err != nil {
		return nil, err
	}
	l, ok := g.Geometry().(orb.LineString)
	if !ok {
		return nil, diming.Errorf(diming.Invalid, "not a LineString")
	}
	return l, nil
}

type streetDTO struct {
	ID           int64  `json:"id"`
	DivisionCode string `json:"division_code"`
	PlaceID      int64  `json:"place_id"`
	Name         string `json:"name"`
	Pinyin       string `json:"pinyin"`
	Orientation  string `json:"orientation"`
	Line         any    `json:"line,omitempty"`
	Generated    bool   `json:"generated"`
	Version      int    `json:"version"`
}

func handleStreetCreate(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		street, err := decodeCommand[streetRequest](c)
		if err != nil {
			return err
		}
		st, err := s.CreateStreet(c.Request().Context(), street)
		if err != nil {
			return err
		}
		var line any
		if len(st.Line) > 0 {
			line = geojson.NewGeometry(st.Line)
		}
		return c.JSON(http.StatusCreated, streetDTO{ID: st.ID, DivisionCode: st.DivisionCode, PlaceID: st.PlaceID, Name: st.Name, Pinyin: st.Pinyin,
			Orientation: st.Orientation, Line: line, Generated: st.Generated, Version: st.Version})
	}
}

type addressRequest struct {
	DivisionCode   string        `json:"division_code"`
	StreetID       int64         `json:"street_id"`
	AreaName       string        `json:"area_name"`
	DoorNumber     int           `json:"door_number"`
	DoorSuffix     string        `json:"door_suffix"`
	Building       string        `json:"building"`
	Unit           string        `json:"unit"`
	Floor          string        `json:"floor"`
	Room           string        `json:"room"`
	Position       lonLat        `json:"position"`
	PositionSource string        `json:"position_source"`
	Entrances      []entranceDTO `json:"entrances"`
	Status         string        `json:"status"`
	Lifecycle      string        `json:"lifecycle"`
}

func (r addressRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	if !r.Position.validCRS() {
		p["position.crs"] = "send CGCS2000 (EPSG:4490) coordinates; convert GCJ-02/BD-09 first"
	}
	for _, e := range r.Entrances {
		if !e.Position.validCRS() {
			p["entrances"] = "send CGCS2000 (EPSG:4490) coordinates"
		}
	}
	return p
}

type addressDTO struct {
	ID             int64         `json:"id"`
	Code           string        `json:"code"`
	DivisionCode   string        `json:"division_code"`
	StreetID       int64         `json:"street_id,omitempty"`
	AreaName       string        `json:"area_name,omitempty"`
	DoorNumber     int           `json:"door_number,omitempty"`
	DoorSuffix     string        `json:"door_suffix,omitempty"`
	Building       string        `json:"building,omitempty"`
	Unit           string        `json:"unit,omitempty"`
	Floor          string        `json:"floor,omitempty"`
	Room           string        `json:"room,omitempty"`
	FullText       string        `json:"full_text"`
	Pinyin         string        `json:"pinyin"`
	Position       lonLat        `json:"position"`
	PositionSource string        `json:"position_source"`
	Entrances      []entranceDTO `json:"entrances,omitempty"`
	Status         string        `json:"status"`
	Lifecycle      string        `json:"lifecycle"`
	ValidFrom      string        `json:"valid_from"`
	ValidTo        string        `json:"valid_to,omitempty"`
	Generated      bool          `json:"generated"`
	Version        int           `json:"version"`
	Warnings       []string      `json:"warnings,omitempty"`
}

func toAddressDTO(a doorplate.Address) addressDTO {
	d := addressDTO{ID: a.ID, Code: a.Code, DivisionCode: a.DivisionCode, StreetID: a.StreetID, AreaName: a.AreaName,
		DoorNumber: a.DoorNumber, DoorSuffix: a.DoorSuffix, Building: a.Building, Unit: a.Unit, Floor: a.Floor, Room: a.Room,
		FullText: a.FullText, Pinyin: a.Pinyin, Position: lonLat{a.Position[0], a.Position[1], doorplate.CRS},
		PositionSource: a.PositionSource, Status: a.Status, Lifecycle: a.Lifecycle, ValidFrom: a.ValidFrom.Format(time.DateOnly),
		Generated: a.Generated, Version: a.Version}
	if a.ValidTo != nil {
		d.ValidTo = a.ValidTo.Format(time.DateOnly)
	}
	for _, e := range a.Entrances {
		d.Entrances = append(d.Entrances, entranceDTO{Label: e.Label, Position: lonLat{e.Position[0], e.Position[1], doorplate.CRS}})
	}
	return d
}

func handleAddressCreate(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, err := decodeValid[addressRequest](c)
		if err != nil {
			return err
		}
		n := doorplate.NewAddress{DivisionCode: r.DivisionCode, StreetID: r.StreetID, AreaName: r.AreaName, DoorNumber: r.DoorNumber,
			DoorSuffix: r.DoorSuffix, Building: r.Building, Unit: r.Unit, Floor: r.Floor, Room: r.Room, Position: r.Position.point(),
			PositionSource: r.PositionSource, Status: r.Status, Lifecycle: r.Lifecycle}
		for _, e := range r.Entrances {
			n.Entrances = append(n.Entrances, doorplate.Entrance{Label: e.Label, Position: e.Position.point()})
		}
		a, warnings, err := s.CreateAddress(c.Request().Context(), n)
		if err != nil {
			return err
		}
		d := toAddressDTO(a)
		d.Warnings = warnings
		return c.JSON(http.StatusCreated, d)
	}
}

func handleAddressGet(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		if _, err := requireUser(c); err != nil {
			return err
		}
		a, err := s.FindAddress(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toAddressDTO(a))
	}
}

type lifecycleRequest struct {
	Lifecycle string `json:"lifecycle"`
	Version   int    `json:"version"`
}

func (r lifecycleRequest) Valid(context.Context) map[string]string {
	if r.Version <= 0 {
		return map[string]string{"version": diming.MsgVersion}
	}
	return nil
}

func handleAddressLifecycle(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		r, err := decodeValid[lifecycleRequest](c)
		if err != nil {
			return err
		}
		a, err := s.SetAddressLifecycle(c.Request().Context(), id, r.Lifecycle, r.Version)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toAddressDTO(a))
	}
}
