package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/diming/diming"
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
	renderHTML := func(res doorplate.ScanResult) ([]byte, error) {
		var b bytes.Buffer
		b.Grow(4096)
		writeScanPage(&b, publicScan(res))
		return b.Bytes(), nil
	}
	renderJSON := func(res doorplate.ScanResult) ([]byte, error) { return json.Marshal(toScanDTO(publicScan(res))) }
	return func(c echo.Context) error {
		format, render, ctype := "html", renderHTML, echo.MIMETextHTMLCharsetUTF8
		if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON) {
			format, render, ctype = "json", renderJSON, echo.MIMEApplicationJSON
		}
		res, page, err := s.ScanRendered(c.Request().Context(), c.Param("code"), format, render)
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set("Cache-Control", "no-cache")
		h.Set(HeaderGrade, string(diming.GradePublic)) // the same page for every caller: publicScan
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:")
		h.Add("Vary", "Accept")
		// A stated length spares the page chunked encoding (it is larger
		// than net/http's 2 KB response buffer).
		h.Set(echo.HeaderContentLength, strconv.Itoa(len(page)))
		return c.Blob(scanStatus[res.State], ctype, page)
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
	Links         []scanLinkDTO     `json:"links,omitempty"`
}

// scanLinkDTO is one public record a department linked to the address.
type scanLinkDTO struct {
	Title string `json:"title"`
	Text  string `json:"text"`
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
	for _, l := range v.Links {
		out.Links = append(out.Links, scanLinkDTO{Title: l.Title, Text: l.Text})
	}
	return out
}

