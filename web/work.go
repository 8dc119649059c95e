package web

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/labstack/echo/v4"
)

// templates holds the workspace's server-rendered pages: layout.html and
// one file per page, each defining "content" (and optionally "head").
//
//go:embed templates
var templates embed.FS

// pages renders the workspace: forms and queues are server-rendered with
// html/template; their forms post JSON to the API through static/form.js,
// so the API stays the one place where rules are decided.
type pages struct {
	assets    *assets
	set       map[string]*template.Template
	divisions *divisionNames // nil: pages show division codes
}

// divisionNames remembers division names for pages (the user's scope in
// the header, an application's division), read again after divisionNameTTL
// since divisions are renamed.
type divisionNames struct {
	svc  *boundaries.Service
	mu   sync.Mutex
	seen map[string]divisionName
}

type divisionName struct {
	name string
	at   time.Time
}

const divisionNameTTL = 10 * time.Minute

// name returns the current name of division code with its code, or the
// code alone when it cannot be read.
func (s *divisionNames) name(ctx context.Context, code string) string {
	if s == nil || code == "" {
		return code
	}
	s.mu.Lock()
	n, ok := s.seen[code]
	s.mu.Unlock()
	if ok && time.Since(n.at) < divisionNameTTL {
		return n.name
	}
	d, err := s.svc.Division(ctx, code)
	if err != nil || d.Name == "" {
		return code
	}
	n = divisionName{name: d.Name + "（" + code + "）", at: time.Now()}
	s.mu.Lock()
	s.seen[code] = n
	s.mu.Unlock()
	return n.name
}

func newPages(a *assets) (*pages, error) {
	p := &pages{assets: a, set: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"asset":     a.URL,
		"importmap": a.ImportMap,
		"who":       displayName,
		"roles":     roleNames,
		"role":      roleName,
		"kb": func(n int) string {
			if n < 1024 {
				return strconv.Itoa(n) + " 字节"
			}
			return strconv.FormatFloat(float64(n)/1024, 'f', 1, 64) + " KB"
		},
		"date": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.Format(time.DateOnly)
		},
	}
	maps.Copy(funcs, fieldFuncs(a))
	maps.Copy(funcs, linkFuncs())
	names, err := fs.Glob(templates, "templates/*.html")
	if err != nil {
		return nil, diming.E("web.newPages", err)
	}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout").Funcs(funcs).ParseFS(templates, "templates/layout.html", n)
		if err != nil {
			return nil, diming.E("web.newPages", err)
		}
		p.set[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return p, nil
}

// pageData is what the layout needs, plus the page's own Data.
type pageData struct {
	Title  string
	Active string // the nav key of this page
	User   *diming.User
	CSRF   string
	Path   string // the request's path and query, for sign-in links
	Nav    []navItem
	Scope  string // the user's division, by name
	Data   any
}

