package web

import (
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/diming/diming/gazetteer"
	"github.com/labstack/echo/v4"
)

type announcementDTO struct {
	ID            int64  `json:"id"`
	Title         string `json:"title"`
	Name          string `json:"name"`
	OldName       string `json:"old_name,omitempty"`
	Romanization  string `json:"romanization"`
	DivisionCode  string `json:"division_code"`
	DivisionName  string `json:"division_name"`
	Location      string `json:"location"`
	ApprovingBody string `json:"approving_body"`
	ApprovedOn    string `json:"approved_on"`
	ApprovalDoc   string `json:"approval_doc"`
	PlaceID       int64  `json:"place_id"`
	PublishedAt   string `json:"published_at"`
}

func toAnnouncementDTO(a gazetteer.Announcement) announcementDTO {
	return announcementDTO{ID: a.ID, Title: a.Title, Name: a.Name, OldName: a.OldName, Romanization: a.Romanization,
		DivisionCode: a.DivisionCode, DivisionName: a.DivisionName, Location: a.Location, ApprovingBody: a.ApprovingBody,
		ApprovedOn: a.ApprovedOn.Format(time.DateOnly), ApprovalDoc: a.ApprovalDoc, PlaceID: a.PlaceID,
		PublishedAt: a.PublishedAt.UTC().Format(time.RFC3339)}
}

func handleAnnouncementsJSON(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		as, err := g.Announcements(c.Request().Context(), 50)
		if err != nil {
			return err
		}
		out := []announcementDTO{}
		for _, a := range as {
			out = append(out, toAnnouncementDTO(a))
		}
		return c.JSON(http.StatusOK, map[string]any{"announcements": out})
	}
}

// announcementPages are small server-rendered pages that work without
// JavaScript: the list of announcements and one announcement.
var announcementPages = template.Must(template.New("list").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>地名公告</title>
<link rel="alternate" type="application/atom+xml" title="地名公告" href="/announcements.atom">
<link rel="alternate" type="application/rss+xml" title="地名公告" href="/announcements.rss">
<style>body{font-family:sans-serif;margin:1.5em auto;max-width:40em;padding:0 1em;color:#222;line-height:1.5}
li{margin:.6em 0}.rom{color:#555}small{color:#666}dt{font-weight:bold;margin-top:.5em}</style></head>
<body><h1>地名公告</h1><p><small>订阅：<a href="/announcements.atom">Atom</a> · <a href="/announcements.rss">RSS</a></small></p>
{{if not .}}<p>暂无公告。</p>{{end}}<ul>
{{range .}}<li><a href="/announcements/{{.ID}}">{{.Title}}</a><br><span class="rom">{{.Romanization}}</span>
<small>{{.ApprovingBody}} · {{.ApprovedOn.Format "2006-01-02"}}</small></li>
{{end}}</ul></body></html>`))

var announcementPage = template.Must(template.New("one").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}}</title><style>body{font-family:sans-serif;margin:1.5em auto;max-width:40em;padding:0 1em;color:#222;line-height:1.5}
dt{font-weight:bold;margin-top:.6em}dd{margin-left:0}</style></head>
<body><p><a href="/announcements">← 地名公告</a></p><h1>{{.Title}}</h1><dl>
<dt>标准名称</dt><dd>{{.Name}}</dd>
{{if .OldName}}<dt>原名称</dt><dd>{{.OldName}}</dd>{{end}}
<dt>罗马字母拼写</dt><dd>{{.Romanization}}</dd>
<dt>所属政区</dt><dd>{{if .DivisionName}}{{.DivisionName}} {{end}}({{.DivisionCode}})</dd>
<dt>位置描述</dt><dd>{{if .Location}}{{.Location}}{{else}}—{{end}}</dd>
<dt>批准机关</dt><dd>{{.ApprovingBody}}</dd>
<dt>批准时间</dt><dd>{{.ApprovedOn.Format "2006-01-02"}}</dd>
<dt>批复文件</dt><dd>{{.ApprovalDoc}}</dd>
<dt>发布日期</dt><dd>{{.PublishedAt.Format "2006-01-02"}}</dd>
</dl></body></html>`))

func renderHTML(c echo.Context, t *template.Template, v any) error {
	var b strings.Builder
	if err := t.Execute(&b, v); err != nil {
		return fmt.Errorf("render %s: %w", t.Name(), err)
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.HTML(http.StatusOK, b.String())
}

func handleAnnouncementsPage(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		as, err := g.Announcements(c.Request().Context(), 100)
		if err != nil {
			return err
		}
		return renderHTML(c, announcementPages, as)
	}
}

func handleAnnouncementPage(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		a, err := g.Announcement(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return renderHTML(c, announcementPage, a)
	}
}

// Atom (RFC 4287) and RSS 2.0 shapes, only what the feeds use.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Link    []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
}

type atomEntry struct {
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Author  string   `xml:"author>name"`
	Summary string   `xml:"summary"`
}

type rssFeed struct {
	XMLName xml.Name  `xml:"rss"`
	Version string    `xml:"version,attr"`
	Title   string    `xml:"channel>title"`
	Link    string    `xml:"channel>link"`
	Desc    string    `xml:"channel>description"`
	Items   []rssItem `xml:"channel>item"`
}

type rssItem struct {
	Title   string `xml:"title"`
	Link    string `xml:"link"`
	GUID    string `xml:"guid"`
	PubDate string `xml:"pubDate"`
	Desc    string `xml:"description"`
}

func announcementSummary(a gazetteer.Announcement) string {
	s := fmt.Sprintf("标准名称：%s（%s）；所属政区：%s %s；批准机关：%s；批准时间：%s；批复文件：%s", a.Name, a.Romanization,
		a.DivisionName, a.DivisionCode, a.ApprovingBody, a.ApprovedOn.Format(time.DateOnly), a.ApprovalDoc)
	if a.Location != "" {
		s += "；位置：" + a.Location
	}
	return s
}

// handleAnnouncementsFeed serves the announcements as Atom or RSS.
func handleAnnouncementsFeed(g *gazetteer.Service, cfg Config, kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		as, err := g.Announcements(c.Request().Context(), 50)
		if err != nil {
			return err
		}
		base := strings.TrimSuffix(cfg.PublicURL, "/")
		var v any
		ct := "application/atom+xml; charset=utf-8"
		if kind == "atom" {
			f := atomFeed{Title: "地名公告", ID: base + "/announcements", Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
				Link: []atomLink{{Href: base + "/announcements"}, {Href: base + "/announcements.atom", Rel: "self"}}}
			for i, a := range as {
				up := a.PublishedAt.UTC().Format(time.RFC3339)
				if i == 0 {
					f.Updated = up
				}
				u := fmt.Sprintf("%s/announcements/%d", base, a.ID)
				f.Entries = append(f.Entries, atomEntry{Title: a.Title, ID: u, Updated: up, Link: atomLink{Href: u}, Author: a.ApprovingBody, Summary: announcementSummary(a)})
			}
			v = f
		} else {
			ct = "application/rss+xml; charset=utf-8"
			f := rssFeed{Version: "2.0", Title: "地名公告", Link: base + "/announcements", Desc: "地名命名、更名公告"}
			for _, a := range as {
				u := fmt.Sprintf("%s/announcements/%d", base, a.ID)
				f.Items = append(f.Items, rssItem{Title: a.Title, Link: u, GUID: u, PubDate: a.PublishedAt.UTC().Format(time.RFC1123Z), Desc: announcementSummary(a)})
			}
			v = f
		}
		b, err := xml.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
		return c.Blob(http.StatusOK, ct, append([]byte(xml.Header), b...))
	}
}
