package web_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/web"
)

// TestInputAtTheEdge: text that is not text is refused with 400 naming the
// parameter before it reaches the database, LIKE wildcards in a search
// match only themselves, and none of it answers 500.
func TestInputAtTheEdge(t *testing.T) {
	db := dbtest.Open(t)
	if _, err := db.Pool.Exec(t.Context(), `INSERT INTO divisions (code, name, level) VALUES ('339971','边测县',3),
		('339972','边测_百分%县',3) ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: "http://test"},
		web.Deps{Accounts: db, Health: db, Boundaries: boundaries.New(db), Gazetteer: gazetteer.NewService(db, nil)}))
	t.Cleanup(srv.Close)
	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct {
			Error struct{ Kind, Message string }
		}
		b, _ := io.ReadAll(res.Body)
		_ = json.Unmarshal(b, &out)
		if out.Error.Message != "" {
			return res.StatusCode, out.Error.Message
		}
		return res.StatusCode, string(b)
	}
	for _, path := range []string{"/api/v1/places", "/api/v1/places/autocomplete", "/api/v1/divisions", "/api/v1/boundary-lines"} {
		for _, param := range []string{"q", "division"} {
			for _, bad := range []string{"%00", "%ff", "abc%00def", "%c3%28", "%1b"} {
				st, msg := get(path + "?" + param + "=" + bad)
				if st != 400 || !strings.Contains(msg, param) || !strings.Contains(msg, "无效字符") {
					t.Errorf("GET %s?%s=%s = %d %q, want 400 naming %s", path, param, bad, st, msg, param)
				}
			}
		}
	}
	// A limit that is not a whole number in range is refused naming it,
	// not silently replaced by the default.
	for _, path := range []string{"/api/v1/divisions?q=边测&limit=", "/api/v1/boundary-lines?limit=", "/api/v1/places/autocomplete?q=bian&limit="} {
		for _, bad := range []string{"abc", "0", "-5", "99999", "1.5"} {
			if st, msg := get(path + bad); st != 422 || !strings.Contains(msg, "limit") {
				t.Errorf("GET %s%s = %d %q, want 422 naming limit", path, bad, st, msg)
			}
		}
	}
	if st, body := get("/api/v1/divisions?q=边测&limit=1"); st != 200 || strings.Count(body, `"code"`) != 1 {
		t.Errorf("GET /divisions?q=边测&limit=1 = %d %s, want one division", st, body)
	}
	for _, path := range []string{"/api/v1/divisions/%ff", "/api/v1/divisions/%00", "/api/v1/divisions/33%00", "/api/v1/places/%00"} {
		if st, msg := get(path); st >= 500 {
			t.Errorf("GET %s = %d %q, want no 500", path, st, msg)
		}
	}
	// LIKE wildcards match themselves: "%" finds the division with a
	// percent sign in its name, not every division.
	tests := []struct {
		q    string
		want []string
	}{
		{"%25", []string{"339972"}},
		{"_", []string{"339972"}},
		{"%25%25", nil},
		{"__", nil},
		{"%5C", nil},
	}
	for _, tt := range tests {
		st, body := get("/api/v1/divisions?q=" + tt.q + "&within=339900")
		if st != 200 {
			t.Errorf("GET /divisions?q=%s = %d %s", tt.q, st, body)
			continue
		}
		var out struct{ Divisions []struct{ Code string } }
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		var got []string
		for _, d := range out.Divisions {
			if strings.HasPrefix(d.Code, "3399") {
				got = append(got, d.Code)
			}
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("GET /divisions?q=%s found %v, want %v", tt.q, got, tt.want)
		}
	}
}