// writeScanPage renders the scan page. It is written out by hand rather
// than with html/template because it is the one page rendered on every
// scan of a million plates, and the template's reflection cost more than
// everything else a scan does. Every value from the database goes
// through esc (text and double-quoted attributes); URLs are built by the
// service from fixed https prefixes and escaped query values, and tel:
// targets are digits only.
func writeScanPage(b *bytes.Buffer, res doorplate.ScanResult) {
	w := b.WriteString
	e := func(s string) { writeEscaped(b, s) }
	w(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>`)
	if v := res.View; v != nil {
		e(v.FullText)
	} else {
		w("门牌")
	}
	w(` · 数字门牌</title>
<style>body{font:16px/1.5 sans-serif;margin:0 auto;max-width:30em;padding:.5em 1em;color:#222}h1{font-size:1.25em;margin:.4em 0}
.py{color:#555;margin:0 0 .6em}section{border-top:1px solid #ddd;padding:.4em 0}h2{font-size:1em;margin:.2em 0;color:#1a4d8f}
a{color:#1a4d8f}.nav a{display:inline-block;margin:.2em .6em .2em 0;padding:.3em .6em;border:1px solid #1a4d8f;border-radius:4px;text-decoration:none}
.warn{background:#fff3cd;padding:.6em;border-radius:4px}small{color:#666}svg{max-width:100%;height:auto;background:#f4f1ea}</style></head>
<body>`)
	if v := res.View; v != nil {
		w("\n<h1>")
		e(v.FullText)
		w("</h1>\n<p class=\"py\">")
		e(v.Pinyin)
		w("</p>\n")
		if v.Lifecycle != doorplate.LifecycleCurrent {
			w(`<p class="warn">此地址状态：`)
			e(v.Lifecycle)
			w("</p>\n")
		}
		c := v.Community
		w("<section><h2>所在社区</h2><p>")
		e(c.Name)
		for _, f := range [][2]string{{"", c.Office}, {"地址：", c.OfficeAddress}, {"办公时间：", c.OfficeHours}} {
			if f[1] != "" {
				w("<br>" + f[0])
				e(f[1])
			}
		}
		if c.ServicePhone.Display != "" {
			w("<br>服务电话：")
			writePhone(b, c.ServicePhone)
		}
		w("</p></section>\n")
		for _, p := range []struct {
			title string
			c     *doorplate.ContactView
		}{{"网格员", v.Grid}, {"社区警务", v.Police}} {
			if p.c == nil {
				continue
			}
			w("<section><h2>" + p.title + "</h2><p>")
			e(p.c.Name)
			w("（")
			e(p.c.Role)
			if p.c.Unit != "" {
				w("，")
				e(p.c.Unit)
			}
			w("）")
			if p.c.Phone.Display != "" {
				w("<br>电话：")
				writePhone(b, p.c.Phone)
			}
			w("</p></section>\n")
		}
		if len(v.Links) > 0 {
			w("<section><h2>部门信息</h2>")
			for _, l := range v.Links {
				w("<p><b>")
				e(l.Title)
				w("</b><br>")
				e(l.Text)
				w("</p>")
			}
			w("</section>\n")
		}
		w(`<section><h2>位置</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="280" height="160" viewBox="0 0 280 160" role="img" aria-label="位置示意图">
`)
		if v.Map.Grid != "" {
			w(`<path d="`)
			e(v.Map.Grid)
			w(`" fill="#1a4d8f22" stroke="#1a4d8f" stroke-width="1" stroke-dasharray="4 3"/>`)
		}
		if v.Map.Street != "" {
			for _, style := range []string{`#fff" stroke-width="9`, `#c9b98f" stroke-width="7`} {
				w(`<path d="`)
				e(v.Map.Street)
				w(`" fill="none" stroke="` + style + `" stroke-linecap="round"/>`)
			}
		}
		w("\n<circle cx=\"")
		writeFloat(b, v.Map.X, -1)
		w(`" cy="`)
		writeFloat(b, v.Map.Y, -1)
		w(`" r="7" fill="#d33" stroke="#fff" stroke-width="2"/>` + "\n")
		w(`<text x="6" y="154" font-size="10" fill="#666">示意图，约 400 米宽，非正式地图</text></svg>
<p class="nav">`)
		for _, n := range v.Nav {
			w(`<a href="`)
			e(n.URL)
			w(`" rel="noopener">`)
			e(n.App)
			w("导航</a>")
		}
		w("</p>\n<small>地址编码 ")
		e(v.AddressCode)
		w(" · CGCS2000 ")
		writeFloat(b, v.Position[0], 6)
		w(", ")
		writeFloat(b, v.Position[1], 6)
		w("</small></section>\n")
	} else {
		title, ok := scanTitles[res.State]
		if !ok {
			title = "未找到门牌"
		}
		w("\n<h1>" + title + "</h1>\n<p class=\"warn\">")
		e(res.Message)
		w("</p>\n")
		if res.ReplacedByURL != "" {
			w(`<p><a href="`)
			e(res.ReplacedByURL)
			w(`">查看新门牌的地址信息</a></p>` + "\n")
		}
	}
	w(`
<p><small>数字门牌 · 本页不收集、不显示任何住户信息。</small></p>
</body></html>
`)
}

var scanTitles = map[string]string{doorplate.ScanForged: "无法验证的二维码", doorplate.ScanRevoked: "门牌已注销",
	doorplate.ScanReplaced: "门牌已更换"}

// writePhone writes a number as a tel: link when it can be dialled (only
// digits, + and - reach the href), else as text.
func writePhone(b *bytes.Buffer, p doorplate.Phone) {
	if p.Dial != "" && strings.Trim(p.Dial, "0123456789+-") == "" {
		b.WriteString(`<a href="tel:` + p.Dial + `">`)
		writeEscaped(b, p.Display)
		b.WriteString("</a>")
		return
	}
	writeEscaped(b, p.Display)
	if p.Masked {
		b.WriteString(" <small>（号码已隐藏部分）</small>")
	}
}

// writeEscaped writes s escaped for HTML text and quoted attributes, as
// html.EscapeString does, without building a string per value.
func writeEscaped(b *bytes.Buffer, s string) {
	for {
		i := strings.IndexAny(s, `<>&'"`)
		if i < 0 {
			b.WriteString(s)
			return
		}
		b.WriteString(s[:i])
		b.WriteString(htmlEntities[s[i]])
		s = s[i+1:]
	}
}

var htmlEntities = [256]string{'<': "&lt;", '>': "&gt;", '&': "&amp;", '\'': "&#39;", '"': "&#34;"}

func writeFloat(b *bytes.Buffer, x float64, prec int) {
	var a [32]byte
	b.Write(strconv.AppendFloat(a[:0], x, 'f', prec, 64))
}
