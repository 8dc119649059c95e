package web_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/data"
	"github.com/diming/diming/web"
)

// loginServer runs a server with its own login policy (and trusted
// proxies) on the shared test database.
func loginServer(t *testing.T, db *data.DB, p diming.LoginPolicy, proxies string) *httptest.Server {
	t.Helper()
	nets, err := web.ParseTrustedProxies(proxies)
	if err != nil {
		t.Fatal(err)
	}
	h := web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)),
		web.Config{PublicURL: "http://test", LoginPolicy: p, TrustedProxies: nets}, web.Deps{Accounts: db, Health: db})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// tryLogin posts a sign-in with extra headers.
func tryLogin(t *testing.T, base, user, pw string, hdr map[string]string) (int, string, http.Header) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	req, _ := http.NewRequest("POST", base+"/api/v1/session", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Error struct{ Kind, Message string }
	}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out.Error.Message, res.Header
}

func spoofed(i int) map[string]string {
	ip := "198.51.100." + strconv.Itoa(i+1)
	return map[string]string{"X-Forwarded-For": ip, "X-Real-IP": ip, "Forwarded": "for=" + ip}
}

func auditActions(t *testing.T, db *data.DB, entity, id string) string {
	t.Helper()
	trail, err := db.FindAudit(t.Context(), entity, id)
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, e := range trail {
		acts = append(acts, e.Action)
	}
	return strings.Join(acts, " ")
}

// TestLoginLockout: forwarding headers a client makes up change nothing;
// the address and the account lock, the lock holds on a second server
// instance, the right password is refused while locked with a Chinese
// message saying when to retry, and every step is audited.
func TestLoginLockout(t *testing.T) {
	_, db := testServer(t)
	// Locks short enough to wait out, long enough for a slow (-race) run.
	p := diming.LoginPolicy{AccountFailures: 3, AddressFailures: 5, Window: 15 * time.Minute, BaseLock: 6 * time.Second,
		MaxLock: 6 * time.Second, Forget: time.Hour}
	a, b := loginServer(t, db, p, ""), loginServer(t, db, p, "")
	ok := mustUser(t, db, "lock-ok", "", diming.RoleInspector)
	acct := mustUser(t, db, "lock-acct", "", diming.RoleInspector)

	// Five wrong guesses at five names, each with made-up forwarding
	// headers: the address (the direct peer) locks on the fifth.
	for i := range 5 {
		st, msg, _ := tryLogin(t, a.URL, "nobody-"+strconv.Itoa(i), "wrong password", spoofed(i))
		want := 401
		if i == 4 {
			want = 429
		}
		if st != want {
			t.Fatalf("guess %d = %d %q, want %d", i+1, st, msg, want)
		}
	}
	st, msg, hdr := tryLogin(t, b.URL, "lock-ok", "correct horse battery", spoofed(9))
	if st != 429 || !strings.Contains(msg, "锁定") || !strings.Contains(msg, "北京时间") || hdr.Get("Retry-After") == "" {
		t.Fatalf("right password from the locked address on the second server = %d %q (Retry-After %q), want 429 in Chinese with Retry-After",
			st, msg, hdr.Get("Retry-After"))
	}
	time.Sleep(p.BaseLock + 200*time.Millisecond)
	if st, msg, _ := tryLogin(t, b.URL, "lock-ok", "correct horse battery", nil); st != 200 {
		t.Fatalf("right password after the address lock ran out = %d %q, want 200", st, msg)
	}

	// Three wrong passwords lock the account, from any address.
	for i := range 3 {
		st, msg, _ := tryLogin(t, a.URL, "lock-acct", "wrong password", spoofed(20+i))
		if want := map[bool]int{true: 429, false: 401}[i == 2]; st != want {
			t.Fatalf("wrong password %d = %d %q, want %d", i+1, st, msg, want)
		}
	}
	if st, msg, _ := tryLogin(t, b.URL, "lock-acct", "correct horse battery", nil); st != 429 || !strings.Contains(msg, "该账号") {
		t.Fatalf("right password on the locked account = %d %q, want 429 naming the account", st, msg)
	}
	time.Sleep(p.BaseLock + 200*time.Millisecond)
	if st, msg, _ := tryLogin(t, a.URL, "lock-acct", "correct horse battery", nil); st != 200 {
		t.Fatalf("right password after the account lock ran out = %d %q, want 200", st, msg)
	}
	got := auditActions(t, db, "user", strconv.FormatInt(acct.ID, 10))
	for _, want := range []string{"session.login_failed session.login_failed session.login_failed session.lockout session.login_refused session.login"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit of lock-acct = %q, want %q", got, want)
		}
	}
	if got := auditActions(t, db, "login", "nobody-0"); got != "session.login_failed" {
		t.Errorf("audit of an unknown name = %q, want session.login_failed", got)
	}
	if got := auditActions(t, db, "user", strconv.FormatInt(ok.ID, 10)); !strings.Contains(got, "session.login_refused session.login") {
		t.Errorf("audit of lock-ok = %q", got)
	}
}

