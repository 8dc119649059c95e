package doorplate

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/diming/diming"
	"github.com/paulmach/orb"
)

// ScanRecord is what the store returns for one public id: the plate, its
// address and the live community and grid data, read in one query.
type ScanRecord struct {
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
	CommunityName string
	Street        orb.LineString
	GridGeom      orb.MultiPolygon
	Community     CommunityInfo
	HasGrid       bool
	Grid          Grid
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
	pid, kid, err := s.keys.Verify(code)
	if err != nil {
		return ScanResult{State: ScanForged, Message: "无法验证此二维码：它不是本系统签发的门牌码，或已被篡改。请以门牌上的文字地址为准，并可向社区或民政部门反映。"}, nil
	}
	rec, ok := s.cache.get(pid)
	if !ok {
		gen := s.cache.generation()
		if rec, err = s.store.FindScan(ctx, pid); err == nil {
			s.cache.put(pid, rec, gen)
		}
	}
	if diming.KindOf(err) == diming.NotFound || err == nil && rec.KeyID != kid {
		return ScanResult{State: ScanUnknown, Message: "没有找到这块门牌。它可能尚未启用；请以门牌上的文字地址为准。"}, nil
	}
	if err != nil {
		return ScanResult{}, err
	}
	s.counter.add(rec.PlateID)
	switch rec.PlateStatus {
	case PlateRevoked:
		return ScanResult{State: ScanRevoked, Message: "这块门牌已注销，不再代表任何地址。"}, nil
	case PlateReplaced:
		res := ScanResult{State: ScanReplaced, Message: "这块门牌已被新门牌替换。"}
		if c, err := s.keys.Sign(rec.ReplacedByID, rec.ReplacedByKey); err == nil {
			res.ReplacedByURL = s.cfg.PublicURL + "/d/" + c
		}
		return res, nil
	}
	v := s.view(rec)
	return ScanResult{State: ScanOK, View: &v}, nil
}

func (s *Service) view(r ScanRecord) ScanView {
	p := s.cfg.PhonePolicy
	v := ScanView{AddressCode: r.AddressCode, FullText: r.FullText, Pinyin: r.Pinyin, Lifecycle: r.Lifecycle, Position: r.Position,
		Community: CommunityView{Name: r.CommunityName, Office: r.Community.OfficeName, OfficeAddress: r.Community.OfficeAddress,
			OfficeHours: r.Community.OfficeHours, ServicePhone: ShowPhone(r.Community.ServicePhone, PhoneWork, p)}}
	if r.HasGrid && r.Grid.WorkerName != "" {
		v.Grid = &ContactView{Name: r.Grid.WorkerName, Role: r.Grid.WorkerRole, Unit: r.Grid.Name,
			Phone: ShowPhone(r.Grid.WorkerPhone, r.Grid.WorkerPhoneKind, p)}
	}
	switch {
	case r.HasGrid && r.Grid.PoliceName != "":
		v.Police = &ContactView{Name: r.Grid.PoliceName, Role: "社区民警", Unit: r.Community.PoliceUnit,
			Phone: ShowPhone(r.Grid.PolicePhone, r.Grid.PolicePhoneKind, p)}
	case r.Community.PoliceName != "":
		v.Police = &ContactView{Name: r.Community.PoliceName, Role: "社区民警", Unit: r.Community.PoliceUnit,
			Phone: ShowPhone(r.Community.PolicePhone, r.Community.PolicePhoneKind, p)}
	}
	gLon, gLat := WGS84ToGCJ02(r.Position[0], r.Position[1])
	bLon, bLat := GCJ02ToBD09(gLon, gLat)
	v.GCJ02, v.BD09 = orb.Point{gLon, gLat}, orb.Point{bLon, bLat}
	v.Nav = navLinks(r.FullText, v.GCJ02, v.BD09)
	v.Map = staticMap(r.Position, r.Street, r.GridGeom)
	return v
}

func ff(x float64) string { return strconv.FormatFloat(x, 'f', 6, 64) }

// navLinks builds the public URI APIs of Amap (GCJ-02), Baidu (BD-09)
// and Tencent (GCJ-02) maps; each opens the app when installed, the web
// map otherwise.
func navLinks(name string, gcj, bd orb.Point) []NavLink {
	q := url.QueryEscape
	return []NavLink{
		{App: "高德地图", URL: fmt.Sprintf("https://uri.amap.com/navigation?to=%s,%s,%s&mode=car&coordinate=gaode&callnative=1&src=diming",
			ff(gcj[0]), ff(gcj[1]), q(name))},
		{App: "百度地图", URL: fmt.Sprintf("https://api.map.baidu.com/marker?location=%s,%s&title=%s&content=%s&coord_type=bd09ll&output=html&src=diming",
			ff(bd[1]), ff(bd[0]), q(name), q(name))},
		{App: "腾讯地图", URL: fmt.Sprintf("https://apis.map.qq.com/uri/v1/marker?marker=%s&referer=diming",
			q("coord:"+ff(gcj[1])+","+ff(gcj[0])+";title:"+name+";addr:"+name))},
	}
}
