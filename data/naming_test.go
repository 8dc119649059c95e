package data_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/gazetteer"
)

// gazFixture is a county (339901) with two towns, a second county
// (339902) and a province row, on the shared test database. Codes in the
// fictional 3399xx range keep it apart from other tests.
type gazFixture struct {
	db    *data.DB
	svc   *gazetteer.Service
	now   time.Time
	users map[string]*diming.User
}

func newGazFixture(t *testing.T, county string) *gazFixture {
	t.Helper()
	db := dbtest.Open(t)
	ctx := t.Context()
	prov := county[:2] + "0000"
	city := county[:4] + "00"
	for _, d := range []struct {
		code, name, parent string
		level              int
	}{
		{prov, "测试省" + county, "", 1}, {city, "测试市" + county, prov, 2}, {county, "测试县" + county, city, 3},
		{county + "100", "甲镇", county, 4}, {county + "101", "乙镇", county, 4},
		{county + "100001", "一村", county + "100", 5}, {county + "100002", "二村", county + "100", 5},
		{county + "101002", "三村", county + "101", 5}, {county + "101003", "四村", county + "101", 5},
	} {
		var parent any
		if d.parent != "" {
			parent = d.parent
		}
		if _, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level, parent_code) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING`,
			d.code, d.name, d.level, parent); err != nil {
			t.Fatal(err)
		}
	}
	f := &gazFixture{db: db, now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), users: map[string]*diming.User{}}
	f.svc = gazetteer.NewService(db, func() time.Time { return f.now })
	for _, u := range []struct {
		name  string
		scope string
		roles []diming.Role
	}{
		{"committee", county, []diming.Role{diming.RoleCommittee}},
		{"expert", county, []diming.Role{diming.RoleExpert}},
		{"approver", county, []diming.Role{diming.RoleApprover}},
		{"outsider", county[:4] + "99", []diming.Role{diming.RoleCommittee, diming.RoleApprover}},
		{"admin", "", []diming.Role{diming.RoleAdmin}},
	} {
		rec := mustGazUser(t, db, u.name+county, u.scope, u.roles...)
		f.users[u.name] = &rec.User
	}
	return f
}

func mustGazUser(t *testing.T, db *data.DB, name, scope string, roles ...diming.Role) diming.UserRecord {
	t.Helper()
	u, err := db.CreateUser(t.Context(), diming.NewUser{Username: name, Password: "correct horse battery", Roles: roles, Scope: scope})
	if err != nil {
		t.Fatalf("CreateUser(%s) = %v", name, err)
	}
	return u
}

func (f *gazFixture) as(t *testing.T, who string) context.Context {
	return diming.WithUser(t.Context(), f.users[who])
}

func (f *gazFixture) mustPlace(t *testing.T, np gazetteer.NewPlace) gazetteer.Place {
	t.Helper()
	p, err := f.svc.CreatePlace(f.as(t, "admin"), np)
	if err != nil {
		t.Fatalf("CreatePlace(%s) = %v", np.Name, err)
	}
	return p
}

func (f *gazFixture) mustApp(t *testing.T, na gazetteer.NewApplication) gazetteer.Application {
	t.Helper()
	a, err := f.svc.CreateApplication(f.as(t, "committee"), na)
	if err != nil {
		t.Fatalf("CreateApplication(%s) = %v", na.Name, err)
	}
	return a
}

func (f *gazFixture) act(t *testing.T, who string, a *gazetteer.Application, act gazetteer.Action, in gazetteer.ActInput) error {
	t.Helper()
	in.Version = a.Version
	out, err := f.svc.Act(f.as(t, who), a.ID, act, in)
	if err == nil {
		*a = out
	}
	return err
}

func rules(fs gazetteer.Findings) map[string]gazetteer.Finding {
	m := map[string]gazetteer.Finding{}
	for _, f := range fs {
		m[f.Rule] = f
	}
	return m
}

func TestSameNameAndSoundWithinScope(t *testing.T) {
	f := newGazFixture(t, "339901")
	f.mustPlace(t, gazetteer.NewPlace{Name: "建设路", Category: gazetteer.Street, DivisionCode: "339901100"})
	f.mustPlace(t, gazetteer.NewPlace{Name: "华堂村", Category: gazetteer.VillageSeat, DivisionCode: "339901100001"})
	tests := []struct {
		name, division string
		category       gazetteer.Category
		want           string // rule expected, "" for none
	}{
		{"建设路", "339901101", gazetteer.Street, gazetteer.RuleSameName},         // same county (no built-up area set): caught
		{"建社路", "339901101", gazetteer.Street, gazetteer.RuleSameSound},        // jiàn shè lù, other characters
		{"建设路", "339902100", gazetteer.Street, ""},                             // another county: outside the scope
		{"华堂村", "339901101002", gazetteer.VillageSeat, gazetteer.RuleSameName}, // village seats: county scope
		{"画堂村", "339901101003", gazetteer.VillageSeat, gazetteer.RuleSameSound},
		{"华堂村", "339902100004", gazetteer.VillageSeat, ""},
		{"建设路", "339901101", gazetteer.Park, ""}, // other category
	}
	if _, err := f.db.Pool.Exec(t.Context(), `INSERT INTO divisions (code, name, level, parent_code) VALUES
		('339902','测试县二',3,'339900'), ('339902100','丙镇',4,'339902'), ('339902100004','五村',5,'339902100') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name+tt.division, func(t *testing.T) {
			fs, err := f.svc.Check(t.Context(), gazetteer.Application{Name: tt.name, Category: tt.category, DivisionCode: tt.division})
			if err != nil {
				t.Fatal(err)
			}
			got := rules(fs)
			_, sameName := got[gazetteer.RuleSameName]
			_, sameSound := got[gazetteer.RuleSameSound]
			switch {
			case tt.want == "" && (sameName || sameSound):
				t.Errorf("Check(%s in %s) = %v, want no clash", tt.name, tt.division, fs.Summary())
			case tt.want != "" && got[tt.want].Severity != gazetteer.Block:
				t.Errorf("Check(%s in %s) = %v, want %s", tt.name, tt.division, fs.Summary(), tt.want)
			}
		})
	}
	// A built-up area narrows the street scope; a stricter local rule
	// (city-wide) widens it again: the strictest applies.
	if err := f.db.SaveBuiltup(t.Context(), "测试城区339901", []string{"339901101"}, true); err != nil {
		t.Fatal(err)
	}
	fs, _ := f.svc.Check(t.Context(), gazetteer.Application{Name: "建设路", Category: gazetteer.Street, DivisionCode: "339901101"})
	if _, ok := rules(fs)[gazetteer.RuleSameName]; ok {
		t.Errorf("with town 101 its own built-up area, 建设路 there clashed with town 100: %s", fs.Summary())
	}
	if _, err := f.svc.SaveScopeRule(f.as(t, "admin"), gazetteer.ScopeRule{Category: gazetteer.Street, Scope: gazetteer.ScopeCity, Source: "local rule 339901 test"}); err != nil {
		t.Fatal(err)
	}
	fs, _ = f.svc.Check(t.Context(), gazetteer.Application{Name: "建设路", Category: gazetteer.Street, DivisionCode: "339902100"})
	if f := rules(fs)[gazetteer.RuleSameName]; !strings.Contains(f.Message, "在市（3399）范围内") {
		t.Errorf("with a city-wide local rule, 建设路 in the next county = %q, want a city-scope clash", fs.Summary())
	}
	rs, _ := f.svc.ScopeRules(t.Context())
	for _, r := range rs {
		if r.Source == "local rule 339901 test" {
			r.Active = false
			if _, err := f.svc.SaveScopeRule(f.as(t, "admin"), r); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestWordListsBlocksAndWarnings(t *testing.T) {
	f := newGazFixture(t, "339903")
	admin := f.as(t, "admin")
	for _, w := range []gazetteer.Word{
		{List: gazetteer.RuleStateLeader, Word: "领袖甲"}, {List: gazetteer.RulePersonalName, Word: "张三丰"},
		{List: gazetteer.RuleCompanyName, Word: "阿里巴巴"}, {List: gazetteer.RuleRareChar, Word: "彧"},
	} {
		if _, err := f.svc.SaveWord(admin, w); err != nil && diming.KindOf(err) != diming.Conflict {
			t.Fatalf("SaveWord(%s) = %v", w.Word, err)
		}
	}
	if _, err := f.svc.SaveWord(f.as(t, "committee"), gazetteer.Word{List: gazetteer.RuleGrandiose, Word: "x"}); diming.KindOf(err) != diming.Forbidden {
		t.Errorf("SaveWord by a committee member = %v, want Forbidden", err)
	}
	tests := []struct {
		name     string
		generic  string
		rule     string
		severity gazetteer.Severity
	}{
		{"领袖甲路", "路", gazetteer.RuleStateLeader, gazetteer.Block},
		{"张三丰路", "路", gazetteer.RulePersonalName, gazetteer.Warn},
		{"威尼斯路", "路", gazetteer.RuleForeignName, gazetteer.Warn},
		{"阿里巴巴路", "路", gazetteer.RuleCompanyName, gazetteer.Warn},
		{"环球路", "路", gazetteer.RuleGrandiose, gazetteer.Warn},
		{"彧溪路", "路", gazetteer.RuleRareChar, gazetteer.Warn},
		{"𠀾溪路", "路", gazetteer.RuleRareChar, gazetteer.Warn}, // outside the basic CJK block
		{"望湖", "", gazetteer.RuleMissingGeneric, gazetteer.Block},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			a := gazetteer.Application{Name: tt.name, Category: gazetteer.Street, DivisionCode: "339903100",
				Readings: gazetteer.Readings{0: "ke"}}
			if tt.generic == "" {
				a.Specific = tt.name
			}
			fs, err := f.svc.Check(t.Context(), a)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := rules(fs)[tt.rule]
			if !ok || got.Severity != tt.severity || got.Message == "" {
				t.Fatalf("Check(%s) = %s, want %s (%s) with a reason", tt.name, fs.Summary(), tt.rule, tt.severity)
			}
			// A warning goes on with a recorded reason; a block never does.
			a.Overrides = map[string]string{tt.rule: "经评审保留"}
			fs, _ = f.svc.Check(t.Context(), a)
			blocking := rules(fs.Blocking())
			if _, still := blocking[tt.rule]; still != (tt.severity == gazetteer.Block) {
				t.Errorf("after override %s still blocking = %v, want %v", tt.rule, still, tt.severity == gazetteer.Block)
			}
		})
	}
}

