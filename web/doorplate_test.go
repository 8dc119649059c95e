package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/web"
)

var dpSeq atomic.Int32

type dpEnv struct {
	srv                      *httptest.Server
	db                       *data.DB
	svc                      *doorplate.Service
	county, town, a, b       string
	approver, adminA, adminB string
}

// newDoorplateEnv runs the real server with the doorplate service on the
// test database, with a made-up county (province 92) holding a town and two
// square communities: A at lon 120.00–120.01, B at 120.01–120.02.
func newDoorplateEnv(t *testing.T, policy doorplate.PhonePolicy) dpEnv {
	t.Helper()
	db := dbtest.Open(t)
	n := dpSeq.Add(1)
	e := dpEnv{db: db, county: fmt.Sprintf("9201%02d", n)}
	e.town, e.a, e.b = e.county+"001", e.county+"001001", e.county+"001002"
	ctx := context.Background()
	sq := func(x0 float64) string {
		return fmt.Sprintf("ST_GeomFromText('MULTIPOLYGON(((%[1]f 30,%[2]f 30,%[2]f 30.01,%[1]f 30.01,%[1]f 30)))',4490)", x0, x0+0.01)
	}
	_, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level, parent_code) VALUES ('920000','样例省',1,NULL),
		('920100','样例市',2,'920000') ON CONFLICT DO NOTHING`)
	if err == nil {
		_, err = db.Pool.Exec(ctx, fmt.Sprintf(`INSERT INTO divisions (code, name, level, parent_code, geom) VALUES
			($1,'样例区',3,'920100', ST_Multi(ST_MakeEnvelope(120,30,120.02,30.01,4490))), ($2,'城关街道',4,$1,NULL),
			($3,'锦园社区',5,$2,%s), ($4,'河西社区',5,$2,%s)`, sq(120), sq(120.01)), e.county, e.town, e.a, e.b)
	}
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	e.approver, e.adminA, e.adminB = fmt.Sprintf("issuer%d", n), fmt.Sprintf("comma%d", n), fmt.Sprintf("commb%d", n)
	mustUser(t, db, e.approver, e.county, diming.RoleApprover)
	mustUser(t, db, e.adminA, e.a, diming.RoleCommunityAdmin)
	mustUser(t, db, e.adminB, e.b, diming.RoleCommunityAdmin)

	var h http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	keys, _ := doorplate.ParseKeys("k2:" + strings.Repeat("QUJD", 11) + ",k1:" + strings.Repeat("WFla", 11))
	e.svc, err = doorplate.NewService(db, doorplate.Config{PublicURL: e.srv.URL, Keys: keys, PhonePolicy: policy})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go e.svc.RunCache(cctx, func(err error) { t.Logf("cache listener: %v", err) })
	h = web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: e.srv.URL},
		web.Deps{Accounts: db, Health: db, Doorplate: e.svc, Sharing: db})
	return e
}

func (e dpEnv) as(t *testing.T, user string) *client {
	c := newClient(t, e.srv.URL)
	c.login(user)
	return c
}

// get fetches a URL as a phone would, or as JSON.
func get(t testing.TB, url string, json bool) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if json {
		req.Header.Set("Accept", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// decodeQR decodes a PNG with zbarimg, an independent decoder.
func decodeQR(t *testing.T, png []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(f, png, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("zbarimg", "--raw", "-q", f).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v (is zbar-tools installed?)", err)
	}
	return strings.TrimSpace(string(out))
}

// rasterizeSVG draws an SVG with headless chromium (an independent
// renderer) and returns the screenshot as PNG.
func rasterizeSVG(t *testing.T, svg []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "qr.svg"), filepath.Join(dir, "qr.png")
	if err := os.WriteFile(in, svg, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chromiumPath(t), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--hide-scrollbars", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--window-size=600,600", "--screenshot="+out, "file://"+in)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, msg)
	}
	png, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return png
}

func (c *client) raw(path string) (int, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.Header.Set("X-CSRF-Token", c.csrf)
	if c.auth != "" {
		req.Header.Set("Authorization", "Bearer "+c.auth)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func mustStatus(t *testing.T, what string, got, want int, out any) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %d %v, want %d", what, got, out, want)
	}
}

// mustStreet creates 胜利街, running east–west across the town, and
// returns the API's answer.
func (e dpEnv) mustStreet(t *testing.T, iss *client) map[string]any {
	t.Helper()
	st, out := iss.do("POST", "/api/v1/streets", map[string]any{"division_code": e.town, "name": "胜利街",
		"line": map[string]any{"type": "LineString", "coordinates": [][]float64{{120.001, 30.005}, {120.019, 30.005}}}})
	mustStatus(t, "create street", st, 201, out)
	return out
}

func TestDoorplateIssueScanRevokeReplace(t *testing.T) {
	e := newDoorplateEnv(t, doorplate.PhoneMask)
	iss := e.as(t, e.approver)
	out := e.mustStreet(t, iss)
	street := int64(out["id"].(float64))
	if out["orientation"] != "ew" || out["pinyin"] != "Shengli Jie" {
		t.Errorf("street = %v, want ew and Shengli Jie", out)
	}
	addr := func(n int, lat float64) map[string]any {
		st, out := iss.do("POST", "/api/v1/addresses", map[string]any{"division_code": e.a, "street_id": street, "door_number": n,
			"position":  map[string]any{"lon": 120.002 + float64(n)*0.0003, "lat": lat, "crs": "EPSG:4490"},
			"entrances": []map[string]any{{"label": "正门", "position": map[string]any{"lon": 120.002 + float64(n)*0.0003, "lat": lat}}}})
		mustStatus(t, fmt.Sprintf("create address %d", n), st, 201, out)
		return out
	}
	a1 := addr(1, 30.0055) // odd, north side: right
	if a1["full_text"] != "样例省样例市样例区城关街道锦园社区胜利街1号" || !strings.HasPrefix(a1["pinyin"].(string), "Yangli Sheng") {
		t.Errorf("address 1 = %v %v", a1["full_text"], a1["pinyin"])
	}
	if a1["warnings"] != nil {
		t.Errorf("odd number on the north side warned: %v", a1["warnings"])
	}
	a2 := addr(2, 30.0056) // even, but north side: warn
	if w, _ := a2["warnings"].([]any); len(w) != 1 {
		t.Errorf("even number on the odd side: warnings = %v, want one", a2["warnings"])
	}
	st, out := iss.do("POST", "/api/v1/addresses", map[string]any{"division_code": e.a, "street_id": street, "door_number": 1,
		"position": map[string]any{"lon": 120.003, "lat": 30.0055}})
	mustStatus(t, "duplicate number", st, 409, out)
	st, out = iss.do("POST", "/api/v1/addresses", map[string]any{"division_code": e.a, "street_id": street, "door_number": 5,
		"position": map[string]any{"lon": 120.015, "lat": 30.0055}})
	mustStatus(t, "address outside its community", st, 400, out)

	st, out = iss.do("POST", "/api/v1/plates/batch", map[string]any{"street_id": street})
	mustStatus(t, "batch issue", st, 201, out)
	if out["issued"].(float64) != 2 {
		t.Fatalf("batch issued %v, want 2", out["issued"])
	}
	plates := out["plates"].([]any)
	p1, p2 := plates[0].(map[string]any), plates[1].(map[string]any)
	st, out = iss.do("POST", "/api/v1/plates/batch", map[string]any{"street_id": street})
	mustStatus(t, "second batch", st, 201, out)
	if out["issued"].(float64) != 0 {
		t.Errorf("second batch issued %v, want 0", out["issued"])
	}

	// The QR, read by an independent decoder, holds only the URL.
	stc, png := iss.raw("/api/v1/plates/" + p1["public_id"].(string) + "/qr.png?size=small&dpi=150")
	mustStatus(t, "qr.png", stc, 200, string(png))
	url := decodeQR(t, png)
	if url != p1["url"] || !strings.HasPrefix(url, e.srv.URL+"/d/") {
		t.Fatalf("QR holds %q, want %q", url, p1["url"])
	}
	stc, svg := iss.raw("/api/v1/plates/" + p1["public_id"].(string) + "/qr.svg?size=large")
	if stc != 200 || !strings.Contains(string(svg), `width="120mm"`) {
		t.Errorf("qr.svg = %d %.80s", stc, svg)
	}
	// The SVG print shops get, drawn by chromium and read by zbar.
	if got := decodeQR(t, rasterizeSVG(t, svg)); got != p1["url"] {
		t.Errorf("QR SVG holds %q, want %q", got, p1["url"])
	}
	code, page := get(t, url, false)
	mustStatus(t, "scan", code, 200, page)
	for _, want := range []string{"样例省样例市样例区城关街道锦园社区胜利街1号", "Shengli Jie 1 Hao", "uri.amap.com/navigation", "api.map.baidu.com",
		"apis.map.qq.com", "<svg", "锦园社区"} {
		if !strings.Contains(page, want) {
			t.Errorf("scan page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "<form") {
		t.Error("scan page has script or a form")
	}
	// The map apps get the address after its division chain as the label.
	if label := neturl.QueryEscape("胜利街1号"); !strings.Contains(page, ","+label+"&amp;mode=car") ||
		strings.Contains(page, neturl.QueryEscape("锦园社区")) {
		t.Errorf("navigation label is not the street and number alone:\n%s", page)
	}

	// Tampered, unsigned, unknown-key and garbage codes get a clear page.
	pid := p1["public_id"].(string)
	last := url[len(url)-1]
	swap := byte('a')
	if last == 'a' {
		swap = 'b'
	}
	for _, bad := range []string{url[:len(url)-1] + string(swap), e.srv.URL + "/d/" + pid, e.srv.URL + "/d/" + pid + ".k9.aaaaaaaaaaaaaaaaaaaa",
		e.srv.URL + "/d/%00%ff<script>", e.srv.URL + "/d/" + strings.Repeat("z", 500)} {
		code, page := get(t, bad, false)
		if code != 400 || !strings.Contains(page, "无法验证的二维码") {
			t.Errorf("scan %q = %d, want 400 with the forged page", bad, code)
		}
	}

	// Revoked and replaced plates.
	st, out = iss.do("POST", "/api/v1/plates/"+p2["public_id"].(string)+"/revoke", map[string]any{"reason": "building demolished"})
	mustStatus(t, "revoke", st, 200, out)
	code, page = get(t, p2["url"].(string), false)
	if code != 410 || !strings.Contains(page, "门牌已注销") {
		t.Errorf("revoked scan = %d, want 410 and the revoked page", code)
	}
	st, out = iss.do("POST", "/api/v1/plates/"+pid+"/replace", map[string]any{"reason": "damaged"})
	mustStatus(t, "replace", st, 201, out)
	newURL := out["url"].(string)
	code, page = get(t, url, false)
	if code != 410 || !strings.Contains(page, "门牌已更换") || !strings.Contains(page, newURL) {
		t.Errorf("replaced scan = %d, want 410 linking to %s", code, newURL)
	}
	code, body := get(t, url, true)
	var js map[string]any
	_ = json.Unmarshal([]byte(body), &js)
	if code != 410 || js["state"] != "replaced" || js["replaced_by_url"] != newURL {
		t.Errorf("replaced scan JSON = %d %v", code, js)
	}
	if code, _ := get(t, newURL, false); code != 200 {
		t.Errorf("new plate scan = %d, want 200", code)
	}

	// Scans are counted per plate and day.
	if err := e.svc.FlushScans(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, out = iss.do("GET", "/api/v1/plates/"+pid+"/scans", nil)
	mustStatus(t, "scan counts", st, 200, out)
	total := 0.0
	for _, v := range out["scans_per_day"].(map[string]any) {
		total += v.(float64)
	}
	if total != 3 {
		t.Errorf("scans of the old plate = %v, want 3", out)
	}

	// The print sheet lays out the street's active plates.
	stc, sheet := iss.raw(fmt.Sprintf("/doorplate/sheet?street=%d&size=small", street))
	if stc != 200 || strings.Count(string(sheet), `class="plate"`) != 1 || !strings.Contains(string(sheet), "Shengli Jie") {
		t.Errorf("print sheet = %d, want one plate with pinyin", stc)
	}
	if stc, sheet := iss.raw("/doorplate/sheet?community=" + e.a); stc != 200 || strings.Count(string(sheet), "<svg") != 1 {
		t.Errorf("community print sheet = %d, want one plate with its QR", stc)
	}
	if stc, _ := e.as(t, e.adminB).raw(fmt.Sprintf("/doorplate/sheet?street=%d", street)); stc != 403 {
		t.Errorf("print sheet for a community admin = %d, want 403", stc)
	}
	if stc, _ := newClient(t, e.srv.URL).raw(fmt.Sprintf("/doorplate/sheet?street=%d", street)); stc != 401 {
		t.Errorf("anonymous print sheet = %d, want 401", stc)
	}
}

func TestDoorplateGridsAndScanPrivacy(t *testing.T) {
	e := newDoorplateEnv(t, doorplate.PhoneMask)
	iss := e.as(t, e.approver)
	st, out := iss.do("POST", "/api/v1/addresses", map[string]any{"division_code": e.a, "area_name": "锦园小区", "building": "3",
		"position": map[string]any{"lon": 120.002, "lat": 30.002}})
	mustStatus(t, "area address", st, 201, out)
	st, out = iss.do("POST", "/api/v1/plates", map[string]any{"address_id": out["id"]})
	mustStatus(t, "issue", st, 201, out)
	url := out["url"].(string)

	ca, cb := e.as(t, e.adminA), e.as(t, e.adminB)
	poly := map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{120.0, 30.0}, {120.005, 30.0}, {120.005, 30.005}, {120.0, 30.005}, {120.0, 30.0}}}}
	grid := map[string]any{"community_code": e.a, "name": "第一网格", "geom": poly, "worker_name": "王芳", "worker_phone": "13812345678",
		"worker_phone_kind": "personal", "police_name": "李强", "police_phone": "0575-110110", "police_phone_kind": "work"}
	st, out = cb.do("POST", "/api/v1/grids", grid)
	mustStatus(t, "community B admin creating a grid in A", st, 403, out)
	st, out = ca.do("POST", "/api/v1/grids", grid)
	mustStatus(t, "create grid", st, 201, out)
	gridID := int64(out["id"].(float64))
	st, out = cb.do("PATCH", fmt.Sprintf("/api/v1/grids/%d", gridID), map[string]any{"worker_name": "冒名", "version": 1})
	mustStatus(t, "community B admin editing A's grid", st, 403, out)
	st, out = ca.do("PUT", "/api/v1/communities/"+e.a+"/contacts", map[string]any{"office_name": "锦园社区居委会",
		"service_phone": "0575-88001234", "police_unit": "城关派出所", "version": 0})
	mustStatus(t, "community contacts", st, 200, out)
	st, out = cb.do("PUT", "/api/v1/communities/"+e.a+"/contacts", map[string]any{"office_name": "x", "version": 1})
	mustStatus(t, "community B admin editing A's contacts", st, 403, out)

	code, page := get(t, url, false)
	mustStatus(t, "scan", code, 200, page)
	for _, want := range []string{"王芳", "138****5678", "李强", `href="tel:0575110110"`, `href="tel:057588001234"`, "锦园社区居委会", "城关派出所"} {
		if !strings.Contains(page, want) {
			t.Errorf("scan page lacks %q", want)
		}
	}
	if strings.Contains(page, "13812345678") || strings.Contains(page, "tel:13812345678") {
		t.Error("scan page shows the grid worker's personal mobile")
	}

	// A change shows on the next scan.
	st, out = ca.do("PATCH", fmt.Sprintf("/api/v1/grids/%d", gridID), map[string]any{"worker_name": "赵敏", "version": 1})
	mustStatus(t, "edit grid", st, 200, out)
	st, out = ca.do("PATCH", fmt.Sprintf("/api/v1/grids/%d", gridID), map[string]any{"worker_name": "过时", "version": 1})
	mustStatus(t, "stale grid edit", st, 409, out)
	if _, page := get(t, url, false); !strings.Contains(page, "赵敏") || strings.Contains(page, "王芳") {
		t.Error("the grid worker change does not show on the next scan")
	}

	// A change written by another server (straight to the database) shows
	// too: the cache hears the database's notification.
	for range 3 {
		get(t, url, false) // warm the cache
	}
	if _, err := e.db.Pool.Exec(context.Background(), `UPDATE grids SET worker_name='孙丽' WHERE id=$1`, gridID); err != nil {
		t.Fatal(err)
	}
	seen := false
	for i := 0; i < 50 && !seen; i++ {
		_, page := get(t, url, false)
		seen = strings.Contains(page, "孙丽")
		time.Sleep(20 * time.Millisecond)
	}
	if !seen {
		t.Error("a change made by another server does not show on the scan page")
	}

	// JSON answers carry only public fields.
	_, body := get(t, url, true)
	var js map[string]any
	if err := json.Unmarshal([]byte(body), &js); err != nil {
		t.Fatalf("scan JSON: %v %s", err, body)
	}
	allowed := map[string]bool{"state": true, "message": true, "replaced_by_url": true, "address": true, "community": true,
		"grid_worker": true, "police": true, "navigation": true}
	for k := range js {
		if !allowed[k] {
			t.Errorf("scan JSON has unexpected field %q", k)
		}
	}
	if strings.Contains(body, "13812345678") || !strings.Contains(body, "138****5678") {
		t.Errorf("scan JSON does not mask the personal phone: %s", body)
	}
	for _, resident := range []string{"resident", "住户", "户主", "身份证", "租户"} {
		if strings.Contains(body, resident) || strings.Contains(page, resident+"：") {
			t.Errorf("scan output mentions %q", resident)
		}
	}
}

func TestDoorplatePhonePolicyHide(t *testing.T) {
	e := newDoorplateEnv(t, doorplate.PhoneHide)
	iss := e.as(t, e.approver)
	_, out := iss.do("POST", "/api/v1/addresses", map[string]any{"division_code": e.b, "area_name": "河西新村", "door_number": 8,
		"position": map[string]any{"lon": 120.012, "lat": 30.002}})
	_, out = iss.do("POST", "/api/v1/plates", map[string]any{"address_id": out["id"]})
	url := out["url"].(string)
	poly := map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{120.01, 30.0}, {120.02, 30.0}, {120.02, 30.01}, {120.01, 30.01}, {120.01, 30.0}}}}
	st, out := e.as(t, e.adminB).do("POST", "/api/v1/grids", map[string]any{"community_code": e.b, "name": "一网格", "geom": poly,
		"worker_name": "陈静", "worker_phone": "13900001111", "worker_phone_kind": "personal"})
	mustStatus(t, "create grid", st, 201, out)
	_, page := get(t, url, false)
	if !strings.Contains(page, "陈静") || strings.Contains(page, "1111") {
		t.Errorf("hide policy: page should name the worker without any phone digits")
	}
}

// TestDoorplateAddressFollowsDivisionRename checks a division's rename
// reaches its live addresses in the same transaction: the next scan of a
// plate shows the new standard name, a retired address keeps the text it
// had, and the change is in the audit log.
func TestDoorplateAddressFollowsDivisionRename(t *testing.T) {
	e := newDoorplateEnv(t, doorplate.PhoneMask)
	iss := e.as(t, e.approver)
	street := e.mustStreet(t, iss)["id"].(float64)
	var ids []float64
	for _, n := range []int{1, 3} {
		st, out := iss.do("POST", "/api/v1/addresses", map[string]any{"division_code": e.a, "street_id": street, "door_number": n,
			"position": map[string]any{"lon": 120.002 + float64(n)*0.0003, "lat": 30.0055, "crs": "EPSG:4490"}})
		mustStatus(t, "create address", st, 201, out)
		ids = append(ids, out["id"].(float64))
	}
	st, out := iss.do("POST", "/api/v1/plates/batch", map[string]any{"street_id": street})
	mustStatus(t, "batch issue", st, 201, out)
	url := out["plates"].([]any)[0].(map[string]any)["url"].(string)
	if code, page := get(t, url, false); code != 200 || !strings.Contains(page, "样例区城关街道锦园社区胜利街1号") {
		t.Fatalf("scan before the rename = %d", code)
	}
	st, out = iss.do("POST", fmt.Sprintf("/api/v1/addresses/%.0f/lifecycle", ids[1]), map[string]any{"lifecycle": "retired", "version": 1})
	mustStatus(t, "retire address 3", st, 200, out)

	ctx := context.Background()
	on := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range []struct{ code, name string }{{e.a, "锦华社区"}, {e.county, "新样例区"}} {
		var version int
		if err := e.db.Pool.QueryRow(ctx, `SELECT version FROM divisions WHERE code = $1`, r.code).Scan(&version); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.RenameDivision(ctx, r.code, r.name, on, version); err != nil {
			t.Fatalf("RenameDivision(%s) = %v", r.code, err)
		}
	}
	const want = "样例省样例市新样例区城关街道锦华社区胜利街1号"
	deadline := time.Now().Add(5 * time.Second)
	code, page := get(t, url, false)
	for !strings.Contains(page, want) && time.Now().Before(deadline) { // the cache hears of it by notification
		time.Sleep(50 * time.Millisecond)
		code, page = get(t, url, false)
	}
	if code != 200 || !strings.Contains(page, want) || !strings.Contains(page, "Xinyangli Qu") {
		t.Errorf("scan after the renames = %d, lacks %q or its pinyin:\n%.600s", code, want, page)
	}
	for i, w := range []string{want, "样例省样例市样例区城关街道锦园社区胜利街3号"} {
		var text string
		if err := e.db.Pool.QueryRow(ctx, `SELECT full_text FROM addresses WHERE id = $1`, int64(ids[i])).Scan(&text); err != nil || text != w {
			t.Errorf("address %d text = %q, %v; want %q", i, text, err, w)
		}
	}
	var audited int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'address.retext' AND entity_id = ANY($1)`,
		[]string{e.a, e.county}).Scan(&audited); err != nil || audited != 2 {
		t.Errorf("retext audit rows = %d, %v; want 2", audited, err)
	}
	// A new year's NBS list that renames the community does the same.
	rows := func(yield func(boundaries.Division, error) bool) {
		yield(boundaries.Division{Code: e.a, Name: "锦绣社区", Level: boundaries.Village, Kind: "居委会", ParentCode: e.town}, nil)
	}
	rep := &boundaries.ImportReport{Kind: "nbs"}
	if err := e.db.ImportDivisions(ctx, rows, rep); err != nil || rep.Updated != 1 {
		t.Fatalf("ImportDivisions = %+v, %v; want one rename", rep, err)
	}
	var text string
	if err := e.db.Pool.QueryRow(ctx, `SELECT full_text FROM addresses WHERE id = $1`, int64(ids[0])).Scan(&text); err != nil ||
		text != "样例省样例市新样例区城关街道锦绣社区胜利街1号" {
		t.Errorf("address text after the import = %q, %v", text, err)
	}
}
