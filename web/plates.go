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
		return map[string]string{"address_id": "请选择要编制门牌的地址"}
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
		return map[string]string{"street_id": "请选择一条街路巷或一个社区（二选一）"}
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
		return map[string]string{"reason": "请写明原因（记入审计日志）"}
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
			return diming.E("web.PlateQR", diming.Conflict, "这块门牌已"+plateStatusLabel(p.Status)+"，请打印补换后的新门牌")
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
			return diming.E("web.PlateQR", diming.Invalid, "打印分辨率 dpi 须在 72 到 1200 之间", map[string]string{"dpi": "72 到 1200 之间的整数"})
		}
		png, err := doorplate.QRPNG(p.URL, size.Pixels(dpi))
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "image/png", png)
	}
}

// plateStatusLabel is a plate state as people read it.
func plateStatusLabel(status string) string {
	switch status {
	case doorplate.PlateActive:
		return "在用"
	case doorplate.PlateRevoked:
		return "注销"
	case doorplate.PlateReplaced:
		return "补换"
	}
	return status
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
	Face doorplate.Face
	QR   template.HTML
}

// handlePrintSheet renders a printable A4 sheet of a street's or a
// community's active plates, each face laid out by doorplate.PlateFace.
func handlePrintSheet(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		scope := doorplate.BatchScope{CommunityCode: c.QueryParam("community")}
		if v := c.QueryParam("street"); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return diming.E("web.PrintSheet", diming.Invalid, "街路巷编号须是数字", map[string]string{"street": "街路巷编号须是数字"})
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
			items = append(items, sheetPlate{Face: doorplate.PlateFace(p, size), QR: template.HTML(svg)}) // our own SVG, no user input inside
		}
		var sizes []sheetSize
		for _, z := range doorplate.PlateSizes {
			q := c.Request().URL.Query()
			q.Set("size", z.Name)
			sizes = append(sizes, sheetSize{PlateSize: z, Href: "?" + q.Encode(), Current: z.Name == size.Name})
		}
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return sheetPage.Execute(c.Response(), map[string]any{"Plates": items, "Size": size, "Sizes": sizes})
	}
}

type sheetSize struct {
	doorplate.PlateSize
	Href    string
	Current bool
}

var sheetPage = template.Must(template.New("sheet").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>门牌打印单</title>
<style>@page{size:A4;margin:10mm}
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;margin:0;padding:4mm}
.head{display:flex;flex-wrap:wrap;gap:.4em 1em;align-items:center;margin:0 0 4mm;font-size:15px}
.head h1{font-size:1.2em;margin:0}.head a,.head button{font:inherit}
.plates{display:flex;flex-wrap:wrap;gap:4mm;overflow-x:auto}
.plate>*{flex-shrink:0}
@media screen and (max-width:40em){.plates{zoom:.62}}
.plate{display:flex;box-sizing:border-box;align-items:center;background:#1a4d8f;color:#fff;border:1px dashed #777;
break-inside:avoid;page-break-inside:avoid;overflow:hidden}
.plate .name{display:flex;flex-direction:column;justify-content:center;overflow:hidden}
.plate .st{font-weight:700;line-height:1.1;white-space:nowrap;letter-spacing:.02em}
.plate .py{line-height:1.25;white-space:nowrap;margin-top:.25em}
.plate .num{font-weight:700;line-height:1;white-space:nowrap;text-align:center;background:#fff;color:#b3261e;
align-self:stretch;display:flex;align-items:center;justify-content:center;border-radius:1mm}
.plate .q{margin-left:auto;background:#fff;color:#111;display:flex;flex-direction:column;align-items:center;border-radius:1mm}
.plate .q svg{display:block}
.plate .code{font-family:"DejaVu Sans Mono",monospace;line-height:1.15;text-align:center;margin-top:.3em;white-space:nowrap}
@media print{.head{display:none}body{padding:0}}
</style></head><body>
<div class="head"><h1>门牌打印单</h1>
<span>共 {{len .Plates}} 块门牌（{{.Size.Label}}，{{index .Size.PlateMM 0}}×{{index .Size.PlateMM 1}} 毫米，二维码 {{.Size.QRMM}} 毫米）</span>
<span>规格：{{range .Sizes}}{{if .Current}}<strong>{{.Label}}</strong>{{else}}<a href="{{.Href}}">{{.Label}}</a>{{end}} {{end}}</span>
<button type="button" onclick="print()">打印</button> <a href="/work/plates">返回门牌管理</a></div>
{{if not .Plates}}<p>这里还没有在用的门牌。请先在门牌管理中编制门牌。</p>{{end}}
<div class="plates">
{{range .Plates}}{{with .Face}}<div class="plate" style="width:{{.PlateW}}mm;height:{{.PlateH}}mm;padding:{{.Pad}}mm;gap:{{.Gap}}mm">
<div class="name" style="width:{{.NameW}}mm"><div class="st" style="font-size:{{.NameMM}}mm">{{.Street}}</div><div class="py" style="font-size:{{.PinyinMM}}mm">{{.Pinyin}}</div></div>
<div class="num" style="width:{{.NumberW}}mm;font-size:{{.NumberMM}}mm">{{.Number}}</div>
{{end}}<div class="q" style="padding:1mm">{{.QR}}<div class="code" style="font-size:{{.Face.CodeMM}}mm">{{index .Face.Code 0}}<br>{{index .Face.Code 1}}</div></div></div>
{{end}}</div></body></html>`))
