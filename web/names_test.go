package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/diming/diming/doorplate"
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
	if code != 200 || !strings.Contains(string(sheet), "Changsha Lu 9 Hao") || strings.Contains(string(sheet), "Zhangsha") {
		t.Errorf("print sheet = %d, lacks Changsha Lu 9 Hao:\n%.400s", code, sheet)
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
