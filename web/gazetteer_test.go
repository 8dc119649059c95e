package web_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/web"
)

// TestGazetteerAPI walks a proposal through the API with tokens of the
// right and wrong roles, then reads the public page and feeds.
func TestGazetteerAPI(t *testing.T) {
	db := dbtest.Open(t)
	ctx := t.Context()
	if _, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level) VALUES ('339961','网测县',3) ON CONFLICT DO NOTHING;
		INSERT INTO divisions (code, name, level, parent_code) VALUES ('339961100','网测镇',4,'339961') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	h := web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: "http://test"},
		web.Deps{Accounts: db, Health: db, Gazetteer: gazetteer.NewService(db, nil)})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	token := func(name string, role diming.Role) *client { return tokenClient(t, db, srv.URL, name, "339961", role) }
	committee, approver := token("web_committee", diming.RoleCommittee), token("web_approver", diming.RoleApprover)
	anon := newClient(t, srv.URL)

	code, body := committee.do("POST", "/api/v1/naming/check", map[string]any{"name": "环球路", "category": 5, "division_code": "339961100"})
	if code != 200 || body["romanization"] != "Huanqiu Lu" || !strings.Contains(toJSON(body["findings"]), "grandiose") {
		t.Fatalf("check = %d %v", code, body)
	}
	code, body = committee.do("POST", "/api/v1/naming/applications", map[string]any{"name": "网测路", "category": 5,
		"division_code": "339961100", "location": "网测镇中心",
		"applicant": "网测镇人民政府", "reasons": "新建道路", "size_nature": "长约 500 米，镇区支路"})
	if code != 201 {
		t.Fatalf("create application = %d %v", code, body)
	}
	id := int(body["id"].(float64))
	act := func(c *client, action string, extra map[string]any) (int, map[string]any) {
		_, cur := c.do("GET", "/api/v1/naming/applications/"+itoa(id), nil)
		req := map[string]any{"version": cur["version"]}
		for k, v := range extra {
			req[k] = v
		}
		return c.do("POST", "/api/v1/naming/applications/"+itoa(id)+"/actions/"+action, req)
	}
	if code, _ := act(approver, "submit", nil); code != 403 {
		t.Errorf("submit by an approver = %d, want 403", code)
	}
	for _, a := range []string{"submit", "accept", "start_evaluation", "complete_evaluation"} {
		if code, body := act(committee, a, nil); code != 200 {
			t.Fatalf("%s = %d %v", a, code, body)
		}
	}
	if code, body := act(approver, "approve", map[string]any{"approving_body": "网测县人民政府", "approval_doc": "网政复〔2025〕9号", "government_approved": true}); code != 200 {
		t.Fatalf("approve = %d %v", code, body)
	}
	act(approver, "file", nil)
	if code, body := act(approver, "announce", nil); code != 200 || body["state"] != "announced" {
		t.Fatalf("announce = %d %v", code, body)
	}
	code, body = anon.do("GET", "/api/v1/places/autocomplete?q=wangce", nil)
	if code != 200 || !strings.Contains(toJSON(body), "网测路") {
		t.Errorf("autocomplete wangce = %d %v", code, body)
	}
	for path, want := range map[string]string{"/announcements": "关于网测路命名的公告", "/announcements.atom": "<feed", "/announcements.rss": "<rss"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), want) || !strings.Contains(string(b), "Wangce Lu") {
			t.Errorf("GET %s = %d, want %q and the romanization:\n%.400s", path, res.StatusCode, want, b)
		}
	}
	res, _ := http.Get(srv.URL + "/announcements/999999")
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 404 || !strings.HasPrefix(ct, "text/html") {
		t.Errorf("missing announcement = %d %s, want a 404 page", res.StatusCode, ct)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
