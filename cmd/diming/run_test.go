package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/diming/diming/data/dbtest"
)

func TestMain(m *testing.M) {
	// The test binary runs as diming itself for tests that kill the
	// program (import_kill_test.go).
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(dbtest.Main(m))
}

// TestRunServes runs the real program on a fresh database: it migrates at
// start-up, serves /healthz and /readyz, and shuts down on cancel.
func TestRunServes(t *testing.T) {
	_, url := dbtest.Fresh(t, false)
	getenv := dbEnv(t, url, map[string]string{"DIMING_PLATE_KEYS": "k1:c2VjcmV0LWtleS1mb3ItdGhlLXRlc3QtcnVuLW9mLWRpbWluZw=="})
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "serve"}, getenv, strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the serving line: %v (run returned %v)", err, <-done)
	}
	base := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "diming is serving on "), "/")
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	for _, path := range []string{"/healthz", "/readyz"} {
		if st := poll(t, base+path); st != 200 {
			t.Fatalf("GET %s = %d, want 200", path, st)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run() after shutdown = %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run() did not shut down within 15s")
	}
}

// dbEnv is the environment of a deployment on the database at ownerURL:
// the server's ordinary role in DATABASE_URL and the owner in
// DATABASE_OWNER_URL, plus extra.
func dbEnv(t *testing.T, ownerURL string, extra map[string]string) func(string) string {
	appURL := dbtest.AppURL(t, ownerURL)
	return func(k string) string {
		switch k {
		case "DATABASE_URL":
			return appURL
		case "DATABASE_OWNER_URL":
			return ownerURL
		}
		return extra[k]
	}
}