// TestTrustedProxy: behind a configured proxy its X-Forwarded-For names
// the client, so one client's lock-out does not lock the proxy's others.
func TestTrustedProxy(t *testing.T) {
	_, db := testServer(t)
	p := diming.LoginPolicy{AccountFailures: 100, AddressFailures: 2, Window: time.Minute, BaseLock: time.Minute, MaxLock: time.Minute, Forget: time.Hour}
	srv := loginServer(t, db, p, "127.0.0.1/32, ::1")
	mustUser(t, db, "proxied", "", diming.RoleInspector)
	bad := map[string]string{"X-Forwarded-For": "203.0.113.7"}
	for i := range 2 {
		if st, msg, _ := tryLogin(t, srv.URL, "proxied", "wrong password", bad); st != map[bool]int{true: 429, false: 401}[i == 1] {
			t.Fatalf("guess %d through the proxy = %d %q", i+1, st, msg)
		}
	}
	if st, msg, _ := tryLogin(t, srv.URL, "proxied", "correct horse battery", map[string]string{"X-Forwarded-For": "203.0.113.8"}); st != 200 {
		t.Fatalf("another client behind the proxy = %d %q, want 200", st, msg)
	}
	if st, _, _ := tryLogin(t, srv.URL, "proxied", "correct horse battery", bad); st != 429 {
		t.Fatalf("the locked client behind the proxy = %d, want 429", st)
	}
	_, err := web.ParseTrustedProxies("10.0.0.0/8,not-a-net")
	var de *diming.Error
	if !errors.As(err, &de) || !strings.Contains(de.Fields["trusted-proxies"], "not-a-net") {
		t.Errorf("ParseTrustedProxies(bad) = %v, want a field error naming the entry", err)
	}
}