func TestNamingWorkflowWalksEveryState(t *testing.T) {
	f := newGazFixture(t, "339904")
	a := f.mustApp(t, gazetteer.NewApplication{Name: "长乐路", Category: gazetteer.Street, DivisionCode: "339904100",
		Readings: gazetteer.Readings{0: "zhǎng"}, Reasons: "新建道路", Location: "甲镇东侧，南起滨河路，北至环城北路", SizeNature: "长约 900 米，城市支路",
		Applicant: "甲镇人民政府", RequiredReports: []gazetteer.ReportKind{gazetteer.ReportExpert, gazetteer.ReportConsultation},
		ConsultationDays: 7})
	if a.State != gazetteer.Draft {
		t.Fatalf("new application state = %s", a.State)
	}
	step := func(who string, act gazetteer.Action, in gazetteer.ActInput, want gazetteer.State) {
		t.Helper()
		if err := f.act(t, who, &a, act, in); err != nil {
			t.Fatalf("%s by %s = %v", act, who, err)
		}
		if a.State != want {
			t.Fatalf("%s → %s, want %s", act, a.State, want)
		}
	}
	refused := func(who string, act gazetteer.Action, in gazetteer.ActInput, kind diming.Kind) {
		t.Helper()
		if err := f.act(t, who, &a, act, in); diming.KindOf(err) != kind {
			t.Fatalf("%s by %s = %v, want %v", act, who, err, kind)
		}
	}
	refused("outsider", gazetteer.ActSubmit, gazetteer.ActInput{}, diming.Forbidden) // right role, wrong county
	refused("expert", gazetteer.ActSubmit, gazetteer.ActInput{}, diming.Forbidden)   // wrong role
	step("committee", gazetteer.ActSubmit, gazetteer.ActInput{}, gazetteer.Submitted)
	refused("committee", gazetteer.ActRequestCorrection, gazetteer.ActInput{}, diming.Invalid) // the list of corrections is required
	step("committee", gazetteer.ActRequestCorrection, gazetteer.ActInput{Note: "补充位置示意图"}, gazetteer.CorrectionRequested)
	step("committee", gazetteer.ActSubmit, gazetteer.ActInput{}, gazetteer.Submitted)
	refused("approver", gazetteer.ActAccept, gazetteer.ActInput{}, diming.Forbidden)
	step("committee", gazetteer.ActAccept, gazetteer.ActInput{}, gazetteer.Accepted)
	refused("committee", gazetteer.ActApprove, gazetteer.ActInput{}, diming.Forbidden)
	step("committee", gazetteer.ActStartEvaluation, gazetteer.ActInput{}, gazetteer.Evaluation)
	refused("committee", gazetteer.ActCompleteEval, gazetteer.ActInput{}, diming.Invalid) // reports missing
	if _, err := f.svc.AttachReport(f.as(t, "committee"), a.ID, gazetteer.Report{Kind: gazetteer.ReportExpert, Title: "专家论证", Body: "x"}); diming.KindOf(err) != diming.Forbidden {
		t.Fatalf("expert report by a committee member = %v, want Forbidden", err)
	}
	for who, r := range map[string]gazetteer.Report{
		"expert":    {Kind: gazetteer.ReportExpert, Title: "专家论证报告", Body: "名称含义健康，读音明确。"},
		"committee": {Kind: gazetteer.ReportConsultation, Title: "征求意见报告", Body: "公示7日，无异议。"},
	} {
		if _, err := f.svc.AttachReport(f.as(t, who), a.ID, r); err != nil {
			t.Fatalf("AttachReport(%s) = %v", r.Kind, err)
		}
	}
	a, _ = f.svc.FindApplication(f.as(t, "committee"), a.ID)
	refused("committee", gazetteer.ActCompleteEval, gazetteer.ActInput{}, diming.Invalid) // consultation still running
	f.now = f.now.AddDate(0, 0, 7)
	step("committee", gazetteer.ActCompleteEval, gazetteer.ActInput{}, gazetteer.PendingApproval)
	refused("approver", gazetteer.ActApprove, gazetteer.ActInput{ApprovingBody: "测试县人民政府"}, diming.Invalid) // no document
	step("approver", gazetteer.ActApprove, gazetteer.ActInput{ApprovingBody: "测试县人民政府", ApprovalDoc: "测政复〔2025〕1号", GovernmentApproved: true}, gazetteer.Approved)
	if a.PlaceID == nil || a.FilingDue == nil || a.FilingDue.Sub(*a.ApprovedOn) != 15*24*time.Hour {
		t.Fatalf("approved application: place %v, filing due %v", a.PlaceID, a.FilingDue)
	}
	p, _ := f.svc.FindPlace(t.Context(), *a.PlaceID)
	if p.Romanization.Text != "Zhangle Lu" || p.Status != gazetteer.Current || p.ApprovalDoc != "测政复〔2025〕1号" {
		t.Errorf("approved place = %q %s %q, want Zhangle Lu, current, with its document", p.Romanization.Text, p.Status, p.ApprovalDoc)
	}
	// Sixteen days later filing and announcement are overdue.
	f.now = f.now.AddDate(0, 0, 16)
	od, err := f.svc.Overdue(f.as(t, "approver"))
	if err != nil || len(od) != 2 {
		t.Fatalf("Overdue() = %v, %v; want filing and announcement", od, err)
	}
	step("approver", gazetteer.ActFile, gazetteer.ActInput{}, gazetteer.Filed)
	step("approver", gazetteer.ActAnnounce, gazetteer.ActInput{}, gazetteer.Announced)
	if od, _ := f.svc.Overdue(f.as(t, "approver")); len(od) != 0 {
		t.Errorf("Overdue() after announcing = %v, want none", od)
	}
	anns, err := f.svc.Announcements(t.Context(), 10)
	if err != nil || len(anns) == 0 || anns[0].Name != "长乐路" || anns[0].Romanization != "Zhangle Lu" || anns[0].ApprovingBody == "" {
		t.Fatalf("Announcements() = %+v, %v", anns, err)
	}
	full, _ := f.svc.FindApplication(f.as(t, "approver"), a.ID)
	if len(full.Events) != 9 || full.Events[0].Actor != "committee339904" {
		t.Errorf("events = %d (first by %q), want 9 transitions with who and when", len(full.Events), full.Events[0].Actor)
	}
}

