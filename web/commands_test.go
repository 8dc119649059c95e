package web_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/web"
)

// Requests are parsed once into typed commands: a field that does not
// parse (readings, geometry, a date, the version) is refused with 422
// naming that field in Chinese, and nothing is written; the same fields
// well formed go through.
func TestCommandsRefuseWhatDoesNotParse(t *testing.T) {
	db := dbtest.Open(t)
	ctx := t.Context()
	if _, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level) VALUES ('339965','令测县',3) ON CONFLICT DO NOTHING;
		INSERT INTO divisions (code, name, level, parent_code) VALUES ('339965100','令测镇',4,'339965') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: "http://test"},
		web.Deps{Accounts: db, Health: db, Gazetteer: gazetteer.NewService(db, nil)}))
	t.Cleanup(srv.Close)
	editor := tokenClient(t, db, srv.URL, "cmd_editor", "339965", diming.RoleAdmin)
	committee := tokenClient(t, db, srv.URL, "cmd_committee", "339965", diming.RoleCommittee)
	count := func(table string) int {
		t.Helper()
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	place := map[string]any{"name": "令测桥", "category": 5, "division_code": "339965100",
		"geometry": map[string]any{"type": "Point", "coordinates": []float64{120.5, 30.0}}}
	st, out := editor.do("POST", "/api/v1/places", place)
	if st != 201 {
		t.Fatalf("create a well-formed place = %d %v", st, out)
	}
	placeID := itoa(int(out["id"].(float64)))
	app := map[string]any{"name": "令测路", "category": 5, "division_code": "339965100", "location": "令测镇中心",
		"applicant": "令测镇人民政府", "reasons": "新建道路", "size_nature": "长约 300 米"}
	st, out = committee.do("POST", "/api/v1/naming/applications", app)
	if st != 201 {
		t.Fatalf("create a well-formed application = %d %v", st, out)
	}
	appID := itoa(int(out["id"].(float64)))
	with := func(m map[string]any, k string, v any) map[string]any {
		c := map[string]any{}
		for a, b := range m {
			c[a] = b
		}
		c[k] = v
		return c
	}
	badPoint := map[string]any{"type": "Point", "coordinates": "here"}
	places, apps, events := count("places"), count("naming_applications"), count("audit_log")
	for _, tc := range []struct {
		who          *client
		method, path string
		body         any
		field, want  string
	}{
		{editor, "POST", "/api/v1/places", with(place, "readings", map[string]string{"x": "qiao"}), "readings", "字序号"},
		{editor, "POST", "/api/v1/places", with(place, "geometry", badPoint), "geometry", "GeoJSON"},
		{editor, "PATCH", "/api/v1/places/" + placeID, map[string]any{"meaning": "新", "version": 0}, "version", "版本号"},
		{editor, "PATCH", "/api/v1/places/" + placeID, map[string]any{"readings": map[string]string{"-1": "x"}, "version": 1}, "readings", "字序号"},
		{editor, "PATCH", "/api/v1/places/" + placeID, map[string]any{"geometry": badPoint, "version": 1}, "geometry", "GeoJSON"},
		{committee, "POST", "/api/v1/naming/check", with(app, "readings", map[string]string{"first": "ling"}), "readings", "字序号"},
		{committee, "POST", "/api/v1/naming/applications", with(app, "geometry", badPoint), "geometry", "GeoJSON"},
		{committee, "PATCH", "/api/v1/naming/applications/" + appID, with(with(app, "version", 1), "readings", map[string]string{"a": "b"}), "readings", "字序号"},
		{committee, "POST", "/api/v1/naming/applications/" + appID + "/actions/submit", map[string]any{"version": 1, "date": "2026-13-01"}, "date", "YYYY-MM-DD"},
		{committee, "POST", "/api/v1/naming/applications/" + appID + "/actions/submit", map[string]any{"note": "x"}, "version", "版本号"},
	} {
		st, out := tc.who.do(tc.method, tc.path, tc.body)
		e, _ := out["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		msg, _ := fields[tc.field].(string)
		if st != 422 || !strings.Contains(msg, tc.want) {
			t.Errorf("%s %s with a bad %s = %d %v, want 422 naming %s with %q", tc.method, tc.path, tc.field, st, out, tc.field, tc.want)
		}
	}
	if p, a, e := count("places"), count("naming_applications"), count("audit_log"); p != places || a != apps || e != events {
		t.Errorf("refused requests wrote: places %d → %d, applications %d → %d, audit rows %d → %d", places, p, apps, a, events, e)
	}
}
