package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
)

// TestAuditReadsFollowScope: an entity's audit trail is read under the
// scope rule its writes follow, and personal numbers in it show only to
// those who see them on the entity itself.
func TestAuditReadsFollowScope(t *testing.T) {
	e := newDoorplateEnv(t, doorplate.PhoneMask)
	n := strings.TrimPrefix(e.county, "9201")
	countyAdmin, otherAdmin, inspector := "audit-ca"+n, "audit-oa"+n, "audit-in"+n
	mustUser(t, e.db, countyAdmin, e.county, diming.RoleAdmin)
	mustUser(t, e.db, otherAdmin, "330602", diming.RoleAdmin)
	mustUser(t, e.db, inspector, e.county, diming.RoleInspector)

	poly := map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{120.0, 30.0}, {120.005, 30.0}, {120.005, 30.005}, {120.0, 30.005}, {120.0, 30.0}}}}
	st, out := e.as(t, e.adminA).do("POST", "/api/v1/grids", map[string]any{"community_code": e.a, "name": "审计网格", "geom": poly,
		"worker_name": "王芳", "worker_phone": "13812345678", "worker_phone_kind": "personal", "police_phone": "0575-110110", "police_phone_kind": "work"})
	mustStatus(t, "create grid", st, 201, out)
	path := fmt.Sprintf("/api/v1/audit/grid/%d", int64(out["id"].(float64)))

	tests := []struct {
		name       string
		user       string
		status     int
		wantPhone  string // what the worker's number reads as
		wantAbsent string
	}{
		{"another county's admin", otherAdmin, 403, "", ""},
		{"the other community's admin", e.adminB, 403, "", ""},
		{"the community's own admin", e.adminA, 200, "13812345678", ""},
		{"the county's admin (holds every role in the county)", countyAdmin, 200, "13812345678", ""},
		{"a same-county inspector without the community right", inspector, 200, "138****5678", "13812345678"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.as(t, tt.user)
			st, out := c.do("GET", path, nil)
			if st != tt.status {
				t.Fatalf("GET %s as %s = %d %v, want %d", path, tt.user, st, out, tt.status)
			}
			if st != 200 {
				return
			}
			entries, _ := out["entries"].([]any)
			if len(entries) != 1 || out["entity"] != "grid" {
				t.Fatalf("trail = %v, want one entry for the grid", out)
			}
			after, _ := entries[0].(map[string]any)["after"].(map[string]any)
			if after["WorkerPhone"] != tt.wantPhone || after["PolicePhone"] != "0575-110110" {
				t.Errorf("after = WorkerPhone %v PolicePhone %v, want %q and the work number", after["WorkerPhone"], after["PolicePhone"], tt.wantPhone)
			}
			if tt.wantAbsent != "" && strings.Contains(fmt.Sprint(out), tt.wantAbsent) {
				t.Errorf("the answer carries %s", tt.wantAbsent)
			}
		})
	}
	// Accounts are for admins of their scope; records of no division for
	// national users only.
	ins := e.as(t, inspector)
	if st, out := ins.do("GET", "/api/v1/audit/login/nobody", nil); st != 403 {
		t.Errorf("a county inspector reading sign-ins of unknown names = %d %v, want 403", st, out)
	}
	if st, out := e.as(t, otherAdmin).do("GET", "/api/v1/audit/division/"+e.a, nil); st != 403 {
		t.Errorf("another county's admin reading a community's trail = %d %v, want 403", st, out)
	}
	if st, out := newClient(t, e.srv.URL).do("GET", path, nil); st != 401 {
		t.Errorf("anonymous = %d %v, want 401", st, out)
	}
}
