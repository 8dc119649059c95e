package boundaries

import (
	"context"
	"fmt"

	"github.com/diming/diming"
	"github.com/paulmach/orb"
)

// DemoCountyCode is the generated demo county, 若耶县 under the real
// 绍兴市 (330600). 330699 is not in the NBS or MCA lists, so the demo never
// collides with imported data. Every row below it is marked generated.
const DemoCountyCode = "330699"

// demoBounds is the county's rectangle, on land south-west of 绍兴 around
// 120.3E 29.86N (CGCS2000).
var demoBounds = orb.Bound{Min: orb.Point{120.20, 29.80}, Max: orb.Point{120.40, 29.92}}

type demoTown struct {
	code, name string
	villages   [5]string
}

// demoTowns are fictional: one street office (001, communities 001–005),
// two towns (101, 102) and a township (201), villages 201–205.
var demoTowns = [4]demoTown{
	{"001", "若耶街道", [5]string{"青溪社区", "兰亭社区", "竹里社区", "望云社区", "石桥社区"}},
	{"101", "云门镇", [5]string{"上岙村", "下岙村", "松林村", "茶坞村", "溪口村"}},
	{"102", "秦望镇", [5]string{"岭头村", "塘湾村", "梅园村", "枫岭村", "潭头村"}},
	{"201", "石帆乡", [5]string{"石帆村", "竹坞村", "杏山村", "樟树村", "鹿池村"}},
}

// DemoDivisions returns the demo county, its four towns and twenty
// villages, with polygons that tile the county exactly: the towns are its
// quadrants and each town is cut into five strips, one per village. The
// real province and prefecture come first, not marked generated.
func DemoDivisions() []Division {
	out := []Division{
		{Code: "330000", Name: "浙江省", Level: Province, Kind: "省"},
		{Code: "330600", Name: "绍兴市", Level: Prefecture, Kind: "地级市", ParentCode: "330000"},
		{Code: DemoCountyCode, Name: "若耶县", Level: County, Kind: "县", ParentCode: "330600", Generated: true,
			Geom: orb.MultiPolygon{rect(demoBounds)}},
	}
	midX := (demoBounds.Min[0] + demoBounds.Max[0]) / 2
	midY := (demoBounds.Min[1] + demoBounds.Max[1]) / 2
	quads := [4]orb.Bound{
		{Min: orb.Point{demoBounds.Min[0], midY}, Max: orb.Point{midX, demoBounds.Max[1]}},
		{Min: orb.Point{midX, midY}, Max: demoBounds.Max},
		{Min: demoBounds.Min, Max: orb.Point{midX, midY}},
		{Min: orb.Point{midX, demoBounds.Min[1]}, Max: orb.Point{demoBounds.Max[0], midY}},
	}
	for i, t := range demoTowns {
		town := DemoCountyCode + t.code
		kind := KindOfName(t.name, Township)
		out = append(out, Division{Code: town, Name: t.name, Level: Township, Kind: kind, ParentCode: DemoCountyCode,
			Generated: true, Geom: orb.MultiPolygon{rect(quads[i])}})
		w := (quads[i].Max[0] - quads[i].Min[0]) / 5
		for j, v := range t.villages {
			seq := j + 1
			if kind != "街道" {
				seq += 200 // 村委会 codes run 200–399
			}
			b := orb.Bound{Min: orb.Point{quads[i].Min[0] + float64(j)*w, quads[i].Min[1]},
				Max: orb.Point{quads[i].Min[0] + float64(j+1)*w, quads[i].Max[1]}}
			if j == 4 {
				b.Max[0] = quads[i].Max[0] // no sliver from rounding
			}
			out = append(out, Division{Code: fmt.Sprintf("%s%03d", town, seq), Name: v, Level: Village,
				Kind: KindOfName(v, Village), ParentCode: town, Generated: true, Geom: orb.MultiPolygon{rect(b)}})
		}
	}
	return out
}

func rect(b orb.Bound) orb.Polygon {
	return orb.Polygon{orb.Ring{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}, b.Min}}
}

// DemoStore is what loading the demo needs.
type DemoStore interface {
	// CreateDemoDivisions stores the divisions unless the demo county
	// exists; it reports whether it created them.
	CreateDemoDivisions(ctx context.Context, divs []Division) (bool, error)
}

// LoadDemo creates the demo county with its towns and villages, then
// derives the boundary lines between the towns and places a few markers
// on the first line. It is idempotent; it reports whether it loaded.
func (s *Service) LoadDemo(ctx context.Context, ds DemoStore) (bool, error) {
	created, err := ds.CreateDemoDivisions(ctx, DemoDivisions())
	if err != nil || !created {
		return false, err
	}
	sys := diming.WithUser(ctx, &diming.User{Username: "system", Roles: []diming.Role{diming.RoleAdmin}})
	if _, err := s.DeriveLines(sys, DeriveOptions{Level: Township, Within: DemoCountyCode, ToleranceM: 10}); err != nil {
		return true, fmt.Errorf("demo lines: %w", err)
	}
	lines, err := s.Lines(sys, LineFilter{Code: DemoCountyCode, Level: Township})
	if err != nil || len(lines) == 0 {
		return true, err
	}
	l := lines[0]
	for i, m := range demoMarkers(l) {
		if _, err := s.AddMarker(sys, l.ID, m); err != nil {
			return true, fmt.Errorf("demo marker %d: %w", i, err)
		}
	}
	if len(lines) > 1 {
		if err := s.demoInspection(ctx, lines[1]); err != nil {
			return true, fmt.Errorf("demo inspection: %w", err)
		}
	}
	return true, nil
}

// demoInspection records a joint inspection of line l a month ago, signed
// by a generated inspector of each side, so the demo shows an inspected
// line beside the overdue ones.
func (s *Service) demoInspection(ctx context.Context, l Line) error {
	side := func(code string) context.Context {
		return diming.WithUser(ctx, &diming.User{Username: "demo-inspector-" + code, Roles: []diming.Role{diming.RoleInspector}, Scope: code})
	}
	in, err := s.RecordInspection(side(l.LeftCode), l.ID, NewInspection{InspectedOn: s.Now().AddDate(0, -1, 0),
		Findings: "生成示例：界线执行良好，沿线无新建跨界工程。"})
	if err != nil {
		return err
	}
	if in, err = s.SignInspection(side(l.LeftCode), in.ID, l.LeftCode, in.Version); err != nil {
		return err
	}
	_, err = s.SignInspection(side(l.RightCode), in.ID, l.RightCode, in.Version)
	return err
}

// demoMarkers puts a single marker and a pair along a demo line.
func demoMarkers(l Line) []NewMarker {
	if len(l.Geom) == 0 || len(l.Geom[0]) < 2 {
		return nil
	}
	a, b := l.Geom[0][0], l.Geom[0][len(l.Geom[0])-1]
	at := func(f float64) orb.Point { return orb.Point{a[0] + (b[0]-a[0])*f, a[1] + (b[1]-a[1])*f} }
	refs := []Reference{{Name: "生成示例: 石拱桥", AzimuthDeg: 45, DistanceM: 120}}
	return []NewMarker{
		{Seq: 1, Type: "Q", Position: at(0.25), Form: "单立双面型", Material: "花岗岩", References: refs, Description: "generated demo marker", Published: true},
		{Seq: 2, Type: "A", Position: at(0.6), Form: "单立双面型", Material: "花岗岩", Description: "generated demo marker (pair, smaller code's side)", Published: true},
		{Seq: 2, Type: "B", Position: at(0.6001), Form: "单立双面型", Material: "花岗岩", Description: "generated demo marker (pair)", Published: true},
	}
}
