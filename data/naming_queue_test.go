package data_test

import (
	"errors"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/gazetteer"
)

func completeApp(name, division string) gazetteer.NewApplication {
	return gazetteer.NewApplication{Name: name, Category: gazetteer.Street, DivisionCode: division, Applicant: "甲镇人民政府",
		Reasons: "新建道路", Location: "甲镇东侧", SizeNature: "长约 600 米，城市支路"}
}

// TestSubmitNeedsCompleteApplication: Art. 11 asks every application for
// the applicant, reasons, location, size and nature; each missing one is
// named, and nothing changes.
func TestSubmitNeedsCompleteApplication(t *testing.T) {
	f := newGazFixture(t, "339926")
	a := f.mustApp(t, gazetteer.NewApplication{Name: "缺料路", Category: gazetteer.Street, DivisionCode: "339926100", Reasons: "新建道路"})
	err := f.act(t, "committee", &a, gazetteer.ActSubmit, gazetteer.ActInput{})
	var de *diming.Error
	if diming.KindOf(err) != diming.Invalid || !asError(err, &de) {
		t.Fatalf("submit incomplete = %v, want Invalid with fields", err)
	}
	for _, field := range []string{"applicant", "location", "size_nature"} {
		if de.Fields[field] == "" {
			t.Errorf("submit incomplete: no message for %s in %v", field, de.Fields)
		}
	}
	if _, ok := de.Fields["reasons"]; ok {
		t.Errorf("reasons were given but reported missing")
	}
	if got, _ := f.svc.FindApplication(f.as(t, "committee"), a.ID); got.State != gazetteer.Draft || got.Version != a.Version {
		t.Errorf("after the refused submit: %s v%d, want the draft unchanged", got.State, got.Version)
	}
}

