package ogc

import (
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming"
)

// CRS URIs of Part 2. CRS84 is longitude/latitude on WGS 84 (GeoJSON's
// default); EPSG:4490 is CGCS2000, the storage CRS, whose axis order is
// latitude, longitude.
const (
	CRS84    = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	EPSG4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
)

// CRSList is what every collection offers.
var CRSList = []string{CRS84, EPSG4490}

// Limits of a page.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// BBox is a box in longitude/latitude (CRS84 order), whatever the request's
// bbox-crs was.
type BBox struct{ MinX, MinY, MaxX, MaxY float64 }

// Interval is a datetime: an instant (Start == End) or a closed interval,
// nil ends open.
type Interval struct{ Start, End *time.Time }

// At is the day a property that changes over time is shown for: the
// instant, or the interval's end (its start when the end is open).
func (iv Interval) At() time.Time {
	switch {
	case iv.End != nil:
		return *iv.End
	case iv.Start != nil:
		return *iv.Start
	}
	return time.Now()
}

// Query is one parsed items request: everything the data layer needs,
// nothing it must check again.
type Query struct {
	Coll     *Collection
	Limit    int // 0: no limit (exports)
	BBox     *BBox
	Datetime *Interval
	Filter   Expr   // nil: none
	After    string // keyset cursor: the last key of the previous page
	ID       string // one feature by its key (/items/{id})
	// FlipAxes writes latitude, longitude (EPSG:4490 output).
	FlipAxes bool
	CRS      string
	// Prefixes restrict the rows to divisions whose codes start with each
	// (the caller's scope, the export's division); all must hold.
	Prefixes []string
}

func invalid(param, msg string) error {
	return diming.E("ogc.parse", diming.Invalid, msg, map[string]string{param: msg})
}

// ItemsParams are the query parameters of /items besides the properties.
var ItemsParams = []string{"f", "limit", "bbox", "bbox-crs", "datetime", "crs", "filter", "filter-lang", "filter-crs", "cursor"}

// ParseItems parses the query of /collections/{id}/items into a Query.
// Every bad parameter gets an Invalid error naming it and saying what to
// write instead.
func ParseItems(c *Collection, v url.Values) (Query, error) {
	q := Query{Coll: c, Limit: DefaultLimit, CRS: CRS84}
	known := map[string]bool{}
	for _, p := range ItemsParams {
		known[p] = true
	}
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	var simple []Expr
	for _, k := range names {
		if len(v[k]) > 1 {
			return q, invalid(k, fmt.Sprintf("参数 %s 只能出现一次", k))
		}
		if known[k] {
			continue
		}
		p, ok := c.Prop(k)
		if !ok {
			return q, invalid(k, fmt.Sprintf("未知的参数 %s：集合 %s 的可用参数为 %s，可按属性 %s 筛选",
				k, c.ID, strings.Join(ItemsParams, ", "), strings.Join(c.PropNames(), ", ")))
		}
		val, err := literalFor(p, v.Get(k))
		if err != nil {
			return q, invalid(k, err.Error())
		}
		simple = append(simple, &Cmp{Prop: p.Name, Op: "=", Value: val})
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return q, invalid("limit", fmt.Sprintf("limit 须为 1 到 %d 之间的整数（收到 %q）", MaxLimit, s))
		}
		q.Limit = n
	}
	crs, err := parseCRS("crs", v.Get("crs"))
	if err != nil {
		return q, err
	}
	q.CRS, q.FlipAxes = crs, crs == EPSG4490
	if s := v.Get("bbox"); s != "" {
		bcrs, err := parseCRS("bbox-crs", v.Get("bbox-crs"))
		if err != nil {
			return q, err
		}
		b, err := ParseBBox(s, bcrs == EPSG4490)
		if err != nil {
			return q, err
		}
		q.BBox = &b
	} else if v.Get("bbox-crs") != "" {
		return q, invalid("bbox-crs", "bbox-crs 只能与 bbox 一起使用")
	}
	if s := v.Get("datetime"); s != "" {
		if c.Valid == nil {
			return q, invalid("datetime", fmt.Sprintf("集合 %s 没有有效期，不能按 datetime 查询；请去掉 datetime", c.ID))
		}
		iv, err := ParseDatetime(s)
		if err != nil {
			return q, err
		}
		q.Datetime = &iv
	}
	if s := v.Get("filter"); s != "" {
		if l := v.Get("filter-lang"); l != "" && l != "cql2-text" {
			return q, invalid("filter-lang", fmt.Sprintf("filter-lang 只支持 cql2-text（收到 %q）", l))
		}
		if fc := v.Get("filter-crs"); fc != "" && fc != CRS84 {
			return q, invalid("filter-crs", "filter-crs 只支持 "+CRS84)
		}
		e, err := ParseCQL2(c, s)
		if err != nil {
			return q, invalid("filter", "filter 有误："+err.Error())
		}
		simple = append(simple, e)
	} else if v.Get("filter-lang") != "" {
		return q, invalid("filter-lang", "filter-lang 只能与 filter 一起使用")
	}
	switch len(simple) {
	case 0:
	case 1:
		q.Filter = simple[0]
	default:
		q.Filter = &Logic{Op: "AND", Args: simple}
	}
	if s := v.Get("cursor"); s != "" {
		if c.KeyInt {
			if _, err := strconv.ParseInt(s, 10, 64); err != nil {
				return q, invalid("cursor", "cursor 无效：请使用上一页 next 链接中的地址，不要手工修改")
			}
		}
		q.After = s
	}
	if f := v.Get("f"); f != "" && f != "json" && f != "html" && f != "geojson" {
		return q, invalid("f", fmt.Sprintf("f 须为 json 或 html（收到 %q）", f))
	}
	return q, nil
}

