package data_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/romanize"
	"github.com/paulmach/orb"
)

// pendingApproval walks a street-name application to the approver's desk.
func (f *gazFixture) pendingApproval(t *testing.T, name, division string) gazetteer.Application {
	t.Helper()
	a := f.mustApp(t, gazetteer.NewApplication{Name: name, Category: gazetteer.Street, DivisionCode: division,
		Reasons: "新建道路", Location: "镇区", SizeNature: "城镇支路，长约 800 米", Applicant: "镇人民政府"})
	for _, act := range []gazetteer.Action{gazetteer.ActSubmit, gazetteer.ActAccept, gazetteer.ActStartEvaluation, gazetteer.ActCompleteEval} {
		if err := f.act(t, "committee", &a, act, gazetteer.ActInput{}); err != nil {
			t.Fatalf("%s %s = %v", name, act, err)
		}
	}
	return a
}

func approveInput() gazetteer.ActInput {
	return gazetteer.ActInput{ApprovingBody: "测试县人民政府", ApprovalDoc: "测政复〔2025〕9号", GovernmentApproved: true}
}

// A second street of the same name, or the same sound, inside the legal
// scope (the county, with no built-up area configured) is refused on
// every path that writes a name: a doorplate street, a direct record, an
// approval and a rename. Outside the scope it is fine.
func TestSecondStreetRefusedOnEveryWritePath(t *testing.T) {
	f := newGazFixture(t, "339911")
	keys, err := doorplate.ParseKeys("k1:" + strings.Repeat("QUJD", 11))
	if err != nil {
		t.Fatal(err)
	}
	dp, err := doorplate.NewService(f.db, doorplate.Config{PublicURL: "https://dm.example", Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	line := orb.LineString{{120.0, 30.0}, {120.01, 30.0}}
	// An application for a homophone reaches the approver before the street exists.
	a := f.pendingApproval(t, "常沙路", "339911101")
	st, err := dp.CreateStreet(f.as(t, "admin"), doorplate.Street{DivisionCode: "339911100", Name: "长沙路", Line: line})
	if err != nil {
		t.Fatalf("CreateStreet(长沙路) = %v", err)
	}
	p, err := f.svc.FindPlace(t.Context(), st.PlaceID)
	if err != nil || p.Category != gazetteer.Street || p.Name != "长沙路" || st.Pinyin != "Changsha Lu" || p.Romanization.Text != "Changsha Lu" {
		t.Fatalf("street 长沙路 bears place %+v (%v), pinyin %q; want a category-5 standard name Changsha Lu", p.Ref(), err, st.Pinyin)
	}
	conflict := func(what string, err error) {
		t.Helper()
		if diming.KindOf(err) != diming.Conflict && diming.KindOf(err) != diming.Invalid {
			t.Errorf("%s = %v, want refused", what, err)
			return
		}
		if msg := diming.MessageOf(err); !strings.Contains(msg, "长沙路") && !strings.Contains(msg, "重名") && !strings.Contains(msg, "同音") {
			t.Errorf("%s refused with %q, want the clashing name said in Chinese", what, msg)
		}
	}
	_, err = dp.CreateStreet(f.as(t, "admin"), doorplate.Street{DivisionCode: "339911101", Name: "长沙路", Line: line})
	conflict("second doorplate street 长沙路 in the county", err)
	_, err = dp.CreateStreet(f.as(t, "admin"), doorplate.Street{DivisionCode: "339911101", Name: "长莎路", Line: line})
	conflict("doorplate street 长莎路 (same sound)", err)
	_, err = f.svc.CreatePlace(f.as(t, "admin"), gazetteer.NewPlace{Name: "长沙路", Category: gazetteer.Street, DivisionCode: "339911101"})
	conflict("CreatePlace(长沙路)", err)
	conflict("approval of 常沙路 (same sound)", f.act(t, "approver", &a, gazetteer.ActApprove, approveInput()))
	old := f.mustPlace(t, gazetteer.NewPlace{Name: "幸福路", Category: gazetteer.Street, DivisionCode: "339911101"})
	ren := f.mustApp(t, gazetteer.NewApplication{RenameOf: &old.ID, Name: "长沙路", Category: gazetteer.Street, DivisionCode: "339911101",
		Reasons: "更名", Location: "镇区", SizeNature: "城镇支路", Applicant: "镇人民政府"})
	conflict("submitting the rename 幸福路 → 长沙路", f.act(t, "committee", &ren, gazetteer.ActSubmit, gazetteer.ActInput{}))
	// The guard itself, below the workflow: a raw insert of the name is refused by the database.
	_, err = f.db.CreatePlace(f.as(t, "admin"), mustBuild(t, gazetteer.NewPlace{Name: "长沙路", Category: gazetteer.Street, DivisionCode: "339911101"}))
	conflict("store CreatePlace(长沙路), bypassing the service check", err)

	if _, err := f.db.Pool.Exec(t.Context(), `INSERT INTO divisions (code, name, level, parent_code) VALUES
		('339912','测试县十二',3,'339900'), ('339912100','丁镇',4,'339912') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	if _, err := dp.CreateStreet(f.as(t, "admin"), doorplate.Street{DivisionCode: "339912100", Name: "长沙路", Line: line}); err != nil {
		t.Errorf("长沙路 in another county = %v, want allowed (outside the scope)", err)
	}
	// A street may bear an existing standard name (a road through two towns).
	st2, err := dp.CreateStreet(f.as(t, "admin"), doorplate.Street{DivisionCode: "339911101", PlaceID: st.PlaceID, Line: line})
	if err != nil || st2.Name != "长沙路" || st2.Pinyin != "Changsha Lu" {
		t.Errorf("second segment of 长沙路 by place_id = %+v, %v", st2, err)
	}
}

// Two approvals of the same name at once: the naming guard serialises
// them in the database, so exactly one becomes the standard name.
func TestConcurrentApprovalsCannotBothSucceed(t *testing.T) {
	f := newGazFixture(t, "339913")
	apps := []gazetteer.Application{f.pendingApproval(t, "和平路", "339913100"), f.pendingApproval(t, "和平路", "339913101")}
	errs := make([]error, len(apps))
	var wg sync.WaitGroup
	for i := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := approveInput()
			in.Version = apps[i].Version
			_, errs[i] = f.svc.Act(f.as(t, "approver"), apps[i].ID, gazetteer.ActApprove, in)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if k := diming.KindOf(err); k != diming.Conflict && k != diming.Invalid {
			t.Errorf("losing approval = %v, want Conflict or Invalid", err)
		}
	}
	var n int
	if err := f.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM places WHERE name='和平路' AND status='current' AND division_code LIKE '339913%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if ok != 1 || n != 1 {
		t.Errorf("concurrent approvals: %d succeeded, %d current 和平路 (errors %v); want exactly one", ok, n, errs)
	}
}

func mustBuild(t *testing.T, np gazetteer.NewPlace) gazetteer.Place {
	t.Helper()
	p, err := np.Build(romanize.Standard())
	if err != nil {
		t.Fatalf("Build(%s) = %v", np.Name, err)
	}
	return p
}

func doorplateStreet(division, name string) doorplate.Street {
	return doorplate.Street{DivisionCode: division, Name: name, Orientation: "ew", Line: orb.LineString{{120.019, 30.004}, {120.001, 30.004}}}
}

func addressOn(division string, street int64, n int) doorplate.Address {
	return doorplate.Address{DivisionCode: division, StreetID: street, DoorNumber: n, Position: orb.Point{120.005, 30.0041}}
}

// Names that clash from before the rule (official lists) show in the
// clean-up report; standardising one renames it through the workflow,
// keeping the old name as historical, linked both ways.
func TestDuplicateReportAndStandardize(t *testing.T) {
	f := newGazFixture(t, "339914")
	ctx := t.Context()
	if _, err := f.db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level, parent_code) VALUES
		('339914100007','同福村村委会',5,'339914100'), ('339914101007','同福村委会',5,'339914101'), ('339914101008','桐福村委会',5,'339914101')`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.ImportPlacesFromDivisions(ctx, "339914"); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Duplicates(f.as(t, "committee"), "339914")
	if err != nil {
		t.Fatal(err)
	}
	var group gazetteer.DuplicateGroup
	for _, g := range rep.Groups {
		if g.Places[0].Name == "同福村" {
			group = g
		}
	}
	if len(group.Places) != 3 || group.Kind != gazetteer.RuleSameSound || !strings.Contains(group.Reason(), "同音") {
		t.Fatalf("Duplicates(339914) = %+v, want 同福村 ×2 and 桐福村 in one same-sound group", rep.Groups)
	}
	if _, err := f.svc.Duplicates(f.as(t, "outsider"), "339914"); diming.KindOf(err) != diming.Forbidden {
		t.Errorf("Duplicates by a committee member of another county = %v, want Forbidden", err)
	}
	old := group.Places[1]
	a, err := f.svc.Standardize(f.as(t, "committee"), old.ID, "福兴村", "与甲镇同福村重名")
	if err != nil || a.RenameOf == nil || *a.RenameOf != old.ID || !strings.Contains(a.Reasons, "不规范地名清理整治") {
		t.Fatalf("Standardize(%d) = %+v, %v", old.ID, a, err)
	}
	// The draft carries the old name's particulars; the committee completes
	// what Art. 11 asks before submitting.
	a, err = f.svc.UpdateApplication(f.as(t, "committee"), a.ID, gazetteer.NewApplication{RenameOf: a.RenameOf, Name: a.Name,
		Category: a.Category, Subcategory: a.Subcategory, DivisionCode: a.DivisionCode, Reasons: a.Reasons,
		Location: "乙镇北部", SizeNature: "行政村，约 1,200 人", Applicant: "乙镇人民政府"}, a.Version)
	if err != nil {
		t.Fatalf("complete the standardisation draft = %v", err)
	}
	for _, act := range []gazetteer.Action{gazetteer.ActSubmit, gazetteer.ActAccept, gazetteer.ActStartEvaluation, gazetteer.ActCompleteEval} {
		if err := f.act(t, "committee", &a, act, gazetteer.ActInput{}); err != nil {
			t.Fatalf("%s = %v", act, err)
		}
	}
	if err := f.act(t, "approver", &a, gazetteer.ActApprove, approveInput()); err != nil {
		t.Fatalf("approve the standardised name = %v", err)
	}
	before, _ := f.svc.FindPlace(ctx, old.ID)
	after, _ := f.svc.FindPlace(ctx, *a.PlaceID)
	if before.Status != gazetteer.Historical || before.SupersededBy == nil || *before.SupersededBy != after.ID ||
		after.Supersedes == nil || *after.Supersedes != old.ID || after.Name != "福兴村" {
		t.Errorf("history: old %s → %v, new %s ← %v; want linked both ways", before.Status, before.SupersededBy, after.Name, after.Supersedes)
	}
	rep, _ = f.svc.Duplicates(f.as(t, "committee"), "339914")
	for _, g := range rep.Groups {
		for _, p := range g.Places {
			if p.ID == old.ID {
				t.Errorf("after the rename the old name is still listed: %+v", g)
			}
		}
	}
}