// TestPasswordChangeEndsSessions: a user's own change ends their other
// sessions; an admin's reset ends all of them and revokes their tokens.
func TestPasswordChangeEndsSessions(t *testing.T) {
	srv, db := testServer(t)
	u := mustUser(t, db, "pw-user", "330602", diming.RoleInspector)
	mustUser(t, db, "pw-admin", "330602", diming.RoleAdmin)
	a, b := newClient(t, srv.URL), newClient(t, srv.URL)
	a.login("pw-user")
	b.login("pw-user")
	if st, out := a.do("POST", "/api/v1/session/password", map[string]string{"current_password": "wrong", "new_password": "another long password"}); st != 401 {
		t.Fatalf("change with a wrong current password = %d %v, want 401", st, out)
	}
	if st, out := a.do("POST", "/api/v1/session/password", map[string]string{"current_password": "correct horse battery", "new_password": "another long password"}); st != 204 {
		t.Fatalf("change password = %d %v, want 204", st, out)
	}
	if st, _ := b.do("GET", "/api/v1/session", nil); st != 401 {
		t.Fatalf("the other session after a password change = %d, want 401", st)
	}
	if st, _ := a.do("GET", "/api/v1/session", nil); st != 200 {
		t.Fatalf("the changing session after a password change = %d, want 200", st)
	}
	st, out := a.do("POST", "/api/v1/tokens", map[string]string{"name": "script"})
	if st != 201 {
		t.Fatalf("create token = %d %v", st, out)
	}
	tok := newClient(t, srv.URL)
	tok.auth = out["token"].(string)

	admin := newClient(t, srv.URL)
	admin.login("pw-admin")
	cur, _ := db.FindUserByID(t.Context(), u.ID)
	if st, out := admin.do("PATCH", "/api/v1/users/"+strconv.FormatInt(u.ID, 10), map[string]any{"password": "reset by the admin", "version": cur.Version}); st != 200 {
		t.Fatalf("admin reset = %d %v", st, out)
	}
	if st, _ := a.do("GET", "/api/v1/session", nil); st != 401 {
		t.Fatalf("session after an admin reset = %d, want 401", st)
	}
	if st, _ := tok.do("GET", "/api/v1/tokens", nil); st != 401 {
		t.Fatalf("token after an admin reset = %d, want 401", st)
	}
	if got := auditActions(t, db, "user", strconv.FormatInt(u.ID, 10)); !strings.Contains(got, "user.password_change") || !strings.Contains(got, "user.update") {
		t.Errorf("audit = %q, want the change and the reset", got)
	}
}

// TestTokenListRevoke: tokens are listed without their secret and
// revoked through the API; another county's admin cannot see them.
func TestTokenListRevoke(t *testing.T) {
	srv, db := testServer(t)
	mustUser(t, db, "tok-user", "330602", diming.RoleInspector)
	mustUser(t, db, "tok-other-admin", "330402", diming.RoleAdmin)
	mustUser(t, db, "tok-admin", "330600", diming.RoleAdmin)
	c := newClient(t, srv.URL)
	c.login("tok-user")
	_, out := c.do("POST", "/api/v1/tokens", map[string]string{"name": "nightly"})
	secret := out["token"].(string)
	st, out := c.do("GET", "/api/v1/tokens", nil)
	list, _ := out["tokens"].([]any)
	if st != 200 || len(list) != 1 {
		t.Fatalf("GET /tokens = %d %v, want the one token", st, out)
	}
	first := list[0].(map[string]any)
	if b, _ := json.Marshal(first); strings.Contains(string(b), secret[4:]) || first["name"] != "nightly" {
		t.Fatalf("listed token %s shows its secret or lost its name", b)
	}
	id := strconv.FormatFloat(first["id"].(float64), 'f', 0, 64)

	other := newClient(t, srv.URL)
	other.login("tok-other-admin")
	if st, _ := other.do("POST", "/api/v1/tokens/"+id+"/revoke", nil); st != 404 {
		t.Fatalf("another county's admin revoking = %d, want 404", st)
	}
	if st, out := other.do("GET", "/api/v1/tokens?all=true", nil); st != 200 || len(out["tokens"].([]any)) != 0 {
		t.Fatalf("another county's admin listing = %d %v, want none", st, out)
	}
	admin := newClient(t, srv.URL)
	admin.login("tok-admin")
	if st, out := admin.do("GET", "/api/v1/tokens?all=true", nil); st != 200 || len(out["tokens"].([]any)) == 0 {
		t.Fatalf("the city admin listing = %d %v, want the token", st, out)
	}
	if st, out := admin.do("POST", "/api/v1/tokens/"+id+"/revoke", nil); st != 200 || out["revoked_at"] == nil {
		t.Fatalf("the city admin revoking = %d %v", st, out)
	}
	script := newClient(t, srv.URL)
	script.auth = secret
	if st, _ := script.do("GET", "/api/v1/session", nil); st != 401 {
		t.Fatalf("a revoked token = %d, want 401", st)
	}
	if got := auditActions(t, db, "api_token", id); got != "token.create token.revoke" {
		t.Errorf("audit = %q", got)
	}
}
