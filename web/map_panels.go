package web

import (
	"net/http"

	"github.com/diming/diming/doorplate"
	"github.com/labstack/echo/v4"
)

// addMapRoutes adds what the web map and its panels read beyond the
// domain APIs: the heritage list and an address with its plates.
func addMapRoutes(api *echo.Group, d Deps) {
	if d.Gazetteer != nil {
		api.GET("/heritage", handleHeritageList(d.Gazetteer))
		api.GET("/heritage/:id", handleHeritageGet(d.Gazetteer))
	}
	if d.Doorplate != nil {
		api.GET("/addresses/:id/plates", handleAddressPlates(d.Doorplate))
	}
}

// handleAddressPlates: GET /api/v1/addresses/:id/plates — an address with
// its plates (status, QR, scan URL), for the doorplate panel. The plates
// are read as the print sheet reads them, so the doorplate service decides
// who may see them (an issuer in the address's scope).
func handleAddressPlates(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		if _, err := requireUser(c); err != nil {
			return err
		}
		ctx := c.Request().Context()
		a, err := s.FindAddress(ctx, id)
		if err != nil {
			return err
		}
		scope := doorplate.BatchScope{StreetID: a.StreetID}
		if a.StreetID == 0 {
			scope = doorplate.BatchScope{CommunityCode: a.DivisionCode}
		}
		ps, err := s.FindPlates(ctx, scope)
		if err != nil {
			return err
		}
		out := []plateDTO{}
		for _, p := range ps {
			if p.AddressID == a.ID {
				out = append(out, toPlateDTO(p))
			}
		}
		return c.JSON(http.StatusOK, map[string]any{"address": toAddressDTO(a), "plates": out})
	}
}
