package doorplate

import (
	"context"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// ScanRecord is what the store returns for one public id: the plate, its
// address and street, read in one query. What the page shows of the
// community comes from ScanCommunity, read once per community.
type ScanRecord struct {
	PublicID      string
	PlateID       int64
	PlateStatus   string
	KeyID         string
	ReplacedByID  string
	ReplacedByKey string
	AddressCode   string
	FullText      string
	Pinyin        string
	Lifecycle     string
	Position      orb.Point
	DivisionCode  string
	StreetID      int64 // 0 when not known; plates of a street share its line
	Street        orb.LineString
	// Links is what the page shows of the records departments linked to
	// the address (sharing.ScanText): one "title\x1ftext" line each.
	Links string
	// LinksUntil is when Links changes by the calendar alone (a record's
	// validity starts or ends; sharing.ScanUntil): the cache reads the
	// record again then, with no change notification. Zero: never.
	LinksUntil time.Time
}

// ScanCommunity is what scans show of a community: its name, office and
// contacts, and its current grids in id order (the first grid covering an
// address is the address's grid).
type ScanCommunity struct {
	Code   string
	Name   string
	Prefix string // its division chain's names, province first: how its addresses begin
	Info   CommunityInfo
	Grids  []Grid
}

// grid returns the grid covering p, if any.
func (c *ScanCommunity) grid(p orb.Point) *Grid {
	for i := range c.Grids {
		if b := c.Grids[i].Geom.Bound(); b.Contains(p) && planar.MultiPolygonContains(c.Grids[i].Geom, p) {
			return &c.Grids[i]
		}
	}
	return nil
}

// Scan outcomes.
const (
	ScanOK       = "ok"
	ScanForged   = "forged"   // not a code, unsigned, bad signature or unknown key
	ScanUnknown  = "unknown"  // well signed, but no such plate
	ScanRevoked  = "revoked"  // withdrawn
	ScanReplaced = "replaced" // superseded; ReplacedByURL leads on
)

// ScanResult is what the scan page shows: public data only. There is no
// field for residents, and none may be added (DOMAIN.md rule 30).
type ScanResult struct {
	State         string
	Message       string // Chinese, for the page
	ReplacedByURL string
	View          *ScanView
}

// ScanView is the public view of an address.
type ScanView struct {
	AddressCode string
	FullText    string
	Pinyin      string
	Lifecycle   string
	Position    orb.Point // CGCS2000
	GCJ02       orb.Point
	BD09        orb.Point
	Community   CommunityView
	Grid        *ContactView
	Police      *ContactView
	Nav         []NavLink
	Map         MapView
	Links       []LinkView
}

// LinkView is one public record a department linked to the address (a
// shop's licence, the last fire-safety check).
type LinkView struct {
	Title string
	Text  string
}

// linkViews splits ScanRecord.Links into its lines.
func linkViews(s string) []LinkView {
	var out []LinkView
	for line := range strings.SplitSeq(s, "\n") {
		if t, x, ok := strings.Cut(line, "\x1f"); ok {
			out = append(out, LinkView{Title: t, Text: x})
		}
	}
	return out
}

// CommunityView is the community's office as shown.
type CommunityView struct {
	Name          string
	Office        string
	OfficeAddress string
	OfficeHours   string
	ServicePhone  Phone
}

// ContactView is a person by role with a work or masked phone.
type ContactView struct {
	Name  string
	Role  string
	Unit  string
	Phone Phone
}

// NavLink opens navigation in a map app; coordinates are converted to the
// app's datum here, never stored.
type NavLink struct {
	App string
	URL string
}

// Scan resolves a scanned code. Bad codes are results, not errors: the
// page must say what is wrong. It returns an error only when the store
// fails (Unavailable, Internal).
func (s *Service) Scan(ctx context.Context, code string) (ScanResult, error) {
	res, _, err := s.ScanRendered(ctx, code, "", nil)
	return res, err
}

// ScanRendered is Scan for the web layer: render turns the result into a
// page of the given format. Plate records, communities and recent pages
// are cached (see scanCache), so a scan usually costs no query, and a
// repeated one no rendering either. Every scan of a real plate is
// counted, cached or not.
func (s *Service) ScanRendered(ctx context.Context, code, format string, render func(ScanResult) ([]byte, error)) (ScanResult, []byte, error) {
	pid, _, err := s.keys.Verify(code)
	if err != nil {
		res := ScanResult{State: ScanForged, Message: "无法验证此二维码：它不是本系统签发的门牌码，或已被篡改。请以门牌上的文字地址为准，并可向社区或民政部门反映。"}
		return s.render(res, render)
	}
	rec, stamp, ok := s.cache.record(pid)
	if !ok {
		gen := s.cache.generation()
		r, err := s.store.FindScan(ctx, pid)
		switch {
		case diming.KindOf(err) == diming.NotFound:
			res := ScanResult{State: ScanUnknown, Message: "没有找到这块门牌。它可能尚未启用；请以门牌上的文字地址为准。"}
			return s.render(res, render)
		case diming.KindOf(err) == diming.Unavailable:
			// The database is down: answer from the last known record.
			last, ok := s.cache.lastKnown(pid)
			if !ok {
				return ScanResult{}, nil, err
			}
			rec = last
		case err != nil:
			return ScanResult{}, nil, err
		default:
			rec = &r
			stamp = s.cache.putRecord(pid, rec, gen)
		}
	}
	s.counter.add(rec.PlateID)
	var comm *ScanCommunity
	if rec.PlateStatus == PlateActive {
		if comm, err = s.community(ctx, rec.DivisionCode); err != nil {
			return ScanResult{}, nil, err
		}
	}
	if e, ok := s.cache.page(pid, stamp, comm); ok {
		if page, ok := e.pages[format]; ok && render != nil {
			return e.res, page, nil
		}
	}
	res, page, err := s.render(s.result(rec, comm), render)
	if err == nil {
		s.cache.putPage(pid, pageEntry{stamp: stamp, comm: comm, res: res}, format, page)
	}
	return res, page, err
}

func (s *Service) render(res ScanResult, render func(ScanResult) ([]byte, error)) (ScanResult, []byte, error) {
	if render == nil {
		return res, nil, nil
	}
	page, err := render(res)
	return res, page, err
}

func (s *Service) result(rec *ScanRecord, comm *ScanCommunity) ScanResult {
	switch rec.PlateStatus {
	case PlateRevoked:
		return ScanResult{State: ScanRevoked, Message: "这块门牌已注销，不再代表任何地址。"}
	case PlateReplaced:
		res := ScanResult{State: ScanReplaced, Message: "这块门牌已被新门牌替换。"}
		res.ReplacedByURL = s.cfg.PublicURL + "/d/" + s.sign(rec.ReplacedByID, rec.ReplacedByKey)
		return res
	}
	v := s.view(rec, comm)
	return ScanResult{State: ScanOK, View: &v}
}

// community returns the community's scan data, from the cache while the
// cache follows the database's changes, else from the store.
func (s *Service) community(ctx context.Context, code string) (*ScanCommunity, error) {
	if c, ok := s.cache.community(code); ok {
		return c, nil
	}
	gen := s.cache.generation()
	c, err := s.store.FindScanCommunity(ctx, code)
	if diming.KindOf(err) == diming.Unavailable {
		if last, ok := s.cache.lastCommunity(code); ok {
			return last, nil
		}
	}
	if err != nil {
		return nil, err
	}
	s.cache.putCommunity(code, gen, &c)
	return &c, nil
}

func (s *Service) view(r *ScanRecord, c *ScanCommunity) ScanView {
	p := s.cfg.PhonePolicy
	ci := c.Info
	v := ScanView{AddressCode: r.AddressCode, FullText: r.FullText, Pinyin: r.Pinyin, Lifecycle: r.Lifecycle, Position: r.Position,
		Community: CommunityView{Name: c.Name, Office: ci.OfficeName, OfficeAddress: ci.OfficeAddress,
			OfficeHours: ci.OfficeHours, ServicePhone: ShowPhone(ci.ServicePhone, PhoneWork, p)}}
	g := c.grid(r.Position)
	if g != nil && g.WorkerName != "" {
		v.Grid = &ContactView{Name: g.WorkerName, Role: g.WorkerRole, Unit: g.Name,
			Phone: ShowPhone(g.WorkerPhone, g.WorkerPhoneKind, p)}
	}
	switch {
	case g != nil && g.PoliceName != "":
		v.Police = &ContactView{Name: g.PoliceName, Role: "社区民警", Unit: ci.PoliceUnit,
			Phone: ShowPhone(g.PolicePhone, g.PolicePhoneKind, p)}
	case ci.PoliceName != "":
		v.Police = &ContactView{Name: ci.PoliceName, Role: "社区民警", Unit: ci.PoliceUnit,
			Phone: ShowPhone(ci.PolicePhone, ci.PolicePhoneKind, p)}
	}
	v.GCJ02 = boundaries.WGS84ToGCJ02(r.Position)
	bLon, bLat := GCJ02ToBD09(v.GCJ02[0], v.GCJ02[1])
	v.BD09 = orb.Point{bLon, bLat}
	v.Nav = navLinks(navLabel(r.FullText, c.Prefix), v.GCJ02, v.BD09)
	var grid orb.MultiPolygon
	if g != nil {
		grid = g.Geom
	}
	v.Map = staticMap(r.Position, r.Street, grid)
	if r.Links != "" {
		v.Links = linkViews(r.Links)
	}
	return v
}

// appendFixed6 appends x with six decimals (about 0.1 m), through
// integers: strconv's float formatting was most of a scan's cost.
func appendFixed6(b []byte, x float64) []byte {
	n := int64(math.Round(x * 1e6))
	if n < 0 {
		b, n = append(b, '-'), -n
	}
	b = strconv.AppendInt(b, n/1e6, 10)
	frac := n % 1e6
	b = append(b, '.', byte('0'+frac/1e5), byte('0'+frac/1e4%10), byte('0'+frac/1e3%10), byte('0'+frac/100%10),
		byte('0'+frac/10%10), byte('0'+frac%10))
	return b
}

// navLabel is the name the map apps show on the destination: the address
// after its division chain (胜利街1号), which a phone shows whole where the
// full address would be cut; the coordinates do the finding. It is the
// full address when that does not begin with the chain.
func navLabel(full, chain string) string {
	if rest, ok := strings.CutPrefix(full, chain); ok && chain != "" && rest != "" {
		return rest
	}
	return full
}

// navLinks builds the public URI APIs of Amap (GCJ-02), Baidu (BD-09)
// and Tencent (GCJ-02) maps; each opens the app when installed, the web
// map otherwise. It runs on every scan, so it appends into one buffer.
func navLinks(name string, gcj, bd orb.Point) []NavLink {
	qn := url.QueryEscape(name)
	b := make([]byte, 0, 384+5*len(qn))
	f := func(x float64) { b = appendFixed6(b, x) }
	b = append(b, "https://uri.amap.com/navigation?to="...)
	f(gcj[0])
	b = append(b, ',')
	f(gcj[1])
	b = append(b, ',')
	b = append(b, qn...)
	b = append(b, "&mode=car&coordinate=gaode&callnative=1&src=diming"...)
	amap := len(b)
	b = append(b, "https://api.map.baidu.com/marker?location="...)
	f(bd[1])
	b = append(b, ',')
	f(bd[0])
	b = append(b, "&title="...)
	b = append(b, qn...)
	b = append(b, "&content="...)
	b = append(b, qn...)
	b = append(b, "&coord_type=bd09ll&output=html&src=diming"...)
	baidu := len(b)
	// Tencent takes one marker parameter, "coord:lat,lon;title:…;addr:…",
	// escaped as a whole; the coordinates need no escaping, and ':' ';' ','
	// escape to fixed sequences.
	b = append(b, "https://apis.map.qq.com/uri/v1/marker?marker=coord%3A"...)
	f(gcj[1])
	b = append(b, "%2C"...)
	f(gcj[0])
	b = append(b, "%3Btitle%3A"...)
	b = append(b, qn...)
	b = append(b, "%3Baddr%3A"...)
	b = append(b, qn...)
	b = append(b, "&referer=diming"...)
	all := string(b)
	return []NavLink{{App: "高德地图", URL: all[:amap]}, {App: "百度地图", URL: all[amap:baidu]}, {App: "腾讯地图", URL: all[baidu:]}}
}
