package data

import (
	"context"
	"fmt"

	"github.com/diming/diming/gazetteer"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// DemoCounty is the fictional county of the demo data, created by the
// boundaries demo step.
const DemoCounty = "330699"

// demoPlaces are generated names laid out around a town's centre: offsets
// in degrees, and a line for roads and bridges.
var demoPlaces = []struct {
	name     string
	category gazetteer.Category
	sub      string
	readings gazetteer.Readings
	dx, dy   float64
	line     bool
	meaning  string
}{
	{"人民路", gazetteer.Street, "", nil, 0, 0, true, "以人民命名，寓意为人民服务"},
	{"解放东路", gazetteer.Street, "", nil, 0.004, 0.002, true, "延续老城解放路，位于其东段"},
	{"长乐街", gazetteer.Street, "", nil, -0.003, 0.003, true, "取长久安乐之意"},
	{"鉴湖公园", gazetteer.Park, "", nil, 0.006, -0.004, false, "临鉴湖而建"},
	{"永安桥", gazetteer.Facility, "", nil, 0.002, -0.002, true, "取永保平安之意"},
	{"重阳桥", gazetteer.Facility, "", gazetteer.Readings{0: "chóng"}, -0.005, -0.001, true, "重阳节落成，重读 chóng"},
	{"周家庄", gazetteer.VillageSeat, gazetteer.SubNaturalVillage, nil, 0.012, 0.01, false, "周姓聚居"},
	{"清溪", gazetteer.Natural, "", nil, -0.01, 0.008, true, "溪水清澈"},
	{"锦绣花苑", gazetteer.Residential, "", nil, 0.008, 0.006, false, "锦绣前程"},
}

// LoadGazetteerDemo gives the demo county's divisions their place names
// and adds generated roads, a park, bridges, a natural village, a stream
// and a residential area, all marked generated, and a generated heritage
// list of some of them. It does nothing when the
// demo county is missing, or when its demo names are already there.
func (db *DB) LoadGazetteerDemo(ctx context.Context) (int, error) {
	const op = "data.LoadGazetteerDemo"
	var exists, done bool
	err := db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM divisions WHERE code=$1),
		EXISTS (SELECT 1 FROM places WHERE generated AND division_code LIKE $2 AND source_division IS NULL)`,
		DemoCounty, DemoCounty+"%").Scan(&exists, &done)
	if err != nil || !exists || done {
		return 0, translate(op, err)
	}
	if _, err := db.ImportPlacesFromDivisions(ctx, DemoCounty); err != nil {
		return 0, err
	}
	var town string
	var x, y float64
	err = db.Pool.QueryRow(ctx, `SELECT coalesce((SELECT code FROM divisions WHERE parent_code=$1 AND valid_to IS NULL ORDER BY code LIMIT 1), $1),
		coalesce(ST_X(ST_PointOnSurface(geom)), 120.58), coalesce(ST_Y(ST_PointOnSurface(geom)), 30.0)
		FROM divisions WHERE code=$1`, DemoCounty).Scan(&town, &x, &y)
	if err != nil {
		return 0, translate(op, err)
	}
	n := 0
	err = db.WithTx(ctx, func(tx pgx.Tx) error {
		z, err := romanizerIn(ctx, tx)
		if err != nil {
			return err
		}
		for _, d := range demoPlaces {
			np := gazetteer.NewPlace{Name: d.name, Category: d.category, Subcategory: d.sub, Readings: d.readings, DivisionCode: town,
				Meaning: d.meaning, Description: "演示数据（生成）", Generated: true,
				Geometry: orb.Point{x + d.dx, y + d.dy}}
			if d.line {
				np.Geometry = orb.LineString{{x + d.dx - 0.003, y + d.dy}, {x + d.dx + 0.003, y + d.dy + 0.001}}
			}
			p, err := np.Build(z)
			if err != nil {
				return fmt.Errorf("demo place %s: %w", d.name, err)
			}
			if _, err := createPlace(ctx, tx, p); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, translate(op, err)
	}
	if err := db.loadHeritageDemo(ctx); err != nil {
		return n, err
	}
	return n, db.SaveBuiltup(ctx, "演示县城区", []string{town}, true)
}
