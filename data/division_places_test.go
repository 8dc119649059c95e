package data_test

import (
	"os"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data/dbtest"
)

// A division and its standard place name are one change: renaming a
// division (by the API's service and by an NBS import, after the real MCA
// history) renames its place name, and retiring it retires the place
// name, with history both ways and audit rows.
func TestDivisionAndPlaceNameChangeTogether(t *testing.T) {
	db, _ := dbtest.Copy(t, dbtest.TownsSet) // the NBS towns of the country, the focus areas' villages
	ctx := diming.WithUser(t.Context(), &diming.User{Username: "admin", Roles: []diming.Role{diming.RoleAdmin}})
	svc := boundaries.New(db)
	if _, err := svc.ImportMCAHistory(ctx, []string{dbtest.SharedData(t, "mca-gbt2260-areacodes/result.csv")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportPlacesFromDivisions(ctx, "3306"); err != nil {
		t.Fatal(err)
	}
	place := func(code string) (id int64, name, status string, supersedes, supersededBy *int64) {
		t.Helper()
		if err := db.Pool.QueryRow(ctx, `SELECT id, name, status, supersedes, superseded_by FROM places
			WHERE source_division = $1 OR (superseded_by IS NULL AND division_code = $1 AND category = 2 AND status = 'historical')
			ORDER BY source_division IS NULL LIMIT 1`, code).Scan(&id, &name, &status, &supersedes, &supersededBy); err != nil {
			t.Fatalf("place of %s: %v", code, err)
		}
		return
	}
	oldID, _, _, _, _ := place("330602")
	d, err := svc.Division(ctx, "330602")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Rename(ctx, "330602", "鉴湖区", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), d.Version); err != nil {
		t.Fatalf("Rename(330602 → 鉴湖区) = %v", err)
	}
	newID, name, status, sup, _ := place("330602")
	if name != "鉴湖区" || status != "current" || sup == nil || *sup != oldID {
		t.Errorf("place of 330602 after the rename = %q %s supersedes %v; want 鉴湖区, current, superseding %d", name, status, sup, oldID)
	}
	var oldName, oldStatus string
	var by *int64
	var validTo *time.Time
	if err := db.Pool.QueryRow(ctx, `SELECT name, status, superseded_by, valid_to FROM places WHERE id = $1`, oldID).Scan(&oldName, &oldStatus, &by, &validTo); err != nil {
		t.Fatal(err)
	}
	if oldName != "越城区" || oldStatus != "historical" || by == nil || *by != newID || validTo == nil || validTo.Format(time.DateOnly) != "2026-03-01" {
		t.Errorf("old place %d = %q %s superseded by %v until %v; want 越城区 historical, superseded by %d from 2026-03-01", oldID, oldName, oldStatus, by, validTo, newID)
	}
	// A one-row NBS import gives the old name back, and the place follows.
	f := t.TempDir() + "/areas.csv"
	writeTestFile(t, f, "code,name,cityCode,provinceCode\n330602,越城区,3306,33\n")
	if rep, err := svc.ImportNBS(ctx, []string{f}, nil); err != nil || rep.Updated != 1 {
		t.Fatalf("ImportNBS(330602 越城区) = %+v, %v", rep, err)
	}
	if _, name, _, sup, _ := place("330602"); name != "越城区" || sup == nil || *sup != newID {
		t.Errorf("place of 330602 after the NBS rename = %q supersedes %v; want 越城区 superseding %d", name, sup, newID)
	}
	// Retiring 新昌县 into 越城区 (a made-up change) retires its place name,
	// linked to the successor's.
	xc, _, _, _, _ := place("330624")
	d, _ = svc.Division(ctx, "330624")
	if _, err := svc.Retire(ctx, "330624", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), []string{"330602"}, d.Version); err != nil {
		t.Fatalf("Retire(330624) = %v", err)
	}
	var xs string
	if err := db.Pool.QueryRow(ctx, `SELECT status, superseded_by FROM places WHERE id = $1`, xc).Scan(&xs, &by); err != nil || xs != "historical" || by == nil {
		t.Errorf("place of retired 330624 = %s superseded by %v (%v); want historical, superseded by 越城区's", xs, by, err)
	}
	var audits int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action IN ('place.rename', 'place.retire')`).Scan(&audits); err != nil || audits != 3 {
		t.Errorf("audit rows for the place changes = %d (%v), want 3", audits, err)
	}
}

func writeTestFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
