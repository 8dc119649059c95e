package data_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/doorplate"
	"github.com/paulmach/orb"
)

var fixtureSeq atomic.Int32

// dpFixture is a made-up county (province 91, never a real code) with a
// town and two square communities side by side:
// A covers lon 120.00–120.01, B 120.01–120.02, both lat 30.00–30.01.
type dpFixture struct {
	county, town, commA, commB string
	street                     doorplate.Street
}

func mustDoorplateFixture(t *testing.T, db *data.DB) dpFixture {
	t.Helper()
	n := fixtureSeq.Add(1)
	f := dpFixture{county: fmt.Sprintf("9101%02d", n)}
	f.town, f.commA, f.commB = f.county+"001", f.county+"001001", f.county+"001002"
	sq := func(x0 float64) string {
		return fmt.Sprintf("ST_GeomFromText('MULTIPOLYGON(((%[1]f 30,%[2]f 30,%[2]f 30.01,%[1]f 30.01,%[1]f 30)))',4490)", x0, x0+0.01)
	}
	ctx := context.Background()
	_, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level, parent_code) VALUES ('910000','测试省',1,NULL),
		('910100','测试市',2,'910000') ON CONFLICT DO NOTHING`)
	if err == nil {
		_, err = db.Pool.Exec(ctx, fmt.Sprintf(`INSERT INTO divisions (code, name, level, parent_code, geom) VALUES
			($1,'测试区',3,'910100', ST_Multi(ST_MakeEnvelope(120,30,120.02,30.01,4490))),
			($2,'城关街道',4,$1,NULL),
			($3,'锦园社区',5,$2,%s),
			($4,'河西社区',5,$2,%s)`, sq(120), sq(120.01)), f.county, f.town, f.commA, f.commB)
	}
	if err != nil {
		t.Fatalf("fixture divisions: %v", err)
	}
	f.street, err = db.CreateStreet(ctx, doorplate.Street{DivisionCode: f.town, Name: "胜利街", Orientation: "ew",
		Line: orb.LineString{{120.019, 30.005}, {120.001, 30.005}}})
	if err != nil {
		t.Fatalf("fixture street: %v", err)
	}
	return f
}

func mustAddress(t *testing.T, db *data.DB, a doorplate.Address) doorplate.Address {
	t.Helper()
	if a.FullText == "" {
		a.FullText = fmt.Sprintf("测试地址%d号", a.DoorNumber)
	}
	a.PositionSource, a.Status, a.Lifecycle = "entrance", doorplate.StatusOfficial, doorplate.LifecycleCurrent
	out, err := db.CreateAddress(context.Background(), a)
	if err != nil {
		t.Fatalf("CreateAddress(%d) = %v", a.DoorNumber, err)
	}
	return out
}

func TestAddressContainmentAndNumbering(t *testing.T) {
	db := dbtest.Open(t)
	f := mustDoorplateFixture(t, db)
	ctx := context.Background()
	a := mustAddress(t, db, doorplate.Address{DivisionCode: f.commA, StreetID: f.street.ID, DoorNumber: 1, Position: orb.Point{120.005, 30.006}})
	if len(a.Code) != 20 || a.Code[:12] != f.commA {
		t.Errorf("address code = %q, want the community code and an 8-digit serial", a.Code)
	}
	tests := []struct {
		name string
		a    doorplate.Address
		want diming.Kind
	}{
		{"outside its community (inside the neighbour)", doorplate.Address{DivisionCode: f.commA, StreetID: f.street.ID, DoorNumber: 3, Position: orb.Point{120.015, 30.006}}, diming.Invalid},
		{"outside the county", doorplate.Address{DivisionCode: f.commA, StreetID: f.street.ID, DoorNumber: 5, Position: orb.Point{121, 31}}, diming.Invalid},
		{"entrance outside", doorplate.Address{DivisionCode: f.commA, StreetID: f.street.ID, DoorNumber: 7, Position: orb.Point{120.005, 30.006},
			Entrances: []doorplate.Entrance{{Label: "北门", Position: orb.Point{120.005, 30.02}}}}, diming.Invalid},
		{"duplicate number on the street", doorplate.Address{DivisionCode: f.commA, StreetID: f.street.ID, DoorNumber: 1, Position: orb.Point{120.006, 30.006}}, diming.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.a.FullText, tt.a.PositionSource, tt.a.Status, tt.a.Lifecycle = "x", "entrance", "official", "current"
			_, err := db.CreateAddress(ctx, tt.a)
			if diming.KindOf(err) != tt.want || err == nil {
				t.Errorf("CreateAddress() = %v, want kind %v", err, tt.want)
			}
		})
	}
	// Retiring frees the number.
	if _, err := db.SetAddressLifecycle(ctx, a.ID, doorplate.LifecycleRetired, a.Version); err != nil {
		t.Fatalf("retire: %v", err)
	}
	mustAddress(t, db, doorplate.Address{DivisionCode: f.commA, StreetID: f.street.ID, DoorNumber: 1, Position: orb.Point{120.005, 30.006}})
	if _, err := db.SetAddressLifecycle(ctx, a.ID, doorplate.LifecycleCurrent, a.Version); diming.KindOf(err) != diming.Conflict {
		t.Errorf("stale SetAddressLifecycle() = %v, want Conflict", err)
	}
}

func TestIssuePlatesAllOrNothing(t *testing.T) {
	db := dbtest.Open(t)
	f := mustDoorplateFixture(t, db)
	ctx := context.Background()
	good := mustAddress(t, db, doorplate.Address{DivisionCode: f.commA, StreetID: f.street.ID, DoorNumber: 1, Position: orb.Point{120.005, 30.006}})
	gone := mustAddress(t, db, doorplate.Address{DivisionCode: f.commA, StreetID: f.street.ID, DoorNumber: 3, Position: orb.Point{120.004, 30.006}})
	if _, err := db.SetAddressLifecycle(ctx, gone.ID, doorplate.LifecycleRetired, gone.Version); err != nil {
		t.Fatal(err)
	}
	_, err := db.IssuePlates(ctx, []doorplate.NewPlate{
		{PublicID: doorplate.NewPublicID(), KeyID: "k1", AddressID: good.ID},
		{PublicID: doorplate.NewPublicID(), KeyID: "k1", AddressID: gone.ID},
	})
	if diming.KindOf(err) != diming.Invalid {
		t.Fatalf("IssuePlates(with a retired address) = %v, want Invalid", err)
	}
	if ps, _ := db.FindPlates(ctx, doorplate.BatchScope{StreetID: f.street.ID}); len(ps) != 0 {
		t.Errorf("after a failed batch %d plates exist, want 0", len(ps))
	}
	ps, err := db.IssuePlates(ctx, []doorplate.NewPlate{{PublicID: doorplate.NewPublicID(), KeyID: "k1", AddressID: good.ID}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.IssuePlates(ctx, []doorplate.NewPlate{{PublicID: doorplate.NewPublicID(), KeyID: "k1", AddressID: good.ID}})
	if diming.KindOf(err) != diming.Conflict {
		t.Errorf("second active plate = %v, want Conflict (one address, one code)", err)
	}
	next, err := db.ReplacePlate(ctx, ps[0].PublicID, "damaged", doorplate.NewPlate{PublicID: doorplate.NewPublicID(), KeyID: "k1", AddressID: good.ID})
	if err != nil {
		t.Fatalf("ReplacePlate() = %v", err)
	}
	old, _ := db.FindPlate(ctx, ps[0].PublicID)
	if old.Status != doorplate.PlateReplaced || old.ReplacedBy != next.PublicID {
		t.Errorf("old plate = %s → %q, want replaced → %q", old.Status, old.ReplacedBy, next.PublicID)
	}
	if _, err := db.RevokePlate(ctx, ps[0].PublicID, "x"); diming.KindOf(err) != diming.Conflict {
		t.Errorf("revoking a replaced plate = %v, want Conflict", err)
	}
	if err := db.AddScanCounts(ctx, map[doorplate.ScanKey]int64{{PlateID: next.ID, Day: "2026-01-02"}: 2}); err != nil {
		t.Fatal(err)
	}
	_ = db.AddScanCounts(ctx, map[doorplate.ScanKey]int64{{PlateID: next.ID, Day: "2026-01-02"}: 3})
	if c, _ := db.FindScanCounts(ctx, next.PublicID); c["2026-01-02"] != 5 {
		t.Errorf("scan counts = %v, want 5 on 2026-01-02", c)
	}
}

func TestGridMustLieInCommunity(t *testing.T) {
	db := dbtest.Open(t)
	f := mustDoorplateFixture(t, db)
	inside := orb.MultiPolygon{{{{120.001, 30.001}, {120.004, 30.001}, {120.004, 30.004}, {120.001, 30.004}, {120.001, 30.001}}}}
	across := orb.MultiPolygon{{{{120.005, 30.001}, {120.015, 30.001}, {120.015, 30.004}, {120.005, 30.004}, {120.005, 30.001}}}}
	if _, err := db.CreateGrid(context.Background(), doorplate.Grid{CommunityCode: f.commA, Name: "一网格", Geom: inside, WorkerRole: "网格员", WorkerPhoneKind: "work", PolicePhoneKind: "work"}); err != nil {
		t.Fatalf("CreateGrid(inside) = %v", err)
	}
	_, err := db.CreateGrid(context.Background(), doorplate.Grid{CommunityCode: f.commA, Name: "二网格", Geom: across, WorkerRole: "网格员", WorkerPhoneKind: "work", PolicePhoneKind: "work"})
	if diming.KindOf(err) != diming.Invalid {
		t.Errorf("CreateGrid(across the boundary) = %v, want Invalid", err)
	}
}

func TestGenerateDoorplates(t *testing.T) {
	db := dbtest.Open(t)
	f := mustDoorplateFixture(t, db)
	ctx := context.Background()
	res, err := db.GenerateDoorplates(ctx, data.GenSpec{Communities: []string{f.commA, f.commB}, StreetsPerComm: 2, HousesPerStreet: 10, KeyID: "k1", Seed: 7})
	if err != nil {
		t.Fatalf("GenerateDoorplates() = %v", err)
	}
	if res.Streets != 4 || res.Plates == 0 || res.Plates != res.Addresses {
		t.Errorf("GenerateDoorplates() = %+v, want 4 streets and one plate per address", res)
	}
	var outside, notGenerated int
	err = db.Pool.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE NOT ST_Covers(division_geom(a.division_code), a.position)),
		count(*) FILTER (WHERE NOT a.generated OR NOT p.generated)
		FROM addresses a JOIN plates p ON p.address_id = a.id WHERE a.division_code IN ($1,$2)`, f.commA, f.commB).Scan(&outside, &notGenerated)
	if err != nil || outside != 0 || notGenerated != 0 {
		t.Errorf("generated rows: %d outside, %d unmarked, err %v", outside, notGenerated, err)
	}
	// Generated numbering follows the odd/even rule.
	rows, err := db.Pool.Query(ctx, `SELECT street_id, door_number, ST_X(position), ST_Y(position) FROM addresses WHERE division_code = $1`, f.commA)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var sid int64
		var n int
		var p orb.Point
		if err := rows.Scan(&sid, &n, &p[0], &p[1]); err != nil {
			t.Fatal(err)
		}
		st, err := db.FindStreetByID(ctx, sid)
		if err != nil {
			t.Fatal(err)
		}
		if w := doorplate.SideWarning(st.Line, n, p); w != "" {
			t.Errorf("generated %s %d: %s", st.Name, n, w)
		}
	}
}

