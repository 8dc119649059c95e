package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
)

type divisionDTO struct {
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	Level       int     `json:"level"`
	LevelName   string  `json:"level_name"`
	Kind        string  `json:"kind,omitempty"`
	ParentCode  string  `json:"parent_code,omitempty"`
	UrbanRural  string  `json:"urban_rural,omitempty"`
	ValidFrom   *string `json:"valid_from,omitempty"`
	ValidTo     *string `json:"valid_to,omitempty"`
	HasGeom     bool    `json:"has_geometry"`
	GeomDerived bool    `json:"geometry_derived"`
	Generated   bool    `json:"generated"`
	Version     int     `json:"version"`
}

func day(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format(time.DateOnly)
	return &s
}

func toDivisionDTO(d boundaries.Division) divisionDTO {
	return divisionDTO{Code: d.Code, Name: d.Name, Level: int(d.Level), LevelName: d.Level.String(), Kind: d.Kind,
		ParentCode: d.ParentCode, UrbanRural: d.UrbanRural, ValidFrom: day(d.ValidFrom), ValidTo: day(d.ValidTo),
		HasGeom: d.HasGeom, GeomDerived: d.GeomDerived, Generated: d.Generated, Version: d.Version}
}

func toDivisionDTOs(ds []boundaries.Division) []divisionDTO {
	out := make([]divisionDTO, 0, len(ds))
	for _, d := range ds {
		out = append(out, toDivisionDTO(d))
	}
	return out
}

func handleDivisionGet(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		d, err := svc.Division(c.Request().Context(), c.Param("code"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"division": toDivisionDTO(d.Division),
			"ancestors": toDivisionDTOs(d.Ancestors), "children": toDivisionDTOs(d.Children)})
	}
}

func parseDay(field, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, diming.E("web.parseDay", diming.Invalid, map[string]string{field: "日期格式为 YYYY-MM-DD"})
	}
	return &t, nil
}

func handleDivisionSearch(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := boundaries.DivisionFilter{Query: c.QueryParam("q"), Within: c.QueryParam("within"),
			IncludeOld: c.QueryParam("include_retired") == "true"}
		var err error
		if f.AsOf, err = parseDay("as_of", c.QueryParam("as_of")); err != nil {
			return err
		}
		if s := c.QueryParam("level"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 5 {
				return diming.E("web.divisionSearch", diming.Invalid, map[string]string{"level": "1（省级）至 5（村级）"})
			}
			f.Level = boundaries.Level(n)
		}
		if f.Limit, err = queryLimit(c, boundaries.MaxDivisionPage); err != nil {
			return err
		}
		ds, err := svc.SearchDivisions(c.Request().Context(), f)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"divisions": toDivisionDTOs(ds)})
	}
}

// handleDivisionsAt resolves a point to its chain of divisions. crs=gcj02
// accepts a position read off a commercial Chinese map.
func handleDivisionsAt(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		lon, err1 := strconv.ParseFloat(c.QueryParam("lon"), 64)
		lat, err2 := strconv.ParseFloat(c.QueryParam("lat"), 64)
		if err1 != nil || err2 != nil {
			return diming.E("web.divisionsAt", diming.Invalid, map[string]string{"lon": "请以十进制度数给出经度 lon 和纬度 lat"})
		}
		p := orb.Point{lon, lat}
		crs := boundaries.CGCS2000
		if s := c.QueryParam("crs"); s != "" {
			var ok bool
			if crs, ok = boundaries.ParseCRS(s); !ok {
				return diming.E("web.divisionsAt", diming.Invalid, map[string]string{"crs": "坐标系应为 cgcs2000、wgs84 或 gcj02"})
			}
		}
		if crs == boundaries.GCJ02 {
			p = boundaries.GCJ02ToWGS84(p)
		}
		chain, err := svc.DivisionsAt(c.Request().Context(), p)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"point": []float64{p[0], p[1]}, "crs": "EPSG:4490", "divisions": toDivisionDTOs(chain)})
	}
}

type nameRecordDTO struct {
	Name   string  `json:"name"`
	From   *string `json:"from,omitempty"`
	To     *string `json:"to,omitempty"`
	Source string  `json:"source,omitempty"`
}

type successionDTO struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Year int    `json:"year"`
	Kind string `json:"kind"`
}

func toSuccessionDTOs(ss []boundaries.Succession, pick func(boundaries.Succession) string) []successionDTO {
	out := []successionDTO{}
	for _, s := range ss {
		out = append(out, successionDTO{Code: pick(s), Name: s.SuccessorName, Year: s.Year, Kind: s.Kind})
	}
	return out
}

func handleDivisionHistory(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		h, err := svc.History(c.Request().Context(), c.Param("code"))
		if err != nil {
			return err
		}
		names := []nameRecordDTO{}
		for _, n := range h.Names {
			names = append(names, nameRecordDTO{Name: n.Name, From: day(n.From), To: day(n.To), Source: n.Source})
		}
		body := map[string]any{"division": toDivisionDTO(h.Division), "names": names,
			"successors":   toSuccessionDTOs(h.Successors, func(s boundaries.Succession) string { return s.SuccessorCode }),
			"predecessors": toSuccessionDTOs(h.Predecessors, func(s boundaries.Succession) string { return s.Code })}
		if at, err := parseDay("at", c.QueryParam("at")); err != nil {
			return err
		} else if at != nil {
			body["name_at"] = h.NameAt(*at)
		}
		return c.JSON(http.StatusOK, body)
	}
}

type renameRequest struct {
	Name    string `json:"name"`
	On      string `json:"on"`
	Version int    `json:"version"`
}

// renameCommand is a rename request parsed once.
type renameCommand struct {
	Name    string
	On      time.Time
	Version int
}

func (r renameRequest) Parse(context.Context) (renameCommand, map[string]string) {
	fe := map[string]string{}
	cmd := renameCommand{Name: r.Name, Version: r.Version}
	if r.Name == "" {
		fe["name"] = "请给出新名称"
	}
	var err error
	if cmd.On, err = time.Parse(time.DateOnly, r.On); err != nil {
		fe["on"] = "新名称生效的日期，格式为 YYYY-MM-DD"
	}
	if r.Version < 1 {
		fe["version"] = diming.MsgVersion
	}
	return cmd, fe
}

func handleDivisionRename(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		cmd, err := decodeCommand[renameRequest](c)
		if err != nil {
			return err
		}
		d, err := svc.Rename(c.Request().Context(), c.Param("code"), cmd.Name, cmd.On, cmd.Version)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toDivisionDTO(d))
	}
}

type retireRequest struct {
	On         string   `json:"on"`
	Successors []string `json:"successors"`
	Version    int      `json:"version"`
}

// retireCommand is a retirement request parsed once.
type retireCommand struct {
	On         time.Time
	Successors []string
	Version    int
}

func (r retireRequest) Parse(context.Context) (retireCommand, map[string]string) {
	fe := map[string]string{}
	cmd := retireCommand{Successors: r.Successors, Version: r.Version}
	var err error
	if cmd.On, err = time.Parse(time.DateOnly, r.On); err != nil {
		fe["on"] = "代码废止的日期，格式为 YYYY-MM-DD"
	}
	if r.Version < 1 {
		fe["version"] = diming.MsgVersion
	}
	return cmd, fe
}

func handleDivisionRetire(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		cmd, err := decodeCommand[retireRequest](c)
		if err != nil {
			return err
		}
		d, err := svc.Retire(c.Request().Context(), c.Param("code"), cmd.On, cmd.Successors, cmd.Version)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toDivisionDTO(d))
	}
}
