package web

import (
	"net/http"
	"strconv"

	"github.com/diming/diming/doorplate"
	"github.com/labstack/echo/v4"
)

// platesPage is /work/plates: the villages and communities of a division
// with their plate counts; for a chosen community its streets (issue a
// street's plates, print its sheet) and its active plates (revoke or
// replace one, with the reason, on the street chosen with ?street=).
type platesPage struct {
	Within      string
	Communities []doorplate.CommunitySummary
	Community   *doorplate.CommunitySummary
	Streets     []doorplate.StreetSummary
	Street      *doorplate.StreetSummary // the street whose plates are listed
	Plates      []doorplate.Plate
	Limit       int
}

func handlePlatesPage(p *pages, d Deps) echo.HandlerFunc {
	s := d.Doorplate
	return func(c echo.Context) error {
		u, err := p.signedIn(c)
		if u == nil {
			return err
		}
		ctx := c.Request().Context()
		data := platesPage{Within: c.QueryParam("within"), Limit: 500}
		if data.Within == "" {
			data.Within = u.Scope
		}
		if code := c.QueryParam("community"); code != "" {
			cs, err := s.PlateCommunities(ctx, code)
			if err != nil {
				return err
			}
			for i := range cs {
				if cs[i].Code == code {
					data.Community = &cs[i]
				}
			}
			if data.Community == nil {
				data.Community = &doorplate.CommunitySummary{Code: code, Name: code}
			}
			if data.Streets, err = s.PlateStreets(ctx, code); err != nil {
				return err
			}
			for i := range data.Streets {
				if strconv.FormatInt(data.Streets[i].ID, 10) == c.QueryParam("street") {
					data.Street = &data.Streets[i]
				}
			}
			if data.Street != nil {
				if data.Plates, err = s.FindPlates(ctx, doorplate.BatchScope{StreetID: data.Street.ID}); err != nil {
					return err
				}
			}
		} else if data.Within != "" {
			if data.Communities, err = s.PlateCommunities(ctx, data.Within); err != nil {
				return err
			}
		}
		title := "门牌"
		if data.Community != nil {
			title = data.Community.Name + " · 门牌"
		}
		return p.render(c, http.StatusOK, "field_plates", pageData{Title: title, Active: "plates", Data: data})
	}
}
