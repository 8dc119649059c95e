package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/web"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// testServer runs the real server on the real test database.
func testServer(t *testing.T) (*httptest.Server, *data.DB) {
	t.Helper()
	db := dbtest.Open(t)
	h := web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: "http://test"}, web.Deps{Accounts: db, Health: db})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, db
}

func mustUser(t *testing.T, db *data.DB, name, scope string, roles ...diming.Role) diming.UserRecord {
	t.Helper()
	u, err := db.CreateUser(t.Context(), diming.NewUser{Username: name, Password: "correct horse battery", Roles: roles, Scope: scope})
	if err != nil {
		t.Fatalf("CreateUser(%s) = %v", name, err)
	}
	return u
}

// tokenClient is a client carrying an API token of a new user with role
// in scope.
func tokenClient(t *testing.T, db *data.DB, base, name, scope string, role diming.Role) *client {
	t.Helper()
	u := mustUser(t, db, name, scope, role)
	tok, err := db.CreateToken(t.Context(), u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, base)
	c.auth = tok
	return c
}

type client struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
	auth string
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar}}
}

func (c *client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		r = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", "Bearer "+c.auth)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func (c *client) login(user string) {
	c.t.Helper()
	st, out := c.do("POST", "/api/v1/session", map[string]string{"username": user, "password": "correct horse battery"})
	if st != 200 {
		c.t.Fatalf("login %s = %d %v", user, st, out)
	}
	c.csrf = out["csrf_token"].(string)
}

func errKind(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	k, _ := e["kind"].(string)
	return k
}

func TestLoginSessionCSRF(t *testing.T) {
	srv, db := testServer(t)
	mustUser(t, db, "csrf-admin", "", diming.RoleAdmin)
	c := newClient(t, srv.URL)

	if st, out := c.do("GET", "/api/v1/session", nil); st != 401 || errKind(out) != "unauthorized" {
		t.Fatalf("anonymous GET /session = %d %v, want 401 unauthorized", st, out)
	}
	if st, _ := c.do("POST", "/api/v1/session", map[string]string{"username": "csrf-admin", "password": "wrong password!"}); st != 401 {
		t.Fatalf("login with wrong password = %d, want 401", st)
	}
	c.login("csrf-admin")
	if st, out := c.do("GET", "/api/v1/session", nil); st != 200 || out["user"].(map[string]any)["username"] != "csrf-admin" {
		t.Fatalf("GET /session = %d %v", st, out)
	}
	// A write without the CSRF token is refused even with a valid cookie.
	good := c.csrf
	c.csrf = ""
	st, out := c.do("POST", "/api/v1/tokens", map[string]string{"name": "x"})
	if st != 403 || !strings.Contains(out["error"].(map[string]any)["message"].(string), "CSRF") {
		t.Fatalf("write without CSRF = %d %v, want 403 mentioning CSRF", st, out)
	}
	c.csrf = "forged"
	if st, _ := c.do("POST", "/api/v1/tokens", map[string]string{"name": "x"}); st != 403 {
		t.Fatalf("write with forged CSRF = %d, want 403", st)
	}
	c.csrf = good
	if st, out := c.do("POST", "/api/v1/tokens", map[string]string{"name": "x"}); st != 201 {
		t.Fatalf("write with CSRF = %d %v, want 201", st, out)
	}
	// Sign-out ends the session on the server, not just the cookie.
	if st, _ := c.do("DELETE", "/api/v1/session", nil); st != 204 {
		t.Fatalf("logout = %d", st)
	}
	if st, _ := c.do("GET", "/api/v1/session", nil); st != 401 {
		t.Fatalf("after logout GET /session = %d, want 401", st)
	}
}