func TestRenameKeepsOldNameFindable(t *testing.T) {
	f := newGazFixture(t, "339905")
	old := f.mustPlace(t, gazetteer.NewPlace{Name: "旧街村", Category: gazetteer.VillageSeat, DivisionCode: "339905100001",
		Meaning: "因旧街得名"})
	if _, err := f.db.Pool.Exec(t.Context(), `INSERT INTO heritage_entries (place_id, name, list_name, category, level)
		VALUES ($1, '旧街村', '测试名录', '千年古村落', 'provincial')`, old.ID); err != nil {
		t.Fatal(err)
	}
	a := f.mustApp(t, gazetteer.NewApplication{RenameOf: &old.ID, Name: "新街村", DivisionCode: "339905100001", Reasons: "合并"})
	if err := f.act(t, "committee", &a, gazetteer.ActSubmit, gazetteer.ActInput{}); !strings.Contains(diming.MessageOf(err), gazetteer.RuleHeritageRename) {
		t.Fatalf("submitting a heritage rename without protection measures = %v, want %s", err, gazetteer.RuleHeritageRename)
	}
	var err error
	a, err = f.svc.UpdateApplication(f.as(t, "committee"), a.ID, gazetteer.NewApplication{RenameOf: &old.ID, Name: "新街村",
		DivisionCode: "339905100001", Reasons: "合并", ProtectionMeasures: "设立旧街村地名纪念碑，派生命名旧街路",
		Applicant: "甲镇人民政府", Location: "甲镇北部", SizeNature: "村民委员会驻地，约 1200 人"}, a.Version)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		who string
		act gazetteer.Action
		in  gazetteer.ActInput
	}{
		{"committee", gazetteer.ActSubmit, gazetteer.ActInput{}}, {"committee", gazetteer.ActAccept, gazetteer.ActInput{}},
		{"committee", gazetteer.ActStartEvaluation, gazetteer.ActInput{}}, {"committee", gazetteer.ActCompleteEval, gazetteer.ActInput{}},
		{"approver", gazetteer.ActApprove, gazetteer.ActInput{ApprovingBody: "测试县人民政府", ApprovalDoc: "测政复〔2025〕2号", GovernmentApproved: true}},
	} {
		if err := f.act(t, s.who, &a, s.act, s.in); err != nil {
			t.Fatalf("%s = %v", s.act, err)
		}
	}
	was, _ := f.svc.FindPlace(t.Context(), old.ID)
	if was.Status != gazetteer.Historical || was.Name != "旧街村" || was.Meaning != "因旧街得名" || was.ValidTo == nil ||
		was.SupersededBy == nil || was.Current == nil || was.Current.Name != "新街村" {
		t.Fatalf("old name after rename = %+v, want historical, unchanged, linked to 新街村", was)
	}
	now, _ := f.svc.FindPlace(t.Context(), *a.PlaceID)
	if now.Supersedes == nil || *now.Supersedes != old.ID {
		t.Errorf("new name supersedes = %v, want %d", now.Supersedes, old.ID)
	}
	hits, err := f.svc.Search(t.Context(), gazetteer.Filter{Query: "旧街村", Historical: true, DivisionCode: "339905"})
	if err != nil || len(hits) == 0 || hits[0].Current == nil || hits[0].Current.Name != "新街村" {
		t.Fatalf("Search(旧街村) = %+v, %v; want the old name with 新街村", hits, err)
	}
	ac, _ := f.svc.Autocomplete(t.Context(), "旧街", 10)
	found := false
	for _, h := range ac {
		found = found || (h.Name == "旧街村" && h.Current != nil && h.Current.Name == "新街村")
	}
	if !found {
		t.Errorf("Autocomplete(旧街) = %+v, want the old name pointing to the new one", ac)
	}
}

