package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/data"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/web"
)

// linkEnv is the doorplate fixture with two departments: 消防 (may hold
// sensitive data) and 市场监管 (internal at most), each with an account
// and a registered kind of record.
type linkEnv struct {
	dpEnv
	fire, market       string // department codes
	fireUser, mktUser  string
	fireTok            string // the fire account's token (sensitive grade)
	street             float64
	addrCode, plateURL string
	pid                string
}

func newLinkEnv(t *testing.T) linkEnv {
	t.Helper()
	e := linkEnv{dpEnv: newDoorplateEnv(t, doorplate.PhoneMask)}
	n := e.county[4:]
	e.fire, e.market = "xf"+n, "scjg"+n
	nat := "natadmin" + n
	mustUser(t, e.db, nat, "", diming.RoleAdmin)
	admin := e.api(t, nat)
	for _, d := range []map[string]any{{"code": e.fire, "name": "消防救援大队", "grade": "sensitive"},
		{"code": e.market, "name": "市场监管局", "grade": "internal"}} {
		st, out := admin.do("POST", "/api/v1/departments", d)
		mustStatus(t, "create department", st, 201, out)
	}
	e.fireUser, e.mktUser = "fire"+n, "mkt"+n
	for _, u := range []diming.NewUser{
		{Username: e.fireUser, Password: "correct horse battery", Roles: []diming.Role{diming.RoleDepartment}, Scope: e.county, Department: e.fire, Grade: diming.GradeSensitive},
		{Username: e.mktUser, Password: "correct horse battery", Roles: []diming.Role{diming.RoleDepartment}, Scope: e.county, Department: e.market},
	} {
		if _, err := e.db.CreateUser(t.Context(), u); err != nil {
			t.Fatalf("CreateUser(%s) = %v", u.Username, err)
		}
	}
	fire := e.api(t, e.fireUser)
	st, out := fire.do("PUT", "/api/v1/departments/"+e.fire+"/kinds/check", map[string]any{"label": "消防安全检查", "grade": "public",
		"fields": []map[string]any{
			{"name": "checked_on", "label": "检查日期", "type": "date", "grade": "public", "required": true},
			{"name": "result", "label": "结果", "type": "enum", "values": []string{"合格", "限期整改"}, "grade": "public"},
			{"name": "inspector_phone", "label": "检查员手机", "type": "string", "grade": "sensitive"}}})
	mustStatus(t, "register kind", st, 200, out)
	st, out = fire.do("PUT", "/api/v1/departments/"+e.fire+"/kinds/risk", map[string]any{"label": "重点单位", "grade": "sensitive",
		"fields": []map[string]any{{"name": "level", "label": "等级", "type": "number", "grade": "sensitive"}}})
	mustStatus(t, "register sensitive kind", st, 200, out)
	mkt := e.api(t, e.mktUser)
	st, out = mkt.do("PUT", "/api/v1/departments/"+e.market+"/kinds/licence", map[string]any{"label": "营业执照", "grade": "public",
		"fields": []map[string]any{{"name": "status", "label": "状态", "type": "enum", "values": []string{"有效", "吊销"}, "grade": "public"},
			{"name": "holder", "label": "经营者", "type": "string", "grade": "internal"}}})
	mustStatus(t, "register licence kind", st, 200, out)
	// A kind above the department's own grade is refused.
	st, out = mkt.do("PUT", "/api/v1/departments/"+e.market+"/kinds/secret", map[string]any{"label": "秘密", "grade": "sensitive",
		"fields": []map[string]any{{"name": "xx", "label": "x", "type": "string", "grade": "sensitive"}}})
	if st != 422 || !strings.Contains(fmt.Sprint(out), "高于部门") {
		t.Errorf("kind above the department's grade = %d %v, want 400 naming the grade", st, out)
	}
	st, out = fire.do("POST", "/api/v1/tokens", map[string]any{"name": "sync", "grade": "sensitive"})
	mustStatus(t, "fire token", st, 201, out)
	e.fireTok = out["token"].(string)

	iss := e.api(t, e.approver)
	e.street = e.mustStreet(t, iss)["id"].(float64)
	st, out = iss.do("POST", "/api/v1/addresses", map[string]any{"division_code": e.a, "street_id": e.street, "door_number": 1,
		"position": map[string]any{"lon": 120.0023, "lat": 30.0055, "crs": "EPSG:4490"}})
	mustStatus(t, "create address", st, 201, out)
	e.addrCode = out["code"].(string)
	st, out = iss.do("POST", "/api/v1/plates/batch", map[string]any{"street_id": e.street})
	mustStatus(t, "issue plate", st, 201, out)
	p := out["plates"].([]any)[0].(map[string]any)
	e.plateURL, e.pid = p["url"].(string), p["public_id"].(string)
	return e
}

