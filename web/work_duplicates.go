package web

import (
	"net/http"
	"net/url"

	"github.com/diming/diming/gazetteer"
	"github.com/labstack/echo/v4"
)

// duplicatesPage is the clean-up page (不规范地名清理整治) of a division:
// the report of gazetteer.Service.Duplicates with, for each clashing name,
// a form that starts its renaming through the normal workflow.
type duplicatesPage struct {
	Division string
	CSV      string
	Names    int
	Groups   []duplicateGroupRow
}

type duplicateGroupRow struct {
	Reason   string
	Category string
	Places   []placeRefDTO
}

func handleDuplicatesPage(p *pages, g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := p.signedIn(c)
		if u == nil {
			return err
		}
		d := duplicatesPage{Division: c.QueryParam("division")}
		if d.Division == "" {
			d.Division = u.Scope
		}
		if d.Division != "" {
			rep, err := g.Duplicates(c.Request().Context(), d.Division)
			if err != nil {
				return err
			}
			d.Names = rep.Names
			d.CSV = "/api/v1/naming/duplicates?" + url.Values{"division": {rep.Division}, "format": {"csv"}}.Encode()
			for _, gr := range rep.Groups {
				row := duplicateGroupRow{Reason: gr.Reason(), Category: gazetteer.CategoryNames[gr.Category]}
				for _, pl := range gr.Places {
					row.Places = append(row.Places, toPlaceRefDTO(pl))
				}
				d.Groups = append(d.Groups, row)
			}
		}
		return p.render(c, http.StatusOK, "duplicates", pageData{Title: "重名同音清理", Active: "duplicates", Data: d})
	}
}
