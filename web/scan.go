package web

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/diming/diming/doorplate"
	"github.com/labstack/echo/v4"
)

// The scan page: what a resident sees after scanning a doorplate. Small,
// server-rendered, no JavaScript, no third-party requests, in Chinese, and
// without any resident data.

var scanStatus = map[string]int{
	doorplate.ScanOK:       http.StatusOK,
	doorplate.ScanForged:   http.StatusBadRequest,
	doorplate.ScanUnknown:  http.StatusNotFound,
	doorplate.ScanRevoked:  http.StatusGone,
	doorplate.ScanReplaced: http.StatusGone,
}

func handleScan(s *doorplate.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		res, err := s.Scan(c.Request().Context(), c.Param("code"))
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:")
		h.Add("Vary", "Accept")
		status := scanStatus[res.State]
		if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON) {
			return c.JSON(status, toScanDTO(res))
		}
		h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		c.Response().WriteHeader(status)
		return scanPage.Execute(c.Response(), res)
	}
}

type pointDTO struct {
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
	CRS string  `json:"crs"`
}

type phoneDTO struct {
	Display string `json:"display"`
	Tel     string `json:"tel,omitempty"`
	Masked  bool   `json:"masked,omitempty"`
}

type contactDTO struct {
	Name  string    `json:"name"`
	Role  string    `json:"role"`
	Unit  string    `json:"unit,omitempty"`
	Phone *phoneDTO `json:"phone,omitempty"`
}

type scanDTO struct {
	State         string            `json:"state"`
	Message       string            `json:"message,omitempty"`
	ReplacedByURL string            `json:"replaced_by_url,omitempty"`
	Address       *scanAddressDTO   `json:"address,omitempty"`
	Community     *scanCommunityDTO `json:"community,omitempty"`
	GridWorker    *contactDTO       `json:"grid_worker,omitempty"`
	Police        *contactDTO       `json:"police,omitempty"`
	Navigation    []navDTO          `json:"navigation,omitempty"`
}

type scanAddressDTO struct {
	Code      string   `json:"code"`
	FullText  string   `json:"full_text"`
	Pinyin    string   `json:"pinyin"`
	Lifecycle string   `json:"lifecycle"`
	Position  pointDTO `json:"position"`
	GCJ02     pointDTO `json:"gcj02"`
	BD09      pointDTO `json:"bd09"`
}

type scanCommunityDTO struct {
	Name          string    `json:"name"`
	Office        string    `json:"office,omitempty"`
	OfficeAddress string    `json:"office_address,omitempty"`
	OfficeHours   string    `json:"office_hours,omitempty"`
	ServicePhone  *phoneDTO `json:"service_phone,omitempty"`
}

type navDTO struct {
	App string `json:"app"`
	URL string `json:"url"`
}

func toPhoneDTO(p doorplate.Phone) *phoneDTO {
	if p.Display == "" {
		return nil
	}
	return &phoneDTO{Display: p.Display, Tel: p.Dial, Masked: p.Masked}
}

func toContactDTO(c *doorplate.ContactView) *contactDTO {
	if c == nil {
		return nil
	}
	return &contactDTO{Name: c.Name, Role: c.Role, Unit: c.Unit, Phone: toPhoneDTO(c.Phone)}
}

func toScanDTO(r doorplate.ScanResult) scanDTO {
	out := scanDTO{State: r.State, Message: r.Message, ReplacedByURL: r.ReplacedByURL}
	v := r.View
	if v == nil {
		return out
	}
	out.Address = &scanAddressDTO{Code: v.AddressCode, FullText: v.FullText, Pinyin: v.Pinyin, Lifecycle: v.Lifecycle,
		Position: pointDTO{v.Position[0], v.Position[1], doorplate.CRS},
		GCJ02:    pointDTO{v.GCJ02[0], v.GCJ02[1], "GCJ-02"}, BD09: pointDTO{v.BD09[0], v.BD09[1], "BD-09"}}
	out.Community = &scanCommunityDTO{Name: v.Community.Name, Office: v.Community.Office, OfficeAddress: v.Community.OfficeAddress,
		OfficeHours: v.Community.OfficeHours, ServicePhone: toPhoneDTO(v.Community.ServicePhone)}
	out.GridWorker, out.Police = toContactDTO(v.Grid), toContactDTO(v.Police)
	for _, n := range v.Nav {
		out.Navigation = append(out.Navigation, navDTO{App: n.App, URL: n.URL})
	}
	return out
}

