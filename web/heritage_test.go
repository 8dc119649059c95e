package web_test

import (
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/web"
)

const zjList = "浙江省千年古镇(古村落)地名文化遗产"

// heritageDB is searchDB with the real heritage lists imported.
func heritageDB(t *testing.T) (*data.DB, data.HeritageReport) {
	t.Helper()
	db := searchDB(t)
	f, err := os.Open(dbtest.SharedData(t, "placename-heritage-lists/heritage_items.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := db.ImportHeritage(t.Context(), f)
	if err != nil {
		t.Fatalf("import heritage: %v", err)
	}
	return db, rep
}

func TestHeritageAPI(t *testing.T) {
	db, rep := heritageDB(t)
	srv, _ := searchServer(t, db, web.Config{})
	c := newClient(t, srv.URL)

	st, out := c.do("GET", "/api/v1/heritage?limit=200", nil)
	if st != 200 || int(out["total"].(float64)) != rep.Imported || len(out["entries"].([]any)) != rep.Imported {
		t.Fatalf("GET /heritage = %d, total %v; want all %d imported entries", st, out["total"], rep.Imported)
	}
	var batch3 float64
	for _, b := range out["batches"].([]any) {
		b := b.(map[string]any)
		if b["list_name"] == zjList && b["batch"] == 3.0 {
			batch3 = b["count"].(float64)
		}
	}
	if batch3 != 18 {
		t.Errorf("batch 3 of %s has %v entries, want 18 (10 towns, 8 villages)", zjList, batch3)
	}
	st, out = c.do("GET", "/api/v1/heritage?batch=2&list="+url.QueryEscape(zjList), nil)
	entries := out["entries"].([]any)
	if st != 200 || out["total"] != 8.0 || len(entries) != 8 {
		t.Fatalf("batch 2 = %d, total %v, want 8", st, out["total"])
	}
	for _, e := range entries {
		e := e.(map[string]any)
		if e["batch"] != 2.0 || e["list_name"] != zjList || e["level_name"] != "省级" {
			t.Errorf("batch 2 lists %v", e)
		}
	}
	st, out = c.do("GET", "/api/v1/heritage?category="+url.QueryEscape("千年古县"), nil)
	for _, e := range out["entries"].([]any) {
		e := e.(map[string]any)
		if e["category"] != "千年古县" || !strings.Contains(e["criteria"].(string), "一千年以上") {
			t.Errorf("category 千年古县 lists %v", e)
		}
	}
	if st != 200 || out["total"].(float64) < 5 {
		t.Errorf("category 千年古县 = %d, total %v, want the national list", st, out["total"])
	}
	id := int(entries[0].(map[string]any)["id"].(float64))
	if st, one := c.do("GET", "/api/v1/heritage/"+itoa(id), nil); st != 200 || one["name"] != entries[0].(map[string]any)["name"] {
		t.Errorf("GET /heritage/%d = %d %v", id, st, one)
	}
	if st, _ := c.do("GET", "/api/v1/heritage/99999999", nil); st != 404 {
		t.Errorf("missing entry = %d, want 404", st)
	}
	for _, q := range []string{"level=regional", "batch=two", "division=33a", "limit=1000"} {
		st, out := c.do("GET", "/api/v1/heritage?"+q, nil)
		field, _, _ := strings.Cut(q, "=")
		e, _ := out["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		msg, _ := fields[field].(string)
		if st != 422 || !hasHan(msg) || !hasHan(e["message"].(string)) {
			t.Errorf("GET /heritage?%s = %d %v, want 422 naming %s in Chinese", q, st, out, field)
		}
	}
}

// TestHeritagePageInBrowser opens the public list, picks a batch and sees
// only that batch's entries, each with a link to the map.
func TestHeritagePageInBrowser(t *testing.T) {
	db, _ := heritageDB(t)
	srv, _ := searchServer(t, db, web.Config{})
	ctx, console := browser(t)
	defer failShot(t, ctx, "heritage", console)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/heritage")); err != nil {
		t.Fatal(err)
	}
	criteria, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".criteria")))
	if !strings.Contains(criteria, "千年古村落") || !strings.Contains(criteria, "村名使用一千年以上") {
		t.Errorf("criteria = %q, want the categories with their criteria", criteria)
	}
	link := `.batches a[href*="batch=2"][href*="` + url.QueryEscape(zjList)[:20] + `"]`
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(link))); err != nil {
		t.Fatalf("click batch 2: %v", err)
	}
	if err := waitVisible(ctx, `.batches .current`); err != nil {
		t.Fatalf("batch 2 not selected: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('table.heritage tbody tr')].map(r => r.innerText)`))
	if err != nil || len(rows) != 8 {
		t.Fatalf("batch 2 shows %d rows (%v), want 8", len(rows), err)
	}
	for _, r := range rows {
		if !strings.Contains(r, "第 2 批") || !strings.Contains(r, "地图") && !strings.Contains(r, "未关联") {
			t.Errorf("row %q is not of batch 2 with a map link", r)
		}
	}
	wantText(t, ctx, "entry-count", "共 8 条")
}