// TestRunWithoutOwner: with only DATABASE_URL the server does not try to
// migrate as its own role; on a schema that is not current it stops and
// says how to give the owner.
func TestRunWithoutOwner(t *testing.T) {
	_, url := dbtest.Fresh(t, false)
	full := dbEnv(t, url, nil)
	appOnly := func(k string) string {
		if k == "DATABASE_OWNER_URL" {
			return ""
		}
		return full(k)
	}
	err := run(t.Context(), []string{"user", "add", "-username", "early", "-roles", "admin"}, appOnly,
		strings.NewReader("a long enough password\n"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_OWNER_URL") {
		t.Fatalf("run on an unmigrated database without the owner = %v, want a pointer to DATABASE_OWNER_URL", err)
	}
	if err := run(t.Context(), []string{"migrate"}, full, strings.NewReader(""), io.Discard, io.Discard); err != nil {
		t.Fatalf("migrate with the owner = %v", err)
	}
	var out strings.Builder
	err = run(t.Context(), []string{"user", "add", "-username", "later", "-roles", "admin"}, appOnly,
		strings.NewReader("a long enough password\n"), &out, io.Discard)
	if err != nil || !strings.Contains(out.String(), "created user later") {
		t.Fatalf("run as the application role after migrating = %v, %q", err, out.String())
	}
}

func poll(t *testing.T, url string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 || time.Now().After(deadline) {
				return res.StatusCode
			}
		} else if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestUserAddBootstrapsAdmin(t *testing.T) {
	_, url := dbtest.Fresh(t, false)
	getenv := dbEnv(t, url, nil)
	var out strings.Builder
	err := run(t.Context(), []string{"user", "add", "-username", "root-admin", "-roles", "admin"}, getenv,
		strings.NewReader("a long enough password\n"), &out, io.Discard)
	if err != nil || !strings.Contains(out.String(), "created user root-admin") {
		t.Fatalf("user add = %v, %q", err, out.String())
	}
	err = run(t.Context(), []string{"user", "add", "-username", "weak", "-roles", "admin"}, getenv, strings.NewReader("short\n"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("user add with a short password = %v, want a password complaint", err)
	}
	err = run(t.Context(), []string{"user", "add", "-username", "root-admin", "-roles", "admin"}, getenv, strings.NewReader("a long enough password\n"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "已存在") {
		t.Fatalf("user add of an existing name = %v, want 已存在 (already exists)", err)
	}
	out.Reset()
	err = run(t.Context(), []string{"user", "set-grade", "-username", "root-admin", "-grade", "sensitive"}, getenv, strings.NewReader(""), &out, io.Discard)
	if err != nil || !strings.Contains(out.String(), "grade sensitive") {
		t.Fatalf("user set-grade = %v, %q", err, out.String())
	}
	err = run(t.Context(), []string{"user", "set-grade", "-username", "root-admin", "-grade", "secret"}, getenv, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "grade") {
		t.Fatalf("user set-grade -grade secret = %v, want a grade complaint", err)
	}
	err = run(t.Context(), []string{"user", "set-grade", "-username", "root-admin", "-department", "nosuch"}, getenv, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("user set-grade -department nosuch = %v, want the department named", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad log format", []string{"-log-format", "xml"}, "log-format"},
		{"bad public url", []string{"-public-url", "dm.example"}, "public-url"},
		{"bad port", []string{"-pg-port", "0"}, "pg-port"},
		{"base tiles not a url", []string{"-base-tiles", "tiles/{z}/{x}/{y}", "-base-attribution", "x"}, "base-tiles"},
		{"base tiles without xyz", []string{"-base-tiles", "https://t0.tianditu.gov.cn/vec_w/wmts?tk={key}", "-base-attribution", "天地图"}, "{z}"},
		{"base tiles key missing", []string{"-base-tiles", "https://t0.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}", "-base-attribution", "天地图"}, "DIMING_BASE_TILES_KEY"},
		{"base tiles without attribution", []string{"-base-tiles", "https://tile.example/{z}/{x}/{y}.png"}, "base-attribution"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseConfig(tt.args, func(string) string { return "" }, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("parseConfig(%v) = %v, want an error about %s", tt.args, err, tt.want)
			}
		})
	}
}

// TestTokenCommands lists and revokes API tokens from the command line.
func TestTokenCommands(t *testing.T) {
	_, url := dbtest.Fresh(t, false)
	getenv := dbEnv(t, url, nil)
	diming := func(stdin string, args ...string) string {
		t.Helper()
		var out strings.Builder
		if err := run(t.Context(), args, getenv, strings.NewReader(stdin), &out, io.Discard); err != nil {
			t.Fatalf("diming %s = %v", strings.Join(args, " "), err)
		}
		return out.String()
	}
	diming("a long enough password\n", "user", "add", "-username", "cli-admin", "-roles", "admin")
	tok := strings.TrimSpace(diming("", "token", "add", "-username", "cli-admin", "-name", "nightly-import"))
	if !strings.HasPrefix(tok, "dmt_") {
		t.Fatalf("token add printed %q", tok)
	}
	list := diming("", "token", "list")
	if !strings.Contains(list, "nightly-import") || !strings.Contains(list, "active") || strings.Contains(list, tok[4:]) {
		t.Fatalf("token list printed %q, want the active token without its secret", list)
	}
	fields := strings.Fields(strings.Split(strings.TrimSpace(list), "\n")[1])
	if out := diming("", "token", "revoke", "-id", fields[0]); !strings.Contains(out, "revoked token "+fields[0]) {
		t.Fatalf("token revoke printed %q", out)
	}
	if list := diming("", "token", "list", "-username", "cli-admin"); !strings.Contains(list, "revoked") {
		t.Fatalf("token list after revoke printed %q", list)
	}
}

func TestBaseLayerConfig(t *testing.T) {
	const tpl = "https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
	env := map[string]string{"DIMING_BASE_TILES": tpl, "DIMING_BASE_TILES_KEY": "k&1", "DIMING_BASE_ATTRIBUTION": "天地图"}
	c, _, err := parseConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	b := c.baseLayer()
	if !strings.HasSuffix(b.Tiles, "TILECOL={x}&tk=k%261") || b.Attribution != "天地图" {
		t.Errorf("baseLayer() = %+v, want the template with its key filled in", b)
	}
	c, _, _ = parseConfig(nil, func(string) string { return "" }, io.Discard)
	if b := c.baseLayer(); b.Tiles != "" {
		t.Errorf("baseLayer() without configuration = %+v, want none (off by default)", b)
	}
}

// An environment variable that is set but does not parse stops the
// program with its name, instead of quietly using the default (a cluster
// on the wrong port, a tile cache of 0 MB, fsync left on or off).
func TestBadEnvironmentNamed(t *testing.T) {
	for k, v := range map[string]string{"DIMING_PG_PORT": "15a29", "DIMING_TILE_CACHE_MB": "lots", "DIMING_PG_FAST": "yes please", "DIMING_DEMO": "2"} {
		_, _, err := parseConfig(nil, func(x string) string {
			if x == k {
				return v
			}
			return ""
		}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), k+"="+v) {
			t.Errorf("parseConfig with %s=%q = %v, want an error naming it", k, v, err)
		}
	}
	c, _, err := parseConfig(nil, func(x string) string {
		return map[string]string{"DIMING_PG_PORT": "15999", "DIMING_PG_FAST": "true"}[x]
	}, io.Discard)
	if err != nil || c.PGPort != 15999 || !c.PGFast {
		t.Errorf("parseConfig with good variables = %+v, %v", c, err)
	}
}