func parseCRS(param, s string) (string, error) {
	switch s {
	case "", CRS84, "CRS84", "[OGC:CRS84]":
		return CRS84, nil
	case EPSG4490, "EPSG:4490", "[EPSG:4490]":
		return EPSG4490, nil
	}
	return "", invalid(param, fmt.Sprintf("不支持的坐标参考系 %s=%q：可用 %s（经度、纬度）或 %s（CGCS2000，纬度、经度）", param, s, CRS84, EPSG4490))
}

// ParseBBox parses "minx,miny,maxx,maxy" (four numbers; six with heights
// are accepted and the heights ignored). latFirst reads EPSG:4490 order.
func ParseBBox(s string, latFirst bool) (BBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return BBox{}, invalid("bbox", fmt.Sprintf("bbox 须为 4 个以逗号分隔的数：最小经度,最小纬度,最大经度,最大纬度（收到 %q）", s))
	}
	f := make([]float64, len(parts))
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return BBox{}, invalid("bbox", fmt.Sprintf("bbox 的第 %d 个值 %q 不是数", i+1, p))
		}
		f[i] = x
	}
	if len(f) == 6 {
		f = []float64{f[0], f[1], f[3], f[4]}
	}
	if latFirst {
		f[0], f[1], f[2], f[3] = f[1], f[0], f[3], f[2]
	}
	b := BBox{f[0], f[1], f[2], f[3]}
	switch {
	case b.MinY < -90 || b.MaxY > 90 || b.MinX < -180 || b.MaxX > 180:
		return b, invalid("bbox", fmt.Sprintf("bbox 超出经纬度范围（经度 -180..180，纬度 -90..90）：%q；经纬度是否写反了？", s))
	case b.MinY > b.MaxY:
		return b, invalid("bbox", fmt.Sprintf("bbox 的最小纬度大于最大纬度：%q", s))
	case b.MinX > b.MaxX:
		return b, invalid("bbox", fmt.Sprintf("bbox 的最小经度大于最大经度（不支持跨越 180° 经线）：%q", s))
	}
	return b, nil
}

// ParseDatetime parses an RFC 3339 date or date-time, or an interval
// "start/end" with ".." or an empty side for an open end.
func ParseDatetime(s string) (Interval, error) {
	bad := func() error {
		return invalid("datetime", fmt.Sprintf("datetime 须为 RFC 3339 日期或时间（如 2015-01-01 或 2015-01-01T00:00:00Z），"+
			"或以 / 分隔的区间（如 2015-01-01/2020-12-31、../2015-01-01）；收到 %q", s))
	}
	one := func(p string) (*time.Time, error) {
		if p == "" || p == ".." {
			return nil, nil
		}
		for _, layout := range []string{time.DateOnly, time.RFC3339Nano} {
			if t, err := time.Parse(layout, p); err == nil {
				t = t.UTC()
				return &t, nil
			}
		}
		return nil, bad()
	}
	if a, b, ok := strings.Cut(s, "/"); ok {
		st, err := one(a)
		if err != nil {
			return Interval{}, err
		}
		en, err := one(b)
		if err != nil {
			return Interval{}, err
		}
		if st == nil && en == nil {
			return Interval{}, invalid("datetime", "datetime 区间的两端不能都开放（../..）；不限时间请去掉 datetime")
		}
		if st != nil && en != nil && st.After(*en) {
			return Interval{}, invalid("datetime", fmt.Sprintf("datetime 区间的开始晚于结束：%q", s))
		}
		return Interval{st, en}, nil
	}
	if s == ".." {
		return Interval{}, bad()
	}
	t, err := one(s)
	if err != nil {
		return Interval{}, err
	}
	return Interval{t, t}, nil
}

// literalFor converts a simple filter's text to the property's type.
func literalFor(p Property, s string) (any, error) {
	switch p.Type {
	case Integer:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("属性 %s 是整数，%q 不是整数", p.Name, s)
		}
		return n, nil
	case Number:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("属性 %s 是数值，%q 不是数", p.Name, s)
		}
		return f, nil
	case Boolean:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("属性 %s 是布尔值，请写 true 或 false", p.Name)
		}
		return b, nil
	case Date:
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, fmt.Errorf("属性 %s 是日期，请写 YYYY-MM-DD（收到 %q）", p.Name, s)
		}
		return t, nil
	}
	return s, nil
}
