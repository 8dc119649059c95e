package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/web"
)

// TestChangesPull pulls the change feed of a real server into a file, then
// again for what is new, and recovers from a line cut short.
func TestChangesPull(t *testing.T) {
	db := dbtest.Open(t)
	ctx := t.Context()
	u, err := db.CreateUser(ctx, diming.NewUser{Username: "feedpull", Password: "correct horse battery", Roles: []diming.Role{diming.RoleApprover}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := db.CreateToken(ctx, u.ID, "pull")
	if err != nil {
		t.Fatal(err)
	}
	write := func(n int) {
		for i := 0; i < n; i++ {
			if err := data.Audit(ctx, db.Pool, data.Change{Action: "address.test", Entity: "address", EntityID: "1",
				After: map[string]any{"FullText": "测试", "Room": "301"}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(3)
	srv := httptest.NewServer(web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: "http://x"},
		web.Deps{Accounts: db, Health: db, Sharing: db}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "changes.ndjson")
	pull := func() string {
		t.Helper()
		var out bytes.Buffer
		getenv := func(k string) string {
			if k == "DIMING_TOKEN" {
				return tok
			}
			return ""
		}
		if err := run(ctx, []string{"changes", "pull", "-out", path, "-url", srv.URL}, getenv, strings.NewReader(""), &out, io.Discard); err != nil {
			t.Fatalf("changes pull: %v", err)
		}
		return out.String()
	}
	lines := func() int {
		b, _ := os.ReadFile(path)
		return bytes.Count(b, []byte("\n"))
	}
	pull()
	first := lines()
	if first < 3 {
		t.Fatalf("first pull wrote %d lines, want at least 3", first)
	}
	write(2)
	if out := pull(); lines() != first+2 || !strings.Contains(out, "取得 2 条变更") {
		t.Errorf("second pull: %q, file %d lines; want 2 more than %d", out, lines(), first)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"cursor":"12.3","id":`) // an interrupted pull
	f.Close()
	if out := pull(); lines() != first+2 || !strings.Contains(out, "取得 0 条变更") {
		t.Errorf("pull after a cut line: %q, file %d lines", out, lines())
	}
	b, _ := os.ReadFile(path)
	if !bytes.HasSuffix(b, []byte("\n")) || bytes.Contains(b, []byte(`"id":{`)) {
		t.Error("the cut line was not dropped")
	}
}
