package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/web"
)

// The plate of an address on 长沙路 reads Changsha Lu everywhere a person
// sees it: the street and address the API answers, the print sheet and the
// resident's scan page; a second 长沙路 in the county is refused with the
// clashing name in Chinese.
func TestChangshaLuPlateReadsChangshaLu(t *testing.T) {
	e := newDoorplateEnv(t, doorplate.PhoneMask)
	iss := e.as(t, e.approver)
	line := map[string]any{"type": "LineString", "coordinates": [][]float64{{120.001, 30.005}, {120.019, 30.005}}}
	st, street := iss.do("POST", "/api/v1/streets", map[string]any{"division_code": e.town, "name": "长沙路", "line": line})
	mustStatus(t, "create street 长沙路", st, 201, street)
	if street["pinyin"] != "Changsha Lu" || street["place_id"].(float64) == 0 {
		t.Errorf("street = %v, want Changsha Lu bearing a standard name", street)
	}
	st, out := iss.do("POST", "/api/v1/addresses", map[string]any{"division_code": e.a, "street_id": street["id"], "door_number": 9,
		"position": map[string]any{"lon": 120.005, "lat": 30.0055, "crs": "EPSG:4490"}})
	mustStatus(t, "create address", st, 201, out)
	if p, _ := out["pinyin"].(string); !strings.HasSuffix(p, "Changsha Lu 9 Hao") {
		t.Errorf("address pinyin = %q, want … Changsha Lu 9 Hao", p)
	}
	st, out = iss.do("POST", "/api/v1/plates/batch", map[string]any{"street_id": street["id"]})
	mustStatus(t, "issue", st, 201, out)
	plate := out["plates"].([]any)[0].(map[string]any)
	if p, _ := plate["pinyin"].(string); !strings.Contains(p, "Changsha Lu 9 Hao") {
		t.Errorf("plate pinyin = %q", p)
	}
	code, sheet := iss.raw(fmt.Sprintf("/doorplate/sheet?street=%.0f", street["id"]))
	// The sheet prints the plate face (GB 17733): the street in characters
	// over its pinyin, the number beside.
	if code != 200 || !strings.Contains(string(sheet), ">Changsha Lu<") || strings.Contains(string(sheet), "Zhangsha") {
		t.Errorf("print sheet = %d, lacks the face's Changsha Lu:\n%.400s", code, sheet)
	}
	code, page := get(t, plate["url"].(string), false)
	if code != 200 || !strings.Contains(page, "Changsha Lu 9 Hao") || strings.Contains(page, "Zhangsha") {
		t.Errorf("scan page = %d, lacks Changsha Lu 9 Hao", code)
	}
	st, out = iss.do("POST", "/api/v1/streets", map[string]any{"division_code": e.town, "name": "长沙路", "line": line})
	if msg := fmt.Sprint(out["error"]); st != 409 || !strings.Contains(msg, "重名") || !strings.Contains(msg, "长沙路") {
		t.Errorf("second 长沙路 = %d %v, want 409 saying it duplicates 长沙路", st, out)
	}
}

// The clean-up report is a clean JSON endpoint and a CSV; the checks
// name 纽约路 (a foreign place name) and 中华路 (a local rule) with their
// sources; admins add readings, and a bad one is refused naming the field.
func TestDuplicatesReadingsAndWordLists(t *testing.T) {
	db := dbtest.Open(t)
	ctx := t.Context()
	if _, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level) VALUES ('339962','清理县',3) ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level, parent_code) VALUES ('339962100','清理镇',4,'339962'),
		('339962100001','新华村委会',5,'339962100'), ('339962100002','新华村委会',5,'339962100') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportPlacesFromDivisions(ctx, "339962"); err != nil {
		t.Fatal(err)
	}
	h := web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: "http://test"},
		web.Deps{Accounts: db, Health: db, Gazetteer: gazetteer.NewService(db, nil)})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	login := func(name string, role diming.Role) *client { return tokenClient(t, db, srv.URL, name, "339962", role) }
	committee := login("dup_committee", diming.RoleCommittee)
	code, body := committee.do("GET", "/api/v1/naming/duplicates?division=339962", nil)
	groups, _ := body["groups"].([]any)
	if code != 200 || len(groups) != 1 || !strings.Contains(toJSON(groups[0]), "新华村") || !strings.Contains(toJSON(groups[0]), "重名") {
		t.Fatalf("duplicates = %d %v, want one same-name group of 新华村", code, body)
	}
	code, csv := committee.raw("/api/v1/naming/duplicates?division=339962&format=csv")
	if code != 200 || !strings.HasPrefix(string(csv), "\ufeff组号,类型") || strings.Count(string(csv), "新华村") != 2 {
		t.Errorf("duplicates CSV = %d\n%s", code, csv)
	}
	first := groups[0].(map[string]any)["places"].([]any)[1].(map[string]any)
	code, body = committee.do("POST", "/api/v1/naming/duplicates/standardize", map[string]any{"place_id": first["id"], "name": "兴华村",
		"reasons": "与同镇新华村重名"})
	if code != 201 || body["state"] != "draft" || body["name"] != "兴华村" {
		t.Errorf("standardize = %d %v, want a draft rename application", code, body)
	}
	for name, want := range map[string]string{"纽约路": "foreign_name", "中华路": "restricted_word", "毛泽东路": "state_leader"} {
		code, body := committee.do("POST", "/api/v1/naming/check", map[string]any{"name": name, "category": 5, "division_code": "339962100"})
		if f := toJSON(body["findings"]); code != 200 || !strings.Contains(f, want) || !strings.Contains(f, "依据") {
			t.Errorf("check(%s) = %d %s, want a %s finding with its source", name, code, f, want)
		}
	}
	admin := login("dup_admin", diming.RoleAdmin)
	code, body = admin.do("POST", "/api/v1/naming/readings", map[string]any{"word": "新华", "pinyin": "xin1", "source": "测试"})
	if fields := toJSON(body["error"]); code != 422 || !strings.Contains(fields, "pinyin") || !strings.Contains(fields, "音节") {
		t.Errorf("bad reading = %d %v, want 422 naming pinyin in Chinese", code, body)
	}
	code, body = committee.do("POST", "/api/v1/naming/readings", map[string]any{"word": "新华", "pinyin": "xin1 hua2", "source": "测试"})
	if code != 403 {
		t.Errorf("reading by a committee member = %d %v, want 403", code, body)
	}
	code, body = admin.do("GET", "/api/v1/naming/readings", nil)
	if code != 200 || !strings.Contains(toJSON(body["shipped"]), "黄陂") {
		t.Errorf("readings = %d, want the shipped table with its sources", code)
	}
}