// TestDatesGivenAreKept: approval, filing and announcement keep the date
// the approver gives; a future date, or one before the step it follows,
// is refused on the date field.
func TestDatesGivenAreKept(t *testing.T) {
	f := newGazFixture(t, "339927")
	a := f.mustApp(t, completeApp("留日路", "339927100"))
	for _, s := range []gazetteer.Action{gazetteer.ActSubmit, gazetteer.ActAccept, gazetteer.ActStartEvaluation, gazetteer.ActCompleteEval} {
		if err := f.act(t, "committee", &a, s, gazetteer.ActInput{}); err != nil {
			t.Fatalf("%s = %v", s, err)
		}
	}
	day := func(s string) *time.Time {
		d, _ := time.Parse(time.DateOnly, s)
		return &d
	}
	approve := gazetteer.ActInput{ApprovingBody: "测试县人民政府", ApprovalDoc: "测政复〔2025〕3号", GovernmentApproved: true}
	approve.Date = day("2025-03-02") // tomorrow in the fixture's clock
	if err := f.act(t, "approver", &a, gazetteer.ActApprove, approve); fieldOf(err, "date") == "" {
		t.Fatalf("approve dated tomorrow = %v, want a date field error", err)
	}
	approve.Date = day("2025-02-20")
	if err := f.act(t, "approver", &a, gazetteer.ActApprove, approve); err != nil {
		t.Fatal(err)
	}
	if err := f.act(t, "approver", &a, gazetteer.ActFile, gazetteer.ActInput{Date: day("2025-02-19")}); fieldOf(err, "date") == "" {
		t.Fatalf("filing before approval = %v, want a date field error", err)
	}
	if err := f.act(t, "approver", &a, gazetteer.ActFile, gazetteer.ActInput{Date: day("2025-02-24")}); err != nil {
		t.Fatal(err)
	}
	if err := f.act(t, "approver", &a, gazetteer.ActAnnounce, gazetteer.ActInput{Date: day("2025-02-26")}); err != nil {
		t.Fatal(err)
	}
	got := map[string]*time.Time{"approved": a.ApprovedOn, "filed": a.FiledOn, "announced": a.AnnouncedOn, "filing due": a.FilingDue}
	want := map[string]string{"approved": "2025-02-20", "filed": "2025-02-24", "announced": "2025-02-26", "filing due": "2025-03-07"}
	for k, w := range want {
		if got[k] == nil || got[k].Format(time.DateOnly) != w {
			t.Errorf("%s = %v, want %s", k, got[k], w)
		}
	}
	anns, err := f.svc.Announcements(t.Context(), 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range anns {
		if n.ApplicationID == a.ID && n.PublishedAt.Format(time.DateOnly) != "2025-02-26" {
			t.Errorf("announcement published %s, want the date given 2025-02-26", n.PublishedAt)
		}
	}
}

// TestQueueByRoleOverdueFirst: each role sees what it may do now, overdue
// filings first; a stale version is a Conflict whatever the state.
func TestQueueByRoleOverdueFirst(t *testing.T) {
	f := newGazFixture(t, "339928")
	fresh := f.mustApp(t, completeApp("待受理路", "339928100"))
	if err := f.act(t, "committee", &fresh, gazetteer.ActSubmit, gazetteer.ActInput{}); err != nil {
		t.Fatal(err)
	}
	late := f.mustApp(t, completeApp("逾期路", "339928100"))
	for _, s := range []gazetteer.Action{gazetteer.ActSubmit, gazetteer.ActAccept, gazetteer.ActStartEvaluation, gazetteer.ActCompleteEval} {
		if err := f.act(t, "committee", &late, s, gazetteer.ActInput{}); err != nil {
			t.Fatalf("%s = %v", s, err)
		}
	}
	pending := f.mustApp(t, completeApp("待批路", "339928101"))
	for _, s := range []gazetteer.Action{gazetteer.ActSubmit, gazetteer.ActAccept, gazetteer.ActStartEvaluation, gazetteer.ActCompleteEval} {
		if err := f.act(t, "committee", &pending, s, gazetteer.ActInput{}); err != nil {
			t.Fatalf("%s = %v", s, err)
		}
	}
	if err := f.act(t, "approver", &late, gazetteer.ActApprove, gazetteer.ActInput{ApprovingBody: "测试县人民政府",
		ApprovalDoc: "测政复〔2025〕4号", GovernmentApproved: true}); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.AddDate(0, 0, 20) // filing was due after 15 days

	q, err := f.svc.Queue(f.as(t, "approver"))
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 2 || q[0].Application.ID != late.ID || !q[0].Overdue() || q[0].DueWhat != "filing" || q[1].Application.ID != pending.ID {
		t.Fatalf("approver queue = %+v, want the overdue filing first, then the approval", q)
	}
	if q[0].DaysLate != 5 || q[1].Actions[0] != gazetteer.ActApprove {
		t.Errorf("overdue by %d days (want 5); second item's actions %v", q[0].DaysLate, q[1].Actions)
	}
	cq, _ := f.svc.Queue(f.as(t, "committee"))
	if len(cq) != 1 || cq[0].Application.ID != fresh.ID || cq[0].Actions[0] != gazetteer.ActAccept {
		t.Errorf("committee queue = %+v, want only the submitted application to accept", cq)
	}
	if oq, _ := f.svc.Queue(f.as(t, "outsider")); len(oq) != 0 {
		t.Errorf("another county's member sees %d items", len(oq))
	}
	stale := fresh
	if err := f.act(t, "committee", &fresh, gazetteer.ActAccept, gazetteer.ActInput{}); err != nil {
		t.Fatal(err)
	}
	if err := f.act(t, "committee", &stale, gazetteer.ActNotAccept, gazetteer.ActInput{Note: "材料不符"}); diming.KindOf(err) != diming.Conflict {
		t.Errorf("acting on a stale version = %v, want Conflict", err)
	}
}

func asError(err error, target **diming.Error) bool { return errors.As(err, target) }

func fieldOf(err error, field string) string {
	var de *diming.Error
	if !asError(err, &de) {
		return ""
	}
	for e := de; e != nil; {
		if m := e.Fields[field]; m != "" {
			return m
		}
		inner, ok := e.Err.(*diming.Error)
		if !ok {
			break
		}
		e = inner
	}
	return ""
}