var scanPage = template.Must(template.New("scan").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{with .View}}{{.FullText}}{{else}}门牌{{end}} · 数字门牌</title>
<style>body{font:16px/1.5 sans-serif;margin:0 auto;max-width:30em;padding:.5em 1em;color:#222}h1{font-size:1.25em;margin:.4em 0}
.py{color:#555;margin:0 0 .6em}section{border-top:1px solid #ddd;padding:.4em 0}h2{font-size:1em;margin:.2em 0;color:#1a4d8f}
a{color:#1a4d8f}.nav a{display:inline-block;margin:.2em .6em .2em 0;padding:.3em .6em;border:1px solid #1a4d8f;border-radius:4px;text-decoration:none}
.warn{background:#fff3cd;padding:.6em;border-radius:4px}small{color:#666}svg{max-width:100%;height:auto;background:#f4f1ea}</style></head>
<body>
{{- if .View}}{{with .View}}
<h1>{{.FullText}}</h1>
<p class="py">{{.Pinyin}}</p>
{{if ne .Lifecycle "current"}}<p class="warn">此地址状态：{{.Lifecycle}}</p>{{end}}
<section><h2>所在社区</h2><p>{{.Community.Name}}{{with .Community.Office}}<br>{{.}}{{end}}{{with .Community.OfficeAddress}}<br>地址：{{.}}{{end}}{{with .Community.OfficeHours}}<br>办公时间：{{.}}{{end}}
{{with .Community.ServicePhone}}{{if .Display}}<br>服务电话：{{template "phone" .}}{{end}}{{end}}</p></section>
{{with .Grid}}<section><h2>网格员</h2><p>{{.Name}}（{{.Role}}{{with .Unit}}，{{.}}{{end}}）{{if .Phone.Display}}<br>电话：{{template "phone" .Phone}}{{end}}</p></section>{{end}}
{{with .Police}}<section><h2>社区警务</h2><p>{{.Name}}（{{.Role}}{{with .Unit}}，{{.}}{{end}}）{{if .Phone.Display}}<br>电话：{{template "phone" .Phone}}{{end}}</p></section>{{end}}
<section><h2>位置</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="280" height="160" viewBox="0 0 280 160" role="img" aria-label="位置示意图">
{{with .Map.Grid}}<path d="{{.}}" fill="#1a4d8f22" stroke="#1a4d8f" stroke-width="1" stroke-dasharray="4 3"/>{{end}}
{{with .Map.Street}}<path d="{{.}}" fill="none" stroke="#fff" stroke-width="9" stroke-linecap="round"/><path d="{{.}}" fill="none" stroke="#c9b98f" stroke-width="7" stroke-linecap="round"/>{{end}}
<circle cx="{{.Map.X}}" cy="{{.Map.Y}}" r="7" fill="#d33" stroke="#fff" stroke-width="2"/>
<text x="6" y="154" font-size="10" fill="#666">示意图，约 400 米宽，非正式地图</text></svg>
<p class="nav">{{range .Nav}}<a href="{{.URL}}" rel="noopener">{{.App}}导航</a>{{end}}</p>
<small>地址编码 {{.AddressCode}} · CGCS2000 {{printf "%.6f" (index .Position 0)}}, {{printf "%.6f" (index .Position 1)}}</small></section>
{{end}}{{else}}
<h1>{{if eq .State "forged"}}无法验证的二维码{{else if eq .State "revoked"}}门牌已注销{{else if eq .State "replaced"}}门牌已更换{{else}}未找到门牌{{end}}</h1>
<p class="warn">{{.Message}}</p>
{{with .ReplacedByURL}}<p><a href="{{.}}">查看新门牌的地址信息</a></p>{{end}}
{{end}}
<p><small>数字门牌 · 本页不收集、不显示任何住户信息。</small></p>
</body></html>
{{define "phone"}}{{if .Dial}}<a href="tel:{{.Dial}}">{{.Display}}</a>{{else}}{{.Display}}{{if .Masked}} <small>（号码已隐藏部分）</small>{{end}}{{end}}{{end}}`))