// render writes page name with the layout. Handlers fill Title, Active
// and Data; the rest comes from the request.
func (p *pages) render(c echo.Context, status int, name string, d pageData) error {
	t, ok := p.set[name]
	if !ok {
		return diming.E("web.render", diming.Internal, "no page template "+name)
	}
	c.Set(htmlRouteKey, true)
	d.User = currentUser(c)
	d.CSRF, _ = c.Get(csrfKey).(string)
	d.Path = c.Request().URL.RequestURI()
	d.Nav = navFor(d.User)
	if d.User != nil {
		d.Scope = p.divisions.name(c.Request().Context(), d.User.Scope)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", d); err != nil {
		return diming.E("web.render", err)
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// problems shows a signed-in user's refused or missing workspace page
// inside the layout, with the menu, so they can go on from there; other
// errors go to the error handler (which logs 5xx with the request id).
func (p *pages) problems(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed || c.Request().Method != http.MethodGet || currentUser(c) == nil {
			return err
		}
		status, body := errorResponse(err)
		if status >= 500 {
			return err
		}
		title := map[int]string{http.StatusForbidden: "没有权限", http.StatusNotFound: "未找到"}[status]
		if title == "" {
			title = "无法打开此页"
		}
		return p.render(c, status, "problem", pageData{Title: title, Data: body.Error.Message})
	}
}

// signedIn returns the caller, or renders the sign-in page (401) and a nil
// user: workspace pages need a session.
func (p *pages) signedIn(c echo.Context) (*diming.User, error) {
	if u := currentUser(c); u != nil {
		return u, nil
	}
	return nil, p.render(c, http.StatusUnauthorized, "login", pageData{Title: "登录", Data: loginPage{Next: c.Request().URL.RequestURI()}})
}

type loginPage struct{ Next string }

// navItem is one entry of the workspace's navigation.
type navItem struct {
	Key, Label, Href, Desc string
}

// navFor lists what u can open: public pages for everyone, work pages by
// role. It only hides links; every action is still authorized by its service.
func navFor(u *diming.User) []navItem {
	items := []navItem{{Key: "map", Label: "地图", Href: "/"}}
	add := func(r diming.Role, it navItem) {
		if u.Has(r) {
			items = append(items, it)
		}
	}
	if u != nil {
		items = append(items, navItem{Key: "home", Label: "工作台", Href: "/work"})
	}
	add(diming.RoleCommittee, navItem{Key: "propose", Label: "地名申报", Href: "/work/propose", Desc: "在地图上绘制位置、填写名称，实时查看重名、同音、禁用字词检查，提交申报。"})
	for _, r := range []diming.Role{diming.RoleCommittee, diming.RoleExpert, diming.RoleApprover} {
		if u.Has(r) {
			items = append(items, navItem{Key: "queue", Label: "待办审核", Href: "/work/queue", Desc: "等待我处理的申报，按期限排序，逾期的在前。"})
			break
		}
	}
	add(diming.RoleCommittee, navItem{Key: "duplicates", Label: "重名清理", Href: "/work/duplicates", Desc: "本区划内重名、同音的现行地名，逐条起草规范更名申请；可下载 CSV。"})
	add(diming.RoleInspector, navItem{Key: "boundaries", Label: "界线联检", Href: "/work/boundaries", Desc: "界线、界桩和联检状态；记录联检，下载 GeoJSON / KML 外业数据。"})
	add(diming.RoleApprover, navItem{Key: "plates", Label: "门牌", Href: "/work/plates", Desc: "为街路巷或社区编制门牌，打印门牌单，注销或补换门牌。"})
	add(diming.RoleCommunityAdmin, navItem{Key: "grids", Label: "网格", Href: "/work/grids", Desc: "在地图上绘制和编辑社区网格，维护网格员和联系电话。"})
	items = append(items, linkNav(u)...)
	return append(items,
		navItem{Key: "heritage", Label: "地名文化遗产", Href: "/heritage"},
		navItem{Key: "announcements", Label: "公告", Href: "/announcements"})
}

func roleName(r diming.Role) string { return r.Label() }

func roleNames(u *diming.User) string {
	if u == nil {
		return ""
	}
	var out []string
	for _, r := range u.Roles {
		out = append(out, roleName(r))
	}
	return strings.Join(out, "、")
}

func displayName(u *diming.User) string {
	if u == nil {
		return ""
	}
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if next == "" || err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/work"
	}
	return next
}

// addWorkRoutes adds the workspace pages. Each workspace area registers
// its pages in its own file through the group it is given.
func addWorkRoutes(e *echo.Echo, p *pages, cfg Config, d Deps) {
	if d.Boundaries != nil {
		p.divisions = &divisionNames{svc: d.Boundaries, seen: map[string]divisionName{}}
	}
	e.GET("/login", func(c echo.Context) error {
		return p.render(c, http.StatusOK, "login", pageData{Title: "登录", Data: loginPage{Next: safeNext(c.QueryParam("next"))}})
	})
	addHeritagePages(e, p, cfg, d)
	w := e.Group("/work", timeout(cfg.APITimeout), p.problems)
	w.GET("", func(c echo.Context) error {
		if _, err := p.signedIn(c); err != nil || currentUser(c) == nil {
			return err
		}
		return p.render(c, http.StatusOK, "home", pageData{Title: "工作台", Active: "home"})
	})
	addNamingPages(w, p, d)
	addFieldPages(w, p, d)
	addLinkPages(w, p, d)
}
