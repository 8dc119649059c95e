package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/web"
	"github.com/labstack/echo/v4"
)

// syncBuffer collects the server's log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Canaries planted in fields above public (internal) and above internal
// (sensitive): no answer may show them to a caller below their grade.
const (
	canaryRoom   = "CANARY-ROOM-907"         // address.room, internal
	canaryPhone  = "13912345678"             // grid.worker_phone, personal: sensitive
	canaryLinked = "13700001111"             // a linked record's sensitive payload field
	maskedPhone  = "139****5678"             // the canary phone as the scan page shows it
	jsonTypes    = "json|ndjson|csv|kml|geo" // answers that must say their grade
)

// TestEveryAnswerGraded walks every GET route the server has, as an
// anonymous caller, an internal-grade admin and a sensitive-grade admin
// of the county. It fails when an answer shows a field that is not in the
// registry (sharing/grades.go), when a JSON, CSV or KML answer does not
// name the grade it was cut to (it bypassed the grading), or when a value
// planted in an internal or sensitive field reaches a caller below that
// grade. A new handler cannot leave the registry silently.
func TestEveryAnswerGraded(t *testing.T) {
	e := newLinkEnv(t)
	ctx := context.Background()
	n := strings.TrimPrefix(e.county, "9201")
	logs := &syncBuffer{}
	h := web.NewServer(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})), web.Config{PublicURL: e.srv.URL},
		web.Deps{Accounts: e.db, Health: e.db, Doorplate: e.svc, Sharing: e.db, Features: e.db,
			Boundaries: boundaries.New(e.db), Gazetteer: gazetteer.NewService(e.db, nil)})
	srv := httptest.NewServer(h)
	defer srv.Close()

	// The internal caller holds every role but those that keep grids
	// (community admins and admins see personal numbers, as they always
	// did: doorplate.PhonesVisible).
	internal, sensitive := "gradei"+n, "grades"+n
	mustUser(t, e.db, internal, e.county, diming.RoleCommittee, diming.RoleExpert, diming.RoleApprover, diming.RoleInspector)
	if _, err := e.db.CreateUser(ctx, diming.NewUser{Username: sensitive, Password: "correct horse battery", Roles: []diming.Role{diming.RoleAdmin},
		Scope: e.county, Grade: diming.GradeSensitive}); err != nil {
		t.Fatal(err)
	}

	// The canaries.
	adminA := e.api(t, e.adminA)
	poly := map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{120.0, 30.0}, {120.005, 30.0}, {120.005, 30.01}, {120.0, 30.01}, {120.0, 30.0}}}}
	st, out := adminA.do("POST", "/api/v1/grids", map[string]any{"community_code": e.a, "name": "金丝雀网格", "geom": poly,
		"worker_name": "王芳", "worker_phone": canaryPhone, "worker_phone_kind": "personal", "police_phone": "0575-110110", "police_phone_kind": "work"})
	mustStatus(t, "create grid", st, 201, out)
	st, out = e.api(t, e.approver).do("POST", "/api/v1/addresses", map[string]any{"division_code": e.a, "street_id": e.street, "door_number": 3,
		"building": "2幢", "unit": "1单元", "floor": "6", "room": canaryRoom,
		"position": map[string]any{"lon": 120.0043, "lat": 30.0055, "crs": "EPSG:4490"}})
	mustStatus(t, "create address", st, 201, out)
	addrID := fmt.Sprint(int64(out["id"].(float64)))
	st, out = e.token(t, e.fireTok).do("POST", "/api/v1/links", map[string]any{"kind": "check", "ref": "XF-1", "address_code": e.addrCode,
		"grade": "public", "payload": map[string]any{"checked_on": "2026-01-05", "result": "合格", "inspector_phone": canaryLinked}})
	mustStatus(t, "link", st, 201, out)
	var placeID, lineID string
	_ = e.db.Pool.QueryRow(ctx, `SELECT coalesce(min(id)::text, '1') FROM places`).Scan(&placeID)
	_ = e.db.Pool.QueryRow(ctx, `SELECT coalesce(min(id)::text, '1') FROM boundary_lines`).Scan(&lineID)

	// Path parameters by route.
	params := map[string]string{
		"/api/v1/divisions/:code":            e.a,
		"/api/v1/divisions/:code/history":    e.a,
		"/api/v1/addresses/:id":              addrID,
		"/api/v1/addresses/:id/plates":       addrID,
		"/api/v1/addresses/:id/links":        e.addrCode,
		"/api/v1/plates/:pid":                e.pid,
		"/api/v1/plates/:pid/scans":          e.pid,
		"/api/v1/communities/:code/grids":    e.a,
		"/api/v1/communities/:code/contacts": e.a,
		"/api/v1/departments/:code/kinds":    e.fire,
		"/api/v1/audit/:entity/:id":          "grid/" + fmt.Sprint(out["written"]),
		"/api/v1/places/:id":                 placeID,
		"/api/v1/boundary-lines/:id":         lineID,
		"/api/v1/boundary-lines/:id/export":  lineID,
		"/api/v1/boundary-lines/:id/markers": lineID,
		"/ogc/collections/:id":               "grids",
		"/ogc/collections/:id/items":         "grids",
		"/ogc/collections/:id/queryables":    "grids",
		"/api/v1/exports/:id":                "grids",
		"/d/:code":                           "",
	}
	queries := map[string]string{
		"/api/v1/places":                   "q=" + "样例",
		"/api/v1/places/autocomplete":      "q=" + "样例",
		"/api/v1/divisions/at":             "lon=120.004&lat=30.004",
		"/api/v1/export/addresses":         "within=" + e.county,
		"/api/v1/boundary-lines/export":    "division=" + e.county,
		"/api/v1/boundary-lines":           "division=" + e.county,
		"/api/v1/reports/address-geometry": "within=" + e.county,
		"/api/v1/exports/:id":              "format=csv",
	}
	var gridID string
	_ = e.db.Pool.QueryRow(ctx, `SELECT id::text FROM grids WHERE community_code = $1 ORDER BY id DESC LIMIT 1`, e.a).Scan(&gridID)
	params["/api/v1/audit/:entity/:id"] = "grid/" + gridID

	st, out = e.api(t, internal).do("POST", "/api/v1/tokens", map[string]any{"name": "open data", "grade": "public"})
	mustStatus(t, "public-grade token", st, 201, out)
	publicTok := e.token(t, out["token"].(string))
	publicTok.base = srv.URL
	callers := []struct {
		name   string
		c      *client
		absent []string // canaries this caller must not see
	}{
		{"anonymous", newClient(t, srv.URL), []string{canaryRoom, canaryPhone, canaryLinked}},
		{"internal", e.api(t, internal), []string{canaryPhone, canaryLinked}},
		{"internal account's public-grade token", publicTok, []string{canaryRoom, canaryPhone, canaryLinked}},
		{"sensitive", e.api(t, sensitive), nil},
	}
	for i := range callers {
		callers[i].c.t = t
		callers[i].c.base = srv.URL
	}
	paramRe := regexp.MustCompile(`:[a-z]+(/:[a-z]+)?`)
	var routes []string
	for _, r := range h.(*echo.Echo).Routes() {
		if r.Method == http.MethodGet && !slices.Contains(routes, r.Path) && !strings.Contains(r.Path, "*") {
			routes = append(routes, r.Path)
		}
	}
	slices.Sort(routes)
	graded, scanMasked := 0, false
	for _, route := range routes {
		url := route
		if strings.Contains(route, ":") {
			v, ok := params[route]
			if !ok {
				v = "1"
			}
			if route == "/d/:code" {
				url = strings.TrimPrefix(e.plateURL, e.srv.URL)
			} else {
				url = paramRe.ReplaceAllString(route, v)
			}
		}
		if q := queries[route]; q != "" {
			url += "?" + q
		}
		for _, cl := range callers {
			for _, accept := range accepts(route) {
				req, _ := http.NewRequest("GET", srv.URL+url, nil)
				req.Header.Set("Accept", accept)
				if cl.c.auth != "" {
					req.Header.Set("Authorization", "Bearer "+cl.c.auth)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				ct := res.Header.Get("Content-Type")
				if res.StatusCode >= 300 {
					continue
				}
				if route == "/d/:code" && strings.Contains(string(body), maskedPhone) {
					scanMasked = true
				}
				if regexp.MustCompile(jsonTypes).MatchString(ct) && res.Header.Get(web.HeaderGrade) == "" && !ungradedByDesign(route) {
					t.Errorf("GET %s as %s: a %s answer without %s: it bypassed the grading", url, cl.name, ct, web.HeaderGrade)
				}
				if res.Header.Get(web.HeaderGrade) != "" {
					graded++
				}
				for _, canary := range cl.absent {
					if strings.Contains(string(body), canary) {
						t.Errorf("GET %s as %s shows %s, above the caller's grade", url, cl.name, canary)
					}
				}
			}
		}
	}
	if !scanMasked {
		t.Errorf("the scan page does not show the grid worker's personal number masked (%s)", maskedPhone)
	}
	if graded < 40 {
		t.Errorf("only %d answers were graded; the walk reaches too few routes", graded)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "ungraded field") {
			t.Errorf("a field not in the registry: %s", line)
		}
	}

	// What the sensitive admin read was logged, with the token it used.
	var logged int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM access_log a JOIN users u ON u.id = a.actor_id
		WHERE u.username = $1 AND a.token_id IS NOT NULL AND a.entity = 'grid'`, sensitive).Scan(&logged); err != nil {
		t.Fatal(err)
	}
	if logged == 0 {
		t.Errorf("the sensitive admin's reads of the grid's personal number are not in the access log with the token")
	}
}

// ungradedByDesign are the JSON answers that carry no records: health,
// metrics, the API descriptions and the tile layer list.
func ungradedByDesign(route string) bool {
	switch route {
	case "/healthz", "/readyz", "/metrics", "/tiles/layers.json", "/ogc/api":
		return true
	}
	return false
}

// accepts are the forms a route is read in: the scan page also as JSON.
func accepts(route string) []string {
	if route == "/d/:code" {
		return []string{"text/html", "application/json"}
	}
	return []string{"application/json"}
}

// TestUserGradeUpdate: an admin changes an account's department and grade
// within their own grade and scope (audited); a grade above the admin's
// own is refused and changes nothing.
func TestUserGradeUpdate(t *testing.T) {
	e := newLinkEnv(t)
	n := strings.TrimPrefix(e.county, "9201")
	ctx := context.Background()
	internalAdmin, sensitiveAdmin := "gia"+n, "gsa"+n
	mustUser(t, e.db, internalAdmin, e.county, diming.RoleAdmin)
	if _, err := e.db.CreateUser(ctx, diming.NewUser{Username: sensitiveAdmin, Password: "correct horse battery",
		Roles: []diming.Role{diming.RoleAdmin}, Scope: e.county, Grade: diming.GradeSensitive}); err != nil {
		t.Fatal(err)
	}
	target := mustUser(t, e.db, "gtarget"+n, e.a, diming.RoleDepartment)
	path := fmt.Sprintf("/api/v1/users/%d", target.ID)

	st, out := e.api(t, internalAdmin).do("PATCH", path, map[string]any{"grade": "sensitive", "department": e.fire, "version": target.Version})
	if st != http.StatusForbidden || errKind(out) != "forbidden" {
		t.Fatalf("internal admin grants sensitive = %d %v, want 403", st, out)
	}
	st, out = e.api(t, sensitiveAdmin).do("PATCH", path, map[string]any{"grade": "secret", "version": target.Version})
	if st != 422 {
		t.Errorf("unknown grade = %d %v, want 422", st, out)
	}
	st, out = e.api(t, sensitiveAdmin).do("PATCH", path, map[string]any{"department": "nosuchdept", "version": target.Version})
	if st != 422 || !strings.Contains(fmt.Sprint(out), "nosuchdept") {
		t.Errorf("unknown department = %d %v, want 422 naming it", st, out)
	}
	st, out = e.api(t, sensitiveAdmin).do("PATCH", path, map[string]any{"grade": "sensitive", "department": e.fire, "version": target.Version})
	mustStatus(t, "sensitive admin grants sensitive", st, 200, out)
	if out["grade"] != "sensitive" || out["department"] != e.fire {
		t.Errorf("after the update = %v, want grade sensitive in %s", out, e.fire)
	}
	// Now above the internal admin: they may not lower it either.
	st, out = e.api(t, internalAdmin).do("PATCH", path, map[string]any{"grade": "public", "version": out["version"]})
	if st != http.StatusForbidden {
		t.Errorf("internal admin changes a sensitive account = %d %v, want 403", st, out)
	}
	var audited int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'user' AND entity_id = $1 AND action = 'user.update'
		AND after->>'Grade' = 'sensitive'`, fmt.Sprint(target.ID)).Scan(&audited); err != nil {
		t.Fatal(err)
	}
	if audited != 1 {
		t.Errorf("audited grade changes = %d, want 1", audited)
	}
}