func TestPolyphoneOverridesAndUpdates(t *testing.T) {
	f := newGazFixture(t, "339906")
	// 重阳 is read as a word (chóng); a local reading overrides it per character.
	p := f.mustPlace(t, gazetteer.NewPlace{Name: "重阳村", Category: gazetteer.VillageSeat, DivisionCode: "339906100001"})
	if p.Romanization.Text != "Chongyang Cun" {
		t.Fatalf("default reading = %q", p.Romanization.Text)
	}
	r := gazetteer.Readings{0: "zhòng"}
	p, err := f.svc.UpdatePlace(f.as(t, "committee"), p.ID, gazetteer.PlaceUpdate{Readings: &r, Version: p.Version})
	if err != nil || p.Romanization.Text != "Zhongyang Cun" || p.Romanization.Key != "zhongyangcun" {
		t.Fatalf("UpdatePlace(readings 重=zhòng) = %q, %v", p.Romanization.Text, err)
	}
	if _, err := f.svc.UpdatePlace(f.as(t, "committee"), p.ID, gazetteer.PlaceUpdate{Readings: &r, Version: p.Version - 1}); diming.KindOf(err) != diming.Conflict {
		t.Errorf("stale UpdatePlace = %v, want Conflict", err)
	}
	q := f.mustPlace(t, gazetteer.NewPlace{Name: "长岭村", Category: gazetteer.VillageSeat, DivisionCode: "339906100002", Readings: gazetteer.Readings{0: "zhang3"}})
	if q.Romanization.Text != "Zhangling Cun" || q.Romanization.Toned != "Zhǎnglǐng Cūn" {
		t.Errorf("长岭村 read zhǎng = %q / %q", q.Romanization.Text, q.Romanization.Toned)
	}
}
