package data_test

import (
	"os"
	"slices"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/gazetteer"
)

// TestHeritageImportAndDemo imports the real heritage lists over the real
// divisions of the focus areas, checks links and the rename guard, then
// loads the demo names.
func TestHeritageImportAndDemo(t *testing.T) {
	db, _ := dbtest.Copy(t, dbtest.TownsSet) // the NBS towns of the country, the focus areas' villages
	ctx := t.Context()
	if _, err := db.ImportPlacesFromDivisions(ctx, ""); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(dbtest.SharedData(t, "placename-heritage-lists/heritage_items.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rep, err := db.ImportHeritage(ctx, fh)
	if err != nil {
		t.Fatalf("ImportHeritage() = %v", err)
	}
	t.Logf("heritage: read %d, imported %d, linked %d, shortlist %d, skipped %v", rep.Read, rep.Imported, rep.Linked, rep.Shortlist, rep.Skipped)
	if rep.Read != 49 || len(rep.Skipped) != 3 || rep.Shortlist != 4 || rep.Linked < 25 {
		t.Errorf("heritage report = %+v; want 49 read, 3 non-heritage rows skipped, 4 shortlisted, counties and towns linked (only the focus areas' villages are loaded here)", rep)
	}
	link := func(name, division string) int64 {
		var id int64
		if err := db.Pool.QueryRow(ctx, `SELECT p.id FROM heritage_entries h JOIN places p ON p.id=h.place_id
			WHERE h.name=$1 AND p.division_code LIKE $2`, name, division+"%").Scan(&id); err != nil {
			t.Errorf("heritage %s not linked to a place in %s: %v", name, division, err)
		}
		return id
	}
	chongren := link("崇仁镇", "330683")
	link("金庭镇华堂村", "330683")
	link("平阳县", "330326")
	// Renaming a listed name needs protection measures first.
	svc := gazetteer.NewService(db, nil)
	u, err := db.CreateUser(ctx, diming.NewUser{Username: "heritage_committee", Password: "correct horse battery", Roles: []diming.Role{diming.RoleCommittee}, Scope: "330683"})
	if err != nil {
		t.Fatal(err)
	}
	uctx := diming.WithUser(ctx, &u.User)
	p, _ := svc.FindPlace(ctx, chongren)
	if len(p.Heritage) == 0 || p.Heritage[0].Category != "千年古镇" {
		t.Errorf("崇仁镇 heritage = %+v", p.Heritage)
	}
	fs, err := svc.Check(uctx, gazetteer.Application{RenameOf: &chongren, Name: "新仁镇", Category: gazetteer.Division,
		Subcategory: gazetteer.SubTownship, DivisionCode: p.DivisionCode})
	if err != nil {
		t.Fatal(err)
	}
	if rules(fs)[gazetteer.RuleHeritageRename].Severity != gazetteer.Block {
		t.Errorf("renaming 崇仁镇 without measures = %s, want heritage_rename block", fs.Summary())
	}
	// Search by pinyin, initials and a same-sound wrong character.
	for _, q := range []string{"shaoxing", "sx", "绍星", "Shàoxīng", "绍兴"} {
		hits, err := svc.Autocomplete(ctx, q, 10)
		var names []string
		for _, h := range hits {
			names = append(names, h.Name)
		}
		top := 1
		if q == "sx" {
			top = 3 // 山西省 and 陕西省 are sx too, and provinces come first
		}
		if err != nil || !slices.Contains(names[:min(top, len(names))], "绍兴市") {
			t.Errorf("Autocomplete(%q) = %v, %v; want 绍兴市 in the first %d", q, names, err, top)
		}
	}
	if hits, _ := svc.Search(ctx, gazetteer.Filter{Query: "嵊洲市"}); len(hits) == 0 || hits[0].Name != "嵊州市" {
		t.Errorf("Search(嵊洲市) = %+v, want 嵊州市 (typo tolerance)", hits)
	}
	if hits, _ := svc.Search(ctx, gazetteer.Filter{Query: "shengzhoshi"}); len(hits) == 0 || hits[0].Name != "嵊州市" {
		t.Errorf("Search(shengzhoshi) = %+v, want 嵊州市 (pinyin typo)", hits)
	}
	if hits, _ := svc.Search(ctx, gazetteer.Filter{Query: "华堂", Category: gazetteer.VillageSeat, DivisionCode: "330683"}); len(hits) == 0 || hits[0].Name != "华堂村" {
		t.Errorf("Search(华堂 in 330683, village seats) = %+v", hits)
	}

	// The demo step does nothing without the demo county, then loads once.
	if n, err := db.LoadGazetteerDemo(ctx); n != 0 || err != nil {
		t.Fatalf("LoadGazetteerDemo() without the county = %d, %v", n, err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level, parent_code, generated, geom) VALUES
		('330699','示范县',3,'330600',true, ST_Multi(ST_MakeEnvelope(120.5,29.9,120.7,30.1,4490))),
		('330699100','示范镇',4,'330699',true,NULL)`); err != nil {
		t.Fatal(err)
	}
	n, err := db.LoadGazetteerDemo(ctx)
	if err != nil || n < 8 {
		t.Fatalf("LoadGazetteerDemo() = %d, %v", n, err)
	}
	if n, _ := db.LoadGazetteerDemo(ctx); n != 0 {
		t.Errorf("second LoadGazetteerDemo() = %d, want 0", n)
	}
	hits, err := svc.Search(ctx, gazetteer.Filter{Near: &gazetteer.Near{Lon: 120.6, Lat: 30.0, Radius: 2000}, Category: gazetteer.Facility})
	if err != nil || len(hits) != 2 || hits[0].Distance == nil {
		t.Errorf("Search(bridges near the demo centre) = %+v, %v; want the two bridges with distances", hits, err)
	}
}
