package web

import (
	"context"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/labstack/echo/v4"
)

type plateDTO struct {
	PublicID   string `json:"public_id"`
	Code       string `json:"code"`
	URL        string `json:"url"`
	AddressID  int64  `json:"address_id"`
	FullText   string `json:"full_text"`
	Pinyin     string `json:"pinyin"`
	Status     string `json:"status"`
	ReplacedBy string `json:"replaced_by,omitempty"`
	Batch      string `json:"batch,omitempty"`
	Reason     string `json:"reason,omitempty"`
	IssuedAt   string `json:"issued_at"`
	Version    int    `json:"version"`
}

func toPlateDTO(p doorplate.Plate) plateDTO {
	return plateDTO{PublicID: p.PublicID, Code: p.Code, URL: p.URL, AddressID: p.AddressID, FullText: p.FullText, Pinyin: p.Pinyin,
		Status: p.Status, ReplacedBy: p.ReplacedBy, Batch: p.Batch, Reason: p.Reason, IssuedAt: p.IssuedAt.UTC().Format(time.RFC3339),
		Version: p.Version}
}

func toPlateDTOs(ps []doorplate.Plate) []plateDTO {
	out := make([]plateDTO, 0, len(ps))
	for _, p := range ps {
		out = append(out, toPlateDTO(p))
	}
	return out
}

type issueRequest struct {
	AddressID int64 `json:"address_id"`
}

func (r issueRequest) Valid(context.Context) map[string]string {
	if r.AddressID <= 0 {
		return map[string]string{"address_id": "required"}
	}
	return nil
}

func handlePlateIssue(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, err := decodeValid[issueRequest](c)
		if err != nil {
			return err
		}
		p, err := s.IssuePlate(c.Request().Context(), r.AddressID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, toPlateDTO(p))
	}
}

type batchRequest struct {
	StreetID      int64  `json:"street_id"`
	CommunityCode string `json:"community_code"`
}

func (r batchRequest) Valid(context.Context) map[string]string {
	if (r.StreetID == 0) == (r.CommunityCode == "") {
		return map[string]string{"street_id": "give either street_id or community_code"}
	}
	return nil
}

func handlePlateBatch(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, err := decodeValid[batchRequest](c)
		if err != nil {
			return err
		}
		ps, err := s.IssueBatch(c.Request().Context(), doorplate.BatchScope{StreetID: r.StreetID, CommunityCode: r.CommunityCode})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]any{"issued": len(ps), "plates": toPlateDTOs(ps)})
	}
}

func handlePlateGet(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := s.FindPlate(c.Request().Context(), c.Param("pid"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toPlateDTO(p))
	}
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (r reasonRequest) Valid(context.Context) map[string]string {
	if r.Reason == "" {
		return map[string]string{"reason": "say why (kept in the audit log)"}
	}
	return nil
}

func handlePlateRevoke(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, err := decodeValid[reasonRequest](c)
		if err != nil {
			return err
		}
		p, err := s.RevokePlate(c.Request().Context(), c.Param("pid"), r.Reason)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toPlateDTO(p))
	}
}

func handlePlateReplace(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, err := decodeValid[reasonRequest](c)
		if err != nil {
			return err
		}
		p, err := s.ReplacePlate(c.Request().Context(), c.Param("pid"), r.Reason)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, toPlateDTO(p))
	}
}

// handlePlateQR serves a plate's QR code for printing: ?size=large|medium|
// small picks the plate format, ?dpi= the print resolution of the PNG.
func handlePlateQR(s *doorplate.Service, format string) echo.HandlerFunc {
	return func(c echo.Context) error {
		size, err := doorplate.FindPlateSize(orDefault(c.QueryParam("size"), "medium"))
		if err != nil {
			return err
		}
		p, err := s.FindPlate(c.Request().Context(), c.Param("pid"))
		if err != nil {
			return err
		}
		if p.Status != doorplate.PlateActive {
			return diming.E("web.PlateQR", diming.Conflict, "this plate is "+p.Status+"; print its replacement")
		}
		c.Response().Header().Set("Cache-Control", "private, max-age=3600")
		if format == "svg" {
			svg, err := doorplate.QRSVG(p.URL, size.QRMM)
			if err != nil {
				return err
			}
			return c.Blob(http.StatusOK, "image/svg+xml", []byte(svg))
		}
		dpi, err := strconv.Atoi(orDefault(c.QueryParam("dpi"), "300"))
		if err != nil || dpi < 72 || dpi > 1200 {
			return diming.E("web.PlateQR", diming.Invalid, "dpi must be 72–1200")
		}
		png, err := doorplate.QRPNG(p.URL, size.Pixels(dpi))
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "image/png", png)
	}
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func handlePlateScans(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		counts, err := s.ScanCounts(c.Request().Context(), c.Param("pid"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"public_id": c.Param("pid"), "scans_per_day": counts})
	}
}

type sheetPlate struct {
	doorplate.Plate
	QR template.HTML
}

// handlePrintSheet renders a printable A4 sheet of a street's or a
// community's active plates: address, pinyin, number and QR at plate size.
func handlePrintSheet(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		scope := doorplate.BatchScope{CommunityCode: c.QueryParam("community")}
		if v := c.QueryParam("street"); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return diming.E("web.PrintSheet", diming.Invalid, "street must be a number")
			}
			scope.StreetID = id
		}
		size, err := doorplate.FindPlateSize(orDefault(c.QueryParam("size"), "small"))
		if err != nil {
			return err
		}
		ps, err := s.FindPlates(c.Request().Context(), scope)
		if err != nil {
			return err
		}
		items := make([]sheetPlate, 0, len(ps))
		for _, p := range ps {
			svg, err := doorplate.QRSVG(p.URL, size.QRMM)
			if err != nil {
				return err
			}
			items = append(items, sheetPlate{Plate: p, QR: template.HTML(svg)}) // our own SVG, no user input inside
		}
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		return sheetPage.Execute(c.Response(), map[string]any{"Plates": items, "Size": size})
	}
}

var sheetPage = template.Must(template.New("sheet").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>门牌打印单</title>
<style>@page{size:A4;margin:10mm}body{font-family:sans-serif;margin:0}
.plate{display:inline-flex;box-sizing:border-box;width:{{index .Size.PlateMM 0}}mm;height:{{index .Size.PlateMM 1}}mm;border:1px dashed #999;
margin:2mm;padding:3mm;break-inside:avoid;background:#1a4d8f;color:#fff;gap:3mm;align-items:center}
.plate .t{flex:1;overflow:hidden}.plate .n{font-size:16mm;font-weight:bold;line-height:1}.plate .a{font-size:3mm}.plate .p{font-size:2.5mm;opacity:.85}
.plate .q{background:#fff;padding:1mm;line-height:0}</style></head><body>
<p>共 {{len .Plates}} 块门牌（{{.Size.Name}}，{{index .Size.PlateMM 0}}×{{index .Size.PlateMM 1}} mm，二维码 {{.Size.QRMM}} mm）</p>
{{range .Plates}}<div class="plate"><div class="t"><div class="n">{{.DoorLabel}}</div><div class="a">{{.FullText}}</div><div class="p">{{.Pinyin}}</div></div><div class="q">{{.QR}}</div></div>
{{end}}</body></html>`))