func TestTokenAuth(t *testing.T) {
	srv, db := testServer(t)
	u := mustUser(t, db, "token-admin", "", diming.RoleAdmin)
	tok, err := db.CreateToken(t.Context(), u.ID, "nightly import")
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv.URL)
	c.auth = tok
	// Tokens need no CSRF token: they are not sent automatically by browsers.
	if st, out := c.do("GET", "/api/v1/users", nil); st != 200 {
		t.Fatalf("GET /users with token = %d %v", st, out)
	}
	if st, out := c.do("POST", "/api/v1/tokens", map[string]string{"name": "second"}); st != 201 {
		t.Fatalf("POST /tokens with token = %d %v", st, out)
	}
	c.auth = tok + "x"
	if st, out := c.do("GET", "/api/v1/users", nil); st != 401 || errKind(out) != "unauthorized" {
		t.Fatalf("bad token = %d %v, want 401", st, out)
	}
	// Stored hashed: the token itself is nowhere in the database.
	var n int
	_ = db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM api_tokens WHERE encode(token_hash,'escape') LIKE '%'||$1||'%'`, tok[4:20]).Scan(&n)
	if n != 0 {
		t.Fatal("token stored in clear")
	}
}

func TestCountyScope(t *testing.T) {
	srv, db := testServer(t)
	mustUser(t, db, "shaoxing-admin", "330600", diming.RoleAdmin)
	other := mustUser(t, db, "jiaxing-clerk", "330400", diming.RoleCommittee)
	mine := mustUser(t, db, "yuecheng-clerk", "330602", diming.RoleCommittee)
	c := newClient(t, srv.URL)
	c.login("shaoxing-admin")

	tests := []struct {
		name  string
		scope string
		want  int
	}{
		{"inside the city", "330602", 201},
		{"another city", "330402", 403},
		{"the whole country", "", 403},
		{"the province above", "330000", 403},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, out := c.do("POST", "/api/v1/users", map[string]any{"username": "scoped-" + strconv.Itoa(i), "password": "long enough password",
				"roles": []string{"committee"}, "scope": tt.scope})
			if st != tt.want {
				t.Fatalf("create user in %q = %d %v, want %d", tt.scope, st, out, tt.want)
			}
		})
	}
	if st, _ := c.do("PATCH", "/api/v1/users/"+strconv.FormatInt(other.ID, 10), map[string]any{"display_name": "x", "version": other.Version}); st != 403 {
		t.Fatalf("edit a user of another city = %d, want 403", st)
	}
	if st, out := c.do("PATCH", "/api/v1/users/"+strconv.FormatInt(mine.ID, 10), map[string]any{"display_name": "越城", "version": mine.Version}); st != 200 {
		t.Fatalf("edit a user of my city = %d %v, want 200", st, out)
	}
}

func TestStaleUpdateAndAudit(t *testing.T) {
	srv, db := testServer(t)
	mustUser(t, db, "audit-admin", "", diming.RoleAdmin)
	target := mustUser(t, db, "audit-target", "331022", diming.RoleInspector)
	c := newClient(t, srv.URL)
	c.login("audit-admin")
	path := "/api/v1/users/" + strconv.FormatInt(target.ID, 10)

	if st, out := c.do("PATCH", path, map[string]any{"display_name": "first", "version": target.Version}); st != 200 || out["version"].(float64) != 2 {
		t.Fatalf("first update = %d %v, want 200 at version 2", st, out)
	}
	st, out := c.do("PATCH", path, map[string]any{"display_name": "stale", "version": target.Version})
	if st != 409 || errKind(out) != "conflict" {
		t.Fatalf("stale update = %d %v, want 409 conflict", st, out)
	}
	cur := out["error"].(map[string]any)["current"].(map[string]any)
	if cur["version"].(float64) != 2 || cur["display_name"] != "first" {
		t.Fatalf("conflict carries current %v, want version 2 named first", cur)
	}
	got, _ := db.FindUserByID(t.Context(), target.ID)
	if got.DisplayName != "first" {
		t.Fatalf("after stale update DisplayName = %q, want first (nothing overwritten)", got.DisplayName)
	}

	trail, err := db.FindAudit(t.Context(), "user", strconv.FormatInt(target.ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	if len(trail) != 2 || trail[0].Action != "user.create" || trail[1].Action != "user.update" || trail[1].Actor != "audit-admin" {
		t.Fatalf("audit trail = %+v, want create by system then update by audit-admin", trail)
	}
	if !strings.Contains(string(trail[1].Before), `"audit-target"`) || !strings.Contains(string(trail[1].After), `"first"`) || trail[1].RequestID == "" {
		t.Fatalf("audit row lacks before/after/request id: %+v", trail[1])
	}
	// The server's role holds no UPDATE, DELETE or TRUNCATE on the log; the
	// owner, who could, is stopped by the log's triggers.
	for _, q := range []string{`UPDATE audit_log SET actor='x'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`} {
		if _, err := db.Pool.Exec(t.Context(), q); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("%s as the server's role = %v, want permission denied", q, err)
		}
		if err := dbtest.AsOwner(t, db, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s as the owner = %v, want refused as append-only", q, err)
		}
	}
	if _, err := db.Pool.Exec(t.Context(), `DELETE FROM users WHERE id=$1`, target.ID); err == nil {
		t.Error("DELETE FROM users succeeded; accounts must be retired, not deleted")
	}
}

func TestBadInput(t *testing.T) {
	srv, db := testServer(t)
	mustUser(t, db, "input-admin", "", diming.RoleAdmin)
	c := newClient(t, srv.URL)
	c.login("input-admin")
	var before int
	_ = db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM users`).Scan(&before)

	tests := []struct {
		name, body string
		status     int
		kind, hint string
	}{
		{"malformed", `{"username": "a",`, 400, "invalid", "不完整"},
		{"syntax", `{"username" "a"}`, 400, "invalid", "格式有误"},
		{"unknown field", `{"username":"abc","pasword":"x"}`, 422, "invalid", `未知字段 "pasword"`},
		{"wrong type", `{"username":"abc","roles":"admin"}`, 422, "invalid", `"roles" 应为数组`},
		{"two objects", `{"username":"abc"}{}`, 400, "invalid", "多余内容"},
		{"empty", ``, 400, "invalid", "为空"},
		{"invalid fields", `{"username":"A B","password":"short","roles":["king"],"scope":"12"}`, 422, "invalid", "有字段需要修改"},
		{"oversized", `{"username":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "too_large", "提交的内容"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, out := c.do("POST", "/api/v1/users", tt.body)
			e, _ := out["error"].(map[string]any)
			if st != tt.status || errKind(out) != tt.kind || !strings.Contains(e["message"].(string), tt.hint) {
				t.Fatalf("POST %s = %d %v, want %d %s containing %q", tt.name, st, out, tt.status, tt.kind, tt.hint)
			}
		})
	}
	st, out := c.do("POST", "/api/v1/users", `{"username":"A B","password":"short","roles":["king"],"scope":"12"}`)
	fields := out["error"].(map[string]any)["fields"].(map[string]any)
	for _, f := range []string{"username", "password", "roles", "scope"} {
		if fields[f] == nil {
			t.Errorf("422 (%d) lacks a message for field %s: %v", st, f, fields)
		}
	}
	var after int
	_ = db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM users`).Scan(&after)
	if after != before {
		t.Fatalf("bad input wrote %d users", after-before)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	srv, _ := testServer(t)
	c := newClient(t, srv.URL)
	if st, _ := c.do("GET", "/healthz", nil); st != 200 {
		t.Fatalf("/healthz = %d", st)
	}
	if st, out := c.do("GET", "/readyz", nil); st != 200 || out["status"] != "ready" {
		t.Fatalf("/readyz = %d %v", st, out)
	}
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), `diming_http_request_duration_seconds_bucket{code="200",host=`) || !strings.Contains(string(b), `url="/readyz"`) {
		t.Fatalf("/metrics lacks per-route latency:\n%.2000s", b)
	}
	if st, out := c.do("GET", "/no/such/thing", nil); st != 404 || errKind(out) != "not_found" {
		t.Fatalf("unknown route = %d %v", st, out)
	}
}

func TestReadyzNotMigrated(t *testing.T) {
	db, _ := dbtest.Fresh(t, false)
	h := web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{}, web.Deps{Accounts: db, Health: db})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "migrations pending") {
		t.Fatalf("/readyz on an unmigrated database = %d %s, want 503 migrations pending", rec.Code, rec.Body)
	}
}