func TestDemoDoorplatesOnce(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	if _, did, err := db.DemoDoorplates(ctx, "919999"); did || err != nil {
		t.Errorf("DemoDoorplates(missing county) = %v, %v; want nothing done", did, err)
	}
	f := mustDoorplateFixture(t, db)
	res, did, err := db.DemoDoorplates(ctx, f.county)
	if err != nil || !did || res.Plates == 0 {
		t.Fatalf("DemoDoorplates() = %+v, %v, %v", res, did, err)
	}
	if _, did, err := db.DemoDoorplates(ctx, f.county); did || err != nil {
		t.Errorf("second DemoDoorplates() = %v, %v; want nothing done", did, err)
	}
	gs, err := db.FindGrids(ctx, f.commA)
	if err != nil || len(gs) != 1 || gs[0].WorkerPhoneKind != doorplate.PhonePersonal {
		t.Errorf("demo grids = %+v, %v", gs, err)
	}
}

// TestScanNotificationsNameThePlates checks what a scan cache hears: a
// change to an address or a plate names the plate's public id, a change
// to community contacts says "communities", and the preload reads the
// same record FindScan does.
func TestScanNotificationsNameThePlates(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	f := mustDoorplateFixture(t, db)
	a := mustAddress(t, db, doorplate.Address{DivisionCode: f.commA, StreetID: f.street.ID, DoorNumber: 3, Position: orb.Point{120.005, 30.005}})
	pid := doorplate.NewPublicID()
	ps, err := db.IssuePlates(ctx, []doorplate.NewPlate{{PublicID: pid, KeyID: "k1", AddressID: a.ID}})
	if err != nil {
		t.Fatal(err)
	}
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	got := make(chan string, 16)
	ready := make(chan struct{})
	go func() {
		_ = db.ListenChanges(lctx, func() { close(ready) }, func(p string) { got <- p })
	}()
	<-ready
	next := func(what string) string {
		t.Helper()
		select {
		case p := <-got:
			return p
		case <-time.After(5 * time.Second):
			t.Fatalf("no notification after %s", what)
			return ""
		}
	}
	if _, err := db.SetAddressLifecycle(ctx, a.ID, doorplate.LifecyclePlanned, a.Version); err != nil {
		t.Fatal(err)
	}
	if p := next("an address change"); p != "plates:"+pid {
		t.Errorf("address change notified %q, want %q", p, "plates:"+pid)
	}
	if _, err := db.RevokePlate(ctx, pid, "测试"); err != nil {
		t.Fatal(err)
	}
	if p := next("a revocation"); p != "plates:"+pid {
		t.Errorf("revocation notified %q, want %q", p, "plates:"+pid)
	}
	if _, err := db.PutCommunityInfo(ctx, doorplate.CommunityInfo{CommunityCode: f.commA, OfficeName: "锦园社区居委会", PolicePhoneKind: doorplate.PhoneWork}); err != nil {
		t.Fatal(err)
	}
	if p := next("a contacts change"); p != "communities" {
		t.Errorf("contacts change notified %q, want communities", p)
	}
	one, err := db.FindScan(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := db.FindScanRecords(ctx, ps[0].ID-1, 1)
	if err != nil || len(recs) != 1 {
		t.Fatalf("FindScanRecords() = %d records, %v", len(recs), err)
	}
	if r := recs[0]; r.PublicID != pid || r.PlateStatus != one.PlateStatus || r.FullText != one.FullText || len(r.Street) != len(one.Street) ||
		r.Position != one.Position || r.DivisionCode != f.commA {
		t.Errorf("preloaded record %+v differs from FindScan's %+v", r, one)
	}
}
