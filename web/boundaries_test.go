package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/web"
)

// TestBoundaryAPI runs the boundary routes on the demo county.
func TestBoundaryAPI(t *testing.T) {
	db := dbtest.Open(t)
	svc := boundaries.New(db)
	if _, err := svc.LoadDemo(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: "http://test"},
		web.Deps{Accounts: db, Health: db, Boundaries: svc}))
	t.Cleanup(srv.Close)
	anon := newClient(t, srv.URL)

	st, out := anon.do("GET", "/api/v1/divisions/330699", nil)
	if st != 200 || len(out["children"].([]any)) != 4 || len(out["ancestors"].([]any)) != 2 {
		t.Fatalf("GET /divisions/330699 = %d %v", st, out)
	}
	st, out = anon.do("GET", "/api/v1/divisions/at?lon=120.21&lat=29.91", nil)
	if divs, _ := out["divisions"].([]any); st != 200 || len(divs) != 5 {
		t.Fatalf("GET /divisions/at = %d %v", st, out)
	}
	st, out = anon.do("GET", "/api/v1/boundary-lines?division=330699&level=4", nil)
	lines, _ := out["lines"].([]any)
	if st != 200 || len(lines) != 4 {
		t.Fatalf("GET /boundary-lines = %d %v", st, out)
	}
	lineID := strconv.Itoa(int(lines[0].(map[string]any)["id"].(float64)))
	st, out = anon.do("GET", "/api/v1/boundary-lines/"+lineID+"/markers", nil)
	markers, _ := out["markers"].([]any)
	if st != 200 || len(markers) != 3 {
		t.Fatalf("GET markers = %d %v", st, out)
	}
	m := markers[0].(map[string]any)
	mid := strconv.Itoa(int(m["id"].(float64)))

	inspector := mustUser(t, db, "demo-inspector", "330699", diming.RoleInspector)
	outsider := mustUser(t, db, "hz-inspector", "330100", diming.RoleInspector)
	c := newClient(t, srv.URL)
	c.login(inspector.Username)
	// No free edit of the position: the field does not exist on PATCH.
	st, out = c.do("PATCH", "/api/v1/boundary-markers/"+mid, map[string]any{"position": []float64{120.3, 29.9}, "version": m["version"]})
	if st != 422 || !strings.Contains(out["error"].(map[string]any)["message"].(string), "position") {
		t.Errorf("PATCH position = %d %v, want 422", st, out)
	}
	st, out = c.do("PATCH", "/api/v1/boundary-markers/"+mid, map[string]any{"status": "damaged", "version": m["version"]})
	if st != 200 || out["status"] != "damaged" {
		t.Errorf("PATCH status = %d %v", st, out)
	}
	o := newClient(t, srv.URL)
	o.login(outsider.Username)
	if st, out = o.do("POST", "/api/v1/boundary-markers/"+mid+"/moves", map[string]any{"agreement_no": "x", "agreed_on": "2024-01-01",
		"signed_by": []string{"330699001", "330699101"}, "to": []float64{120.3, 29.9}, "reason": "r", "version": 2}); st != 403 {
		t.Errorf("move by an outside inspector = %d %v, want 403", st, out)
	}
	for _, format := range []string{"geojson", "kml"} {
		res, err := http.Get(srv.URL + "/api/v1/boundary-lines/export?division=330699&format=" + format)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("export %s = %v %v", format, res.StatusCode, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), "若耶街道—云门镇线") {
			t.Errorf("export %s lacks the line name", format)
		}
	}
}
