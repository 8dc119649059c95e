package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/web"
)

// The address–geometry consistency report lists, per division, addresses
// outside their division or far from their street and streets without a
// line, as JSON and CSV, for admins in their scope.
func TestAddressGeometryReport(t *testing.T) {
	e := newDoorplateEnv(t, doorplate.PhoneMask)
	iss := e.as(t, e.approver)
	street := int64(e.mustStreet(t, iss)["id"].(float64))
	for i, lat := range []float64{30.0055, 30.0095, 30.0060} { // the second is ~500 m from 胜利街
		st, out := iss.do("POST", "/api/v1/addresses", map[string]any{"division_code": e.a, "street_id": street, "door_number": i + 1,
			"position": map[string]any{"lon": 120.002 + float64(i)*0.001, "lat": lat}})
		mustStatus(t, fmt.Sprintf("address %d", i+1), st, 201, out)
	}
	st, out := iss.do("POST", "/api/v1/streets", map[string]any{"division_code": e.town, "name": "建设路"})
	mustStatus(t, "street without a line", st, 201, out)
	// 锦园社区's polygon is redrawn (as a polygon import would) west of the
	// third address, which now lies outside it.
	if _, err := e.db.Pool.Exec(t.Context(), `UPDATE divisions SET geom = ST_Multi(ST_MakeEnvelope(120, 30, 120.0035, 30.01, 4490)) WHERE code = $1`, e.a); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: "http://test"},
		web.Deps{Accounts: e.db, Health: e.db, Boundaries: boundaries.New(e.db)}))
	t.Cleanup(srv.Close)
	admin := mustUser(t, e.db, "geoadmin"+e.county, e.county, diming.RoleAdmin)
	c := newClient(t, srv.URL)
	c.login(admin.Username)
	st, out = c.do("GET", "/api/v1/reports/address-geometry?within="+e.county, nil)
	mustStatus(t, "report", st, 200, out)
	got := map[string]map[string]any{}
	for _, r := range out["divisions"].([]any) {
		m := r.(map[string]any)
		got[m["code"].(string)] = m
	}
	if a := got[e.a]; a == nil || a["addresses_outside_division"] != 1.0 || a["addresses_far_from_street"] != 1.0 {
		t.Errorf("report row of %s = %v, want 1 address outside and 1 far from its street", e.a, a)
	}
	if town := got[e.town]; town == nil || town["streets_without_geometry"] != 1.0 {
		t.Errorf("report row of %s = %v, want 1 street without a line", e.town, town)
	}
	st, body := c.raw("/api/v1/reports/address-geometry?within=" + e.county + "&format=csv")
	if st != 200 || !strings.Contains(string(body), "区划代码,区划名称,地址点在区划外") || !strings.Contains(string(body), e.a+",锦园社区,1,1,0,0,0,2") {
		t.Errorf("CSV report = %d %s", st, body)
	}
	// Outside the caller's scope, and without signing in, there is no report.
	if st, out = c.do("GET", "/api/v1/reports/address-geometry?within=330600", nil); st != 403 {
		t.Errorf("report outside the scope = %d %v, want 403", st, out)
	}
	if st, out = newClient(t, srv.URL).do("GET", "/api/v1/reports/address-geometry?within="+e.county, nil); st != 401 {
		t.Errorf("report without signing in = %d %v, want 401", st, out)
	}
}
