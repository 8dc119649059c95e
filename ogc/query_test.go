package ogc

import (
	"net/url"
	"strings"
	"testing"

	"github.com/diming/diming"
)

func TestParseItems(t *testing.T) {
	towns := Find(Registry(), "divisions_township")
	ok := []struct {
		query string
		check func(Query) bool
	}{
		{"", func(q Query) bool { return q.Limit == DefaultLimit && q.CRS == CRS84 && q.Filter == nil }},
		{"limit=10000&bbox=120,29,121,30", func(q Query) bool { return q.Limit == 10000 && *q.BBox == BBox{120, 29, 121, 30} }},
		{"bbox=29,120,30,121&bbox-crs=" + url.QueryEscape(EPSG4490), func(q Query) bool { return *q.BBox == BBox{120, 29, 121, 30} }},
		{"crs=" + url.QueryEscape(EPSG4490), func(q Query) bool { return q.FlipAxes }},
		{"datetime=2015-01-01", func(q Query) bool { return q.Datetime.Start.Equal(*q.Datetime.End) }},
		{"datetime=../2015-01-01", func(q Query) bool { return q.Datetime.Start == nil && q.Datetime.At().Year() == 2015 }},
		{"level=4&name=" + url.QueryEscape("云门镇"), func(q Query) bool { return len(q.Filter.(*Logic).Args) == 2 }},
		{"filter=" + url.QueryEscape("(level = 4 OR level IN (5)) AND NOT name LIKE '%镇' AND valid_from > DATE('2000-01-01') AND kind IS NOT NULL"),
			func(q Query) bool { return q.Filter.(*Logic).Op == "AND" && len(q.Filter.(*Logic).Args) == 4 }},
	}
	for _, c := range ok {
		v, _ := url.ParseQuery(c.query)
		q, err := ParseItems(towns, v)
		if err != nil || !c.check(q) {
			t.Errorf("ParseItems(%q) = %+v, %v", c.query, q, err)
		}
	}
	bad := []struct{ query, field, says string }{
		{"limit=0", "limit", "1 到 10000"},
		{"limit=x", "limit", "limit"},
		{"bbox=1,2,3", "bbox", "4 个"},
		{"bbox=121,29,120,30", "bbox", "最小经度大于"},
		{"bbox=29,120,30,121", "bbox", "写反"},
		{"bbox-crs=EPSG:4490", "bbox-crs", "bbox"},
		{"crs=EPSG:3857", "crs", "CRS84"},
		{"datetime=2015-13-01", "datetime", "RFC 3339"},
		{"datetime=../..", "datetime", "开放"},
		{"datetime=2020-01-01/2015-01-01", "datetime", "晚于"},
		{"height=3", "height", "可按属性"},
		{"level=four", "level", "整数"},
		{"filter=" + url.QueryEscape("name = 3"), "filter", "单引号"},
		{"filter=" + url.QueryEscape("level = '4'"), "filter", "整数"},
		{"filter=" + url.QueryEscape("name = 'a' AND"), "filter", "不完整"},
		{"filter=" + url.QueryEscape("(level = 4"), "filter", "右括号"},
		{"filter=" + url.QueryEscape("level ~ 4"), "filter", "不认识"},
		{"filter-lang=cql2-json&filter=level%3D4", "filter-lang", "cql2-text"},
		{"f=xml", "f", "json 或 html"},
	}
	for _, c := range bad {
		v, _ := url.ParseQuery(c.query)
		_, err := ParseItems(towns, v)
		var de *diming.Error
		if err == nil || diming.KindOf(err) != diming.Invalid || !asError(err, &de) || de.Fields[c.field] == "" || !strings.Contains(de.Msg, c.says) {
			t.Errorf("ParseItems(%q) = %v, want Invalid on %s saying %q", c.query, err, c.field, c.says)
		}
	}
	if _, err := ParseItems(Find(Registry(), "boundary_markers"), url.Values{"datetime": {"2015-01-01"}}); err == nil {
		t.Error("datetime on a collection without validity was accepted")
	}
}

func asError(err error, de **diming.Error) bool {
	e, ok := err.(*diming.Error)
	*de = e
	return ok
}

func TestParseExport(t *testing.T) {
	c := Find(Registry(), "doorplates")
	q, f, name, err := ParseExport(c, url.Values{"division": {"330699"}, "format": {"csv"}})
	if err != nil || f.Name != "csv" || name != "doorplates-330699.csv" || len(q.Prefixes) != 1 || q.Prefixes[0] != "330699" || q.Limit != 0 {
		t.Errorf("ParseExport = %+v %+v %q %v", q, f, name, err)
	}
	if _, _, _, err := ParseExport(c, url.Values{"division": {"330600"}}); err != nil {
		t.Error(err)
	}
	for _, v := range []url.Values{{"division": {"3306"}}, {"format": {"shp"}}, {"limit": {"5"}}, {"crs": {EPSG4490}}} {
		if _, _, _, err := ParseExport(c, v); diming.KindOf(err) != diming.Invalid {
			t.Errorf("ParseExport(%v) = %v, want Invalid", v, err)
		}
	}
}