// api is a client acting as user through an API token (sign-ins are
// rate-limited per address).
func (e linkEnv) api(t *testing.T, user string) *client {
	t.Helper()
	var id int64
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT id FROM users WHERE username = $1`, user).Scan(&id); err != nil {
		t.Fatal(err)
	}
	tok, err := e.db.CreateToken(context.Background(), id, "test")
	if err != nil {
		t.Fatal(err)
	}
	return e.token(t, tok)
}

func (e linkEnv) token(t *testing.T, tok string) *client {
	c := newClient(t, e.srv.URL)
	c.auth = tok
	return c
}

// bulk posts an NDJSON file of records.
func (c *client) bulk(lines []map[string]any) (int, map[string]any) {
	c.t.Helper()
	var b strings.Builder
	for _, l := range lines {
		j, _ := json.Marshal(l)
		b.Write(j)
		b.WriteByte('\n')
	}
	return c.do("POST", "/api/v1/links/bulk", b.String())
}

// mustAddresses adds n addresses on an area of community A (as the bulk
// loaders do) and returns their codes.
func mustAddresses(t *testing.T, db *data.DB, community string, n int) []string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `INSERT INTO addresses (division_code, area_name, door_number, full_text, position)
		SELECT $1, '测试小区', g, '测试小区' || g || '号', ST_SetSRID(ST_MakePoint(120.001 + (g % 90) * 0.0001, 30.001 + (g / 90) * 0.0005), 4490)
		FROM generate_series(1, $2) g RETURNING code`, community, n)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := collectStrings(rows)
	if err != nil || len(codes) != n {
		t.Fatalf("addresses = %d, %v", len(codes), err)
	}
	return codes
}

func collectStrings(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close()
}) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func countLinks(t *testing.T, db *data.DB, department string) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM linked_records WHERE department = $1 AND status = 'active'`, department).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLinkBulkAllOrNothing(t *testing.T) {
	e := newLinkEnv(t)
	codes := mustAddresses(t, e.db, e.a, 1000)
	fire := e.token(t, e.fireTok)
	lines := make([]map[string]any, len(codes))
	for i, c := range codes {
		lines[i] = map[string]any{"address_code": c, "kind": "check", "ref": fmt.Sprintf("XF-%04d", i),
			"valid_from": "2026-01-01", "payload": map[string]any{"checked_on": "2026-03-01", "result": "合格"}}
	}
	start := time.Now()
	st, out := fire.bulk(lines)
	mustStatus(t, "bulk of 1,000", st, 201, out)
	t.Logf("1,000 records linked in %v", time.Since(start).Round(time.Millisecond))
	if out["written"].(float64) != 1000 || countLinks(t, e.db, e.fire) != 1000 {
		t.Fatalf("written %v, stored %d; want 1000", out["written"], countLinks(t, e.db, e.fire))
	}

	// Each kind of bad line refuses the whole file, names the line, and
	// writes nothing (the good lines would have changed the results).
	bad := []struct {
		name, field string
		line        map[string]any
	}{
		{"unknown address code", "address_code", map[string]any{"address_code": "999999999999" + "00000001", "kind": "check", "ref": "X", "payload": map[string]any{"checked_on": "2026-03-01"}}},
		{"schema mismatch", "payload.result", map[string]any{"address_code": codes[0], "kind": "check", "ref": "X", "payload": map[string]any{"checked_on": "2026-03-01", "result": "优秀"}}},
		{"unregistered field", "payload.owner", map[string]any{"address_code": codes[0], "kind": "check", "ref": "X", "payload": map[string]any{"checked_on": "2026-03-01", "owner": "张三"}}},
		{"missing required field", "payload.checked_on", map[string]any{"address_code": codes[0], "kind": "check", "ref": "X", "payload": map[string]any{}}},
		{"oversized payload", "payload", map[string]any{"address_code": codes[0], "kind": "check", "ref": "X", "payload": map[string]any{"checked_on": "2026-03-01", "inspector_phone": strings.Repeat("1", 3000)}}},
		{"unknown kind", "kind", map[string]any{"address_code": codes[0], "kind": "nope", "ref": "X", "payload": map[string]any{}}},
	}
	for _, b := range bad {
		file := make([]map[string]any, len(lines))
		for i, l := range lines {
			c := map[string]any{}
			for k, v := range l {
				c[k] = v
			}
			c["payload"] = map[string]any{"checked_on": "2026-04-01", "result": "限期整改"}
			file[i] = c
		}
		file[499] = b.line
		st, out := fire.bulk(file)
		fields, _ := out["error"].(map[string]any)["fields"].(map[string]any)
		if st != 422 || fields["500."+b.field] == nil {
			t.Errorf("%s: %d %v, want 422 naming 500.%s", b.name, st, out, b.field)
		}
	}
	var changed int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM linked_records WHERE department = $1 AND payload->>'result' <> '合格'`, e.fire).Scan(&changed); err != nil || changed != 0 {
		t.Errorf("records changed by refused files: %d, %v", changed, err)
	}
	// A grade above the department's own.
	mkt := e.api(t, e.mktUser)
	st, out = mkt.bulk([]map[string]any{{"address_code": codes[1], "kind": "licence", "ref": "L1", "grade": "sensitive", "payload": map[string]any{"status": "有效"}}})
	if fields, _ := out["error"].(map[string]any)["fields"].(map[string]any); st != 422 || fields["1.grade"] == nil {
		t.Errorf("grade above the department's: %d %v", st, out)
	}
	if countLinks(t, e.db, e.market) != 0 {
		t.Error("a refused record was written")
	}
	// Staff who are not a department's account link nothing.
	st, out = e.api(t, e.approver).bulk(lines[:1])
	mustStatus(t, "link by a non-department account", st, 403, out)
}

func TestLinkScanPageAndGrades(t *testing.T) {
	e := newLinkEnv(t)
	fire := e.token(t, e.fireTok)
	st, out := fire.bulk([]map[string]any{
		{"address_code": e.addrCode, "kind": "check", "ref": "XF-1", "valid_to": "2099-12-31",
			"payload": map[string]any{"checked_on": "2026-03-01", "result": "合格", "inspector_phone": "13812345678"}},
		{"address_code": e.addrCode, "kind": "risk", "ref": "R-1", "payload": map[string]any{"level": 3}},
	})
	mustStatus(t, "link", st, 201, out)
	st, out = e.api(t, e.mktUser).do("POST", "/api/v1/links", map[string]any{"address_code": e.addrCode, "kind": "licence", "ref": "91330600MA2",
		"payload": map[string]any{"status": "有效", "holder": "张三"}})
	mustStatus(t, "link one", st, 201, out)

	// The scan page shows the public links and nothing above public.
	waitScan := func(url string, want ...string) string {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			code, page := get(t, url, false)
			ok := code == 200
			for _, w := range want {
				ok = ok && strings.Contains(page, w)
			}
			if ok || time.Now().After(deadline) {
				if !ok {
					t.Fatalf("scan page = %d, lacks one of %q:\n%s", code, want, page)
				}
				return page
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	page := waitScan(e.plateURL, "消防救援大队 · 消防安全检查", "检查日期：2026-03-01", "营业执照", "状态：有效")
	for _, hidden := range []string{"13812345678", "138", "重点单位", "张三", "等级"} {
		if strings.Contains(page, hidden) {
			t.Errorf("scan page shows %q", hidden)
		}
	}
	if len(page) > 4096 {
		t.Errorf("scan page with links is %d bytes, over one 4 KB write", len(page))
	}
	_, js := get(t, e.plateURL, true)
	if !strings.Contains(js, `"links":[`) || strings.Contains(js, "138") {
		t.Errorf("scan JSON links = %s", js)
	}

	// Anonymous: public records, public fields.
	links := func(c *client) []any {
		t.Helper()
		st, out := c.do("GET", "/api/v1/addresses/"+e.addrCode+"/links", nil)
		mustStatus(t, "links", st, 200, out)
		return out["links"].([]any)
	}
	if l := links(newClient(t, e.srv.URL)); len(l) != 2 {
		t.Errorf("anonymous sees %d links, want the 2 public ones", len(l))
	}
	// An internal-grade account (staff; the fire account's narrowed token)
	// sees the sensitive field masked and not the sensitive record.
	st, out = e.api(t, e.fireUser).do("POST", "/api/v1/tokens", map[string]any{"name": "internal", "grade": "internal"})
	mustStatus(t, "narrow token", st, 201, out)
	narrowTok := out["token"].(string)
	for who, c := range map[string]*client{"approver": e.api(t, e.approver), "internal token": e.token(t, narrowTok)} {
		l := links(c)
		if len(l) != 2 {
			t.Errorf("%s sees %d links, want 2", who, len(l))
			continue
		}
		for _, x := range l {
			v := x.(map[string]any)
			p := v["payload"].(map[string]any)
			if v["kind"] == "check" && (p["inspector_phone"] != "***" || fmt.Sprint(v["masked_fields"]) != "[inspector_phone]") {
				t.Errorf("%s sees the check as %v, want the phone masked", who, v)
			}
			if v["kind"] == "licence" && p["holder"] != "张三" {
				t.Errorf("%s sees the licence as %v, want the internal holder", who, v)
			}
		}
	}
	logged := func() []any {
		t.Helper()
		st, out := e.api(t, e.fireUser).do("GET", "/api/v1/access-log", nil)
		mustStatus(t, "access log", st, 200, out)
		return out["entries"].([]any)
	}
	if n := len(logged()); n != 0 {
		t.Errorf("access log has %d entries before any sensitive read", n)
	}
	// A token too wide for its account is refused.
	st, out = e.api(t, e.mktUser).do("POST", "/api/v1/tokens", map[string]any{"name": "wide", "grade": "sensitive"})
	mustStatus(t, "token above the account's grade", st, 422, out)

	// The sensitive-grade token sees everything, and the read is logged.
	l := links(e.token(t, e.fireTok))
	if len(l) != 3 {
		t.Fatalf("sensitive token sees %d links, want 3", len(l))
	}
	sawPhone := false
	for _, x := range l {
		sawPhone = sawPhone || x.(map[string]any)["payload"].(map[string]any)["inspector_phone"] == "13812345678"
	}
	if !sawPhone {
		t.Errorf("sensitive token does not see the phone: %v", l)
	}
	entries := logged()
	if len(entries) != 2 {
		t.Fatalf("access log = %v, want the two sensitive records read", entries)
	}
	first := entries[0].(map[string]any)
	if first["actor"] != e.fireUser || first["entity"] != "linked_record" || first["at"] == "" {
		t.Errorf("access log entry = %v", first)
	}
	// Other departments do not read the fire department's log.
	st, out = e.api(t, e.mktUser).do("GET", "/api/v1/access-log?owner="+e.fire, nil)
	mustStatus(t, "another department's log", st, 403, out)
	// The log is append-only for the server's role.
	if _, err := e.db.Pool.Exec(context.Background(), `UPDATE access_log SET actor = 'x'`); err == nil {
		t.Error("the access log could be updated")
	}

	// A street rename and a replacement plate keep the links.
	ctx := context.Background()
	if _, err := e.db.Pool.Exec(ctx, `UPDATE streets SET name = '解放街', version = version + 1 WHERE id = $1`, int64(e.street)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Pool.Exec(ctx, `UPDATE addresses SET full_text = replace(full_text, '胜利街', '解放街'), version = version + 1 WHERE street_id = $1`, int64(e.street)); err != nil {
		t.Fatal(err)
	}
	waitScan(e.plateURL, "解放街1号", "消防安全检查", "营业执照")
	st, out = e.api(t, e.approver).do("POST", "/api/v1/plates/"+e.pid+"/replace", map[string]any{"reason": "损坏"})
	mustStatus(t, "replace plate", st, 201, out)
	waitScan(out["url"].(string), "解放街1号", "消防安全检查</b><br>检查日期：2026-03-01")
	if l := links(newClient(t, e.srv.URL)); len(l) != 2 {
		t.Errorf("after the rename the address has %d public links, want 2", len(l))
	}
	// A retired address keeps its history.
	if _, err := e.db.Pool.Exec(ctx, `UPDATE addresses SET lifecycle = 'retired' WHERE code = $1`, e.addrCode); err != nil {
		t.Fatal(err)
	}
	if l := links(e.token(t, e.fireTok)); len(l) != 3 {
		t.Errorf("retired address shows %d links, want its 3", len(l))
	}
}

func TestChangeFeed(t *testing.T) {
	e := newLinkEnv(t)
	codes := mustAddresses(t, e.db, e.a, 50)
	fire := e.token(t, e.fireTok)
	lines := make([]map[string]any, 0, 60)
	for i, c := range codes {
		lines = append(lines, map[string]any{"address_code": c, "kind": "check", "ref": fmt.Sprintf("F-%d", i),
			"payload": map[string]any{"checked_on": "2026-03-01", "inspector_phone": "13800000000"}})
	}
	st, out := fire.bulk(lines)
	mustStatus(t, "bulk", st, 201, out)

	var maxID int64
	ctx := context.Background()
	if err := e.db.Pool.QueryRow(ctx, `SELECT max(id) FROM audit_log`).Scan(&maxID); err != nil {
		t.Fatal(err)
	}
	// Read from the beginning in pages of 37 until past every change so
	// far (the feed holds back changes of transactions still running
	// anywhere on the cluster, so it may take a moment).
	consumer := e.api(t, e.approver) // internal grade: phones masked
	seen := map[float64]int{}
	cursor := ""
	read := func(c *client, until int64) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for last := int64(0); last < until; {
			st, out := c.do("GET", "/api/v1/changes?limit=37&after="+cursor, nil)
			mustStatus(t, "changes", st, 200, out)
			page := out["changes"].([]any)
			for _, x := range page {
				ch := x.(map[string]any)
				seen[ch["id"].(float64)]++
				last = max(last, int64(ch["id"].(float64)))
				if ch["entity"] == "linked_record" && strings.Contains(fmt.Sprint(ch["after"]), "13800000000") {
					t.Fatalf("internal consumer saw a sensitive field: %v", ch)
				}
			}
			cursor = out["next"].(string)
			if len(page) == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("feed stopped at %d, before %d", last, until)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	read(consumer, maxID)
	var want []int64
	rows, err := e.db.Pool.Query(ctx, `SELECT id FROM audit_log WHERE entity = ANY($1) AND id <= $2`,
		[]string{"division", "place", "street", "address", "plate", "linked_record"}, maxID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		want = append(want, id)
	}
	rows.Close()
	for _, id := range want {
		if seen[float64(id)] != 1 {
			t.Errorf("change %d seen %d times, want once", id, seen[float64(id)])
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("change %.0f seen %d times", id, n)
		}
	}
	if len(want) < 50 {
		t.Errorf("feed has %d changes, want the 50 links at least", len(want))
	}

	// A restarted server continues from the consumer's cursor: only the
	// new changes come.
	before := len(seen)
	st, out = fire.bulk(lines[:5])
	mustStatus(t, "update five", st, 201, out)
	if err := e.db.Pool.QueryRow(ctx, `SELECT max(id) FROM audit_log`).Scan(&maxID); err != nil {
		t.Fatal(err)
	}
	h := web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: "http://restarted"},
		web.Deps{Accounts: e.db, Health: e.db, Sharing: e.db})
	srv2 := httptest.NewServer(h)
	defer srv2.Close()
	c2 := newClient(t, srv2.URL)
	c2.auth = consumer.auth
	read(c2, maxID)
	if got := len(seen) - before; got != 5 {
		t.Errorf("after the restart the feed gave %d new changes, want the 5 updates", got)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("change %.0f seen %d times across the restart", id, n)
		}
	}

	// The NDJSON export gives the same changes, each with its cursor.
	req, _ := http.NewRequest("GET", srv2.URL+"/api/v1/export/changes", nil)
	req.Header.Set("Authorization", "Bearer "+e.fireTok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	n := bytes.Count(body, []byte("\n"))
	if res.StatusCode != 200 || n < len(want)+5 || !bytes.Contains(body, []byte("13800000000")) {
		t.Errorf("export = %d, %d lines (want ≥ %d, the sensitive token seeing phones)", res.StatusCode, n, len(want)+5)
	}
	// The address export in GB/T 35639's shape.
	req, _ = http.NewRequest("GET", srv2.URL+"/api/v1/export/addresses?within="+e.county, nil)
	req.Header.Set("Authorization", "Bearer "+consumer.auth)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	first, _, _ := bytes.Cut(body, []byte("\n"))
	var gb struct {
		ID         string `json:"id"`
		Components []struct{ Type, Value string }
		Position   struct{ CRS string }
	}
	if err := json.Unmarshal(first, &gb); err != nil || res.StatusCode != 200 || bytes.Count(body, []byte("\n")) != 51 ||
		len(gb.Components) < 6 || gb.Components[0].Type != "省" || gb.Components[0].Value != "样例省" || gb.Position.CRS != "EPSG:4490" {
		t.Errorf("address export = %d, first %s", res.StatusCode, first)
	}
	st, out = consumer.do("GET", "/api/v1/changes?after=bogus", nil)
	mustStatus(t, "bad cursor", st, 422, out)
}
