package web

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/diming/diming/boundaries"
	"github.com/labstack/echo/v4"
)

type geometryIssuesDTO struct {
	Code                   string `json:"code"`
	Name                   string `json:"name"`
	AddressesOutside       int    `json:"addresses_outside_division"`
	AddressesFarFromStreet int    `json:"addresses_far_from_street"`
	StreetsWithoutGeom     int    `json:"streets_without_geometry"`
	PlacesWithoutGeom      int    `json:"places_without_geometry"`
	PlatesWithoutPoint     int    `json:"plates_without_address_point"`
	Total                  int    `json:"total"`
}

// geometryReportHeader is the CSV header, in the order of the DTO.
var geometryReportHeader = []string{"区划代码", "区划名称", "地址点在区划外", "地址点远离所在街路巷", "街路巷无空间数据",
	"地名无空间数据", "门牌无地址点", "合计"}

// handleGeometryReport serves the address–geometry consistency report of
// a division (?within=CODE), as JSON or, with format=csv, as a CSV file.
func handleGeometryReport(svc *boundaries.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		within := c.QueryParam("within")
		rows, err := svc.GeometryIssues(c.Request().Context(), within)
		if err != nil {
			return err
		}
		out := make([]geometryIssuesDTO, 0, len(rows))
		for _, g := range rows {
			out = append(out, geometryIssuesDTO{g.Code, g.Name, g.AddressesOutside, g.AddressesFarFromStreet, g.StreetsWithoutGeom,
				g.PlacesWithoutGeom, g.PlatesWithoutPoint, g.Total()})
		}
		if c.QueryParam("format") != "csv" {
			return c.JSON(http.StatusOK, map[string]any{"within": within, "max_street_distance_m": boundaries.AddressStreetMaxM, "divisions": out})
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		h.Set(echo.HeaderContentDisposition, `attachment; filename="address-geometry-`+within+`.csv"`)
		c.Response().WriteHeader(http.StatusOK)
		_, _ = c.Response().Write([]byte("\ufeff")) // so that spreadsheet programs read UTF-8
		w := csv.NewWriter(c.Response())
		_ = w.Write(geometryReportHeader)
		for _, g := range out {
			_ = w.Write([]string{g.Code, g.Name, strconv.Itoa(g.AddressesOutside), strconv.Itoa(g.AddressesFarFromStreet),
				strconv.Itoa(g.StreetsWithoutGeom), strconv.Itoa(g.PlacesWithoutGeom), strconv.Itoa(g.PlatesWithoutPoint), strconv.Itoa(g.Total)})
		}
		w.Flush()
		return w.Error()
	}
}
