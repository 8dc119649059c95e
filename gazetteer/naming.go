package gazetteer

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/diming/diming"
)

// CreateApplication records a draft application. It needs the committee
// role in the division; a rename must name a current place in it.
func (s *Service) CreateApplication(ctx context.Context, na NewApplication) (Application, error) {
	const op = "gazetteer.CreateApplication"
	u := diming.UserFrom(ctx)
	if err := diming.Authorize(u, diming.RoleCommittee, na.DivisionCode); err != nil {
		return Application{}, err
	}
	a := Application{RenameOf: na.RenameOf, Name: na.Name, Specific: na.Specific, Generic: na.Generic, Category: na.Category,
		Subcategory: na.Subcategory, Readings: na.Readings, DivisionCode: na.DivisionCode, Reasons: na.Reasons,
		Location: na.Location, SizeNature: na.SizeNature, Meaning: na.Meaning, Origin: na.Origin, Geometry: na.Geometry,
		Applicant: na.Applicant, RequiredReports: na.RequiredReports, ConsultationDays: na.ConsultationDays,
		ProtectionMeasures: na.ProtectionMeasures, Overrides: na.Overrides, State: Draft, CreatedBy: u.Username, Version: 1}
	if a.RenameOf != nil {
		old, err := s.store.FindPlaceByID(ctx, *a.RenameOf)
		if err != nil {
			return Application{}, err
		}
		if old.Status != Current {
			return Application{}, diming.E(op, diming.Invalid, "只有现行地名可以更名", map[string]string{"rename_of": "请选择一个现行地名"})
		}
		if a.Category == 0 {
			a.Category, a.Subcategory = old.Category, old.Subcategory
		}
		if a.DivisionCode != old.DivisionCode {
			return Application{}, diming.E(op, diming.Invalid, "更名不改变地名所属政区", map[string]string{"division_code": "应为 " + old.DivisionCode})
		}
		if a.Geometry == nil {
			a.Geometry = old.Geometry
		}
	}
	if err := s.validApplication(ctx, a); err != nil {
		return Application{}, err
	}
	return s.store.CreateApplication(ctx, a)
}

func (s *Service) validApplication(ctx context.Context, a Application) error {
	if _, err := s.Proposal(ctx, a); err != nil {
		return err
	}
	fe := diming.FieldErrors{}
	if a.ConsultationDays < 0 || a.ConsultationDays > 365 {
		fe.Add("consultation_days", "征求意见天数应在 0–365 之间")
	}
	for _, k := range a.RequiredReports {
		if _, ok := ReportRoles[k]; !ok {
			fe.Add("required_reports", "未知的报告类型："+string(k))
		}
	}
	for rule := range a.Overrides {
		if _, ok := WordLists[rule]; !ok {
			fe.Add("overrides", rule+" 不能说明理由后继续，只有提示类检查可以")
		}
	}
	return fe.Err("gazetteer.Application")
}

// UpdateApplication changes a draft or an application sent back for
// correction; others are fixed. Committee role; Conflict when stale.
func (s *Service) UpdateApplication(ctx context.Context, id int64, na NewApplication, version int) (Application, error) {
	a, err := s.visibleApplication(ctx, id, diming.RoleCommittee)
	if err != nil {
		return Application{}, err
	}
	if a.State != Draft && a.State != CorrectionRequested {
		return Application{}, diming.Errorf(diming.Invalid, "状态为「%s」的申请不能修改，只有草稿和待补正的申请可以修改", a.State.Label())
	}
	if na.DivisionCode != a.DivisionCode || !equalIDs(na.RenameOf, a.RenameOf) {
		return Application{}, diming.E("gazetteer.UpdateApplication", diming.Invalid, "修改申请时不能改变所属政区和被更名的地名")
	}
	a.Name, a.Specific, a.Generic, a.Readings = na.Name, na.Specific, na.Generic, na.Readings
	if na.Category != 0 {
		a.Category, a.Subcategory = na.Category, na.Subcategory
	}
	a.Reasons, a.Location, a.SizeNature, a.Meaning, a.Origin = na.Reasons, na.Location, na.SizeNature, na.Meaning, na.Origin
	if na.Geometry != nil {
		a.Geometry = na.Geometry
	}
	a.Applicant, a.RequiredReports, a.ConsultationDays = na.Applicant, na.RequiredReports, na.ConsultationDays
	a.ProtectionMeasures, a.Overrides, a.Version = na.ProtectionMeasures, na.Overrides, version
	if err := s.validApplication(ctx, a); err != nil {
		return Application{}, err
	}
	return s.store.UpdateApplication(ctx, a)
}

func equalIDs(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// visibleApplication loads an application the user may act on with role.
func (s *Service) visibleApplication(ctx context.Context, id int64, role diming.Role) (Application, error) {
	a, err := s.store.FindApplication(ctx, id)
	if err != nil {
		return Application{}, err
	}
	return a, diming.Authorize(diming.UserFrom(ctx), role, a.DivisionCode)
}

// FindApplication returns an application with its reports and history,
// to any staff member whose scope covers it. NotFound, Forbidden.
func (s *Service) FindApplication(ctx context.Context, id int64) (Application, error) {
	a, err := s.store.FindApplication(ctx, id)
	if err != nil {
		return Application{}, err
	}
	u := diming.UserFrom(ctx)
	if u == nil {
		return Application{}, diming.E("gazetteer.FindApplication", diming.Unauthorized, "请先登录")
	}
	if !u.InScope(a.DivisionCode) {
		return Application{}, diming.E("gazetteer.FindApplication", diming.NotFound, "没有这件申请")
	}
	return a, nil
}

// FindApplications lists the applications in the user's scope, in one
// state or all ("").
func (s *Service) FindApplications(ctx context.Context, state State) ([]Application, error) {
	u := diming.UserFrom(ctx)
	if u == nil {
		return nil, diming.E("gazetteer.FindApplications", diming.Unauthorized, "请先登录")
	}
	return s.store.FindApplications(ctx, u.Scope, state)
}

// ActInput is what a transition may carry.
type ActInput struct {
	Version int
	Note    string
	// For approve: the approving body and document, whether it is a
	// government or civil-affairs department, and the date (today when nil).
	ApprovingBody      string
	ApprovalDoc        string
	GovernmentApproved bool
	Date               *time.Time
}

// Act takes action on application id: it checks the role and scope, the
// state, notes, reports, the consultation period and the naming rules,
// records who and when, and applies approval and announcement.
// Forbidden, Invalid, Conflict (stale version).
func (s *Service) Act(ctx context.Context, id int64, act Action, in ActInput) (Application, error) {
	op := "gazetteer.Act." + string(act)
	t, ok := Transitions[act]
	if !ok {
		return Application{}, diming.E(op, diming.Invalid, "未知的操作："+string(act))
	}
	a, err := s.visibleApplication(ctx, id, t.Role)
	if err != nil {
		return Application{}, err
	}
	if in.Version != a.Version {
		// A form read before someone else's change: say so, whatever the
		// state is now, and give the current record to reload.
		return Application{}, &diming.Error{Op: op, Kind: diming.Conflict, Current: a,
			Msg: fmt.Sprintf("此申请已被他人修改（现为「%s」，第 %d 版），请重新载入后再操作", a.State.Label(), a.Version)}
	}
	if !stateIn(a.State, t.From) {
		return Application{}, diming.E(op, diming.Invalid, fmt.Sprintf("申请现为「%s」，不能%s", a.State.Label(), act.Label()))
	}
	if t.NeedNote && strings.TrimSpace(in.Note) == "" {
		return Application{}, diming.E(op, diming.Invalid, "请写明理由", map[string]string{"note": act.Label() + "需要写明理由或需补正的全部内容"})
	}
	if t.Check {
		fs, err := s.Check(ctx, a)
		if err != nil {
			return Application{}, err
		}
		if err := checkErr(op, fs); err != nil {
			return Application{}, err
		}
	}
	var eff Effect
	if err := s.prepare(ctx, &a, act, in, &eff); err != nil {
		return Application{}, diming.E(op, err)
	}
	ev := Event{Action: act, From: a.State, To: t.To, Actor: diming.UserFrom(ctx).Username, At: s.now(), Note: in.Note}
	a.State = t.To
	return s.store.Transition(ctx, a, ev, eff)
}

func stateIn(s State, in []State) bool {
	for _, x := range in {
		if x == s {
			return true
		}
	}
	return false
}

// prepare applies the per-action rules and side effects to a and eff.
func (s *Service) prepare(ctx context.Context, a *Application, act Action, in ActInput, eff *Effect) error {
	today := s.today()
	day, err := s.actionDay(*a, act, in.Date)
	if err != nil {
		return err
	}
	switch act {
	case ActSubmit:
		return a.complete()
	case ActStartEvaluation:
		end := today.AddDate(0, 0, a.ConsultationDays)
		a.ConsultationEnds = &end
	case ActCompleteEval:
		return a.EvaluationDone(today)
	case ActApprove:
		return s.prepareApproval(ctx, a, in, day, eff)
	case ActFile:
		a.FiledOn = &day
		if !a.GovernmentApproved {
			due := day.AddDate(0, 0, DeadlineDays)
			a.AnnouncementDue = &due
		}
	case ActAnnounce:
		return s.prepareAnnouncement(ctx, a, day, eff)
	}
	return nil
}

// EvaluationDone refuses to close the evaluation while a required report
// is missing or the public consultation is still running. Invalid.
func (a Application) EvaluationDone(today time.Time) error {
	if miss := a.MissingReports(); len(miss) > 0 {
		return diming.E(diming.Invalid, "请先附上缺少的报告："+reportList(miss), map[string]string{"reports": "缺少" + reportList(miss)})
	}
	if a.ConsultationEnds != nil && today.Before(*a.ConsultationEnds) {
		return diming.Errorf(diming.Invalid, "公开征求意见到 %s 才结束", a.ConsultationEnds.Format(time.DateOnly))
	}
	return nil
}

// complete refuses an application that lacks what Art. 11 asks of every
// application (DOMAIN.md §4 rule 13): the applicant, the proposal and its
// reasons, and the entity's location, size and nature.
func (a Application) complete() error {
	fe := diming.FieldErrors{}
	for _, f := range []struct{ field, value, msg string }{
		{"applicant", a.Applicant, "请填写申请单位"},
		{"reasons", a.Reasons, "请写明命名方案及理由"},
		{"location", a.Location, "请描述地理实体的位置"},
		{"size_nature", a.SizeNature, "请写明地理实体的规模和性质"},
	} {
		if strings.TrimSpace(f.value) == "" {
			fe.Add(f.field, f.msg)
		}
	}
	if len(fe) == 0 {
		return nil
	}
	return &diming.Error{Kind: diming.Invalid, Msg: "申请材料不全，请补全后再提交（《地名管理条例》第十一条）", Fields: fe}
}

// actionDay is the date an approval, filing or announcement is recorded
// with: the date the user gives (the day it really happened, which may be
// before it is entered), or today. It may not lie in the future, nor
// before the step it follows.
func (s *Service) actionDay(a Application, act Action, given *time.Time) (time.Time, error) {
	today := s.today()
	if given == nil || !act.Dated() {
		return today, nil
	}
	day := time.Date(given.Year(), given.Month(), given.Day(), 0, 0, 0, 0, time.UTC)
	after, what := a.ApprovedOn, "批准日期"
	if act == ActAnnounce && a.FiledOn != nil {
		after, what = a.FiledOn, "备案日期"
	}
	switch {
	case day.After(today):
		return day, diming.E(diming.Invalid, "日期不能晚于今天", map[string]string{"date": "不能晚于今天（" + today.Format(time.DateOnly) + "）"})
	case act != ActApprove && after != nil && day.Before(*after):
		return day, diming.E(diming.Invalid, "日期不能早于"+what, map[string]string{"date": "不能早于" + what + "（" + after.Format(time.DateOnly) + "）"})
	}
	return day, nil
}

func reportList(ks []ReportKind) string {
	var out []string
	for _, k := range ks {
		out = append(out, k.Label())
	}
	return strings.Join(out, "、")
}

func (s *Service) prepareApproval(ctx context.Context, a *Application, in ActInput, day time.Time, eff *Effect) error {
	if strings.TrimSpace(in.ApprovingBody) == "" || strings.TrimSpace(in.ApprovalDoc) == "" {
		return diming.E(diming.Invalid, "请填写批准机关和批复文件",
			map[string]string{"approving_body": "请填写批准机关", "approval_doc": "请填写批复文件文号"})
	}
	p, err := s.Proposal(ctx, *a)
	if err != nil {
		return err
	}
	a.ApprovingBody, a.ApprovalDoc, a.ApprovedOn, a.GovernmentApproved = in.ApprovingBody, in.ApprovalDoc, &day, in.GovernmentApproved
	filing := day.AddDate(0, 0, DeadlineDays)
	a.FilingDue = &filing
	if a.GovernmentApproved {
		ann := day.AddDate(0, 0, DeadlineDays)
		a.AnnouncementDue = &ann
	}
	p.ApprovedBy, p.ApprovedOn, p.ApprovalDoc, p.ValidFrom = in.ApprovingBody, &day, in.ApprovalDoc, &day
	if a.RenameOf != nil {
		old, err := s.store.FindPlaceByID(ctx, *a.RenameOf)
		if err != nil {
			return err
		}
		p.Supersedes = a.RenameOf
		p.History = strings.TrimSpace(old.History + "\n" + fmt.Sprintf("%s 由%s更名为%s（%s）。", day.Format(time.DateOnly), old.Name, p.Name, in.ApprovalDoc))
		p.SourceDivision, p.PlaceCode = old.SourceDivision, ""
		if p.Geometry == nil {
			p.Geometry = old.Geometry
		}
	}
	eff.Place = &p
	return nil
}

func (s *Service) prepareAnnouncement(ctx context.Context, a *Application, day time.Time, eff *Effect) error {
	if a.PlaceID == nil {
		return diming.Errorf(diming.Internal, "approved application %d has no place", a.ID)
	}
	p, err := s.store.FindPlaceByID(ctx, *a.PlaceID)
	if err != nil {
		return err
	}
	a.AnnouncedOn = &day
	published := s.now()
	if day.Before(s.today()) {
		published = day // announced earlier (in the paper, on the notice board); entered now
	}
	ann := &Announcement{ApplicationID: a.ID, PlaceID: p.ID, Name: p.Name, Romanization: p.Romanization.Text,
		DivisionCode: p.DivisionCode, Location: a.Location, ApprovingBody: a.ApprovingBody, ApprovedOn: *a.ApprovedOn,
		ApprovalDoc: a.ApprovalDoc, PublishedAt: published}
	ann.Title = "关于" + p.Name + "命名的公告"
	if a.RenameOf != nil {
		old, err := s.store.FindPlaceByID(ctx, *a.RenameOf)
		if err != nil {
			return err
		}
		ann.OldName = old.Name
		ann.Title = "关于" + old.Name + "更名为" + p.Name + "的公告"
	}
	eff.Announce = ann
	return nil
}

// AttachReport attaches a report to an application under evaluation (or
// accepted). Expert reviews need the expert role; the others the committee
// role.
func (s *Service) AttachReport(ctx context.Context, id int64, r Report) (Report, error) {
	role, ok := ReportRoles[r.Kind]
	if !ok {
		return Report{}, diming.E("gazetteer.AttachReport", diming.Invalid, "未知的报告类型", map[string]string{"kind": "请选择报告类型"})
	}
	a, err := s.visibleApplication(ctx, id, role)
	if err != nil {
		return Report{}, err
	}
	if !a.ReportsOpen() {
		return Report{}, diming.Errorf(diming.Invalid, "申请受理后、评估论证期间才能附报告，现为「%s」", a.State.Label())
	}
	if strings.TrimSpace(r.Title) == "" || strings.TrimSpace(r.Body) == "" {
		return Report{}, diming.E("gazetteer.AttachReport", diming.Invalid, "请填写报告标题和内容", map[string]string{"title": "请填写标题", "body": "请填写报告内容或摘要"})
	}
	r.ApplicationID, r.Author = id, diming.UserFrom(ctx).Username
	return s.store.AddReport(ctx, r)
}

// ReportFile returns the file of report reportID of application appID,
// to staff whose scope covers the application. NotFound, Unauthorized.
func (s *Service) ReportFile(ctx context.Context, appID, reportID int64) (ReportFile, error) {
	if _, err := s.FindApplication(ctx, appID); err != nil {
		return ReportFile{}, err
	}
	f, owner, err := s.store.FindReportFile(ctx, reportID)
	if err != nil {
		return ReportFile{}, err
	}
	if owner != appID {
		return ReportFile{}, diming.E("gazetteer.ReportFile", diming.NotFound, "这件申请没有此报告文件")
	}
	return f, nil
}

// Overdue lists approved applications whose filing or announcement is
// past its legal deadline, in the user's scope.
func (s *Service) Overdue(ctx context.Context) ([]Overdue, error) {
	u := diming.UserFrom(ctx)
	if u == nil {
		return nil, diming.E("gazetteer.Overdue", diming.Unauthorized, "请先登录")
	}
	return s.store.FindOverdue(ctx, u.Scope, s.today())
}

// Proposal returns the place a proposes, romanized with the current
// readings; Invalid with the fields to fix.
func (s *Service) Proposal(ctx context.Context, a Application) (Place, error) {
	z, err := s.lex.Fresh(ctx)
	if err != nil {
		return Place{}, err
	}
	return a.Proposal(z)
}

// Queue lists what waits for the signed-in user in their scope: the
// applications they may act on now or attach a missing report to, with
// overdue items first, then by deadline, then oldest first.
func (s *Service) Queue(ctx context.Context) ([]QueueItem, error) {
	u := diming.UserFrom(ctx)
	if u == nil {
		return nil, diming.E("gazetteer.Queue", diming.Unauthorized, "请先登录")
	}
	as, err := s.store.FindApplications(ctx, u.Scope, "")
	if err != nil {
		return nil, err
	}
	today := s.today()
	var out []QueueItem
	for _, a := range as {
		q := QueueItem{Application: a}
		for _, act := range a.ActionsFor(u) {
			// Closing the evaluation waits for the reports and the
			// consultation; until then it waits for others, not for u.
			if act != ActCompleteEval || a.EvaluationDone(today) == nil {
				q.Actions = append(q.Actions, act)
			}
		}
		mine := a.ReportsFor(u)
		for _, k := range a.MissingReports() {
			if slices.Contains(mine, k) {
				q.Reports = append(q.Reports, k)
			}
		}
		if len(q.Actions) == 0 && len(q.Reports) == 0 {
			continue
		}
		if what, due, ok := a.Deadline(); ok {
			q.DueWhat, q.Due = what, &due
			if what != "consultation" && due.Before(today) {
				q.DaysLate = int(today.Sub(due).Hours() / 24)
			}
		}
		out = append(out, q)
	}
	sort.SliceStable(out, func(i, j int) bool { return queueBefore(out[i], out[j]) })
	return out, nil
}

// queueBefore orders the queue: overdue (most late first), then with a
// deadline (soonest first), then the oldest application first.
func queueBefore(a, b QueueItem) bool {
	switch {
	case a.DaysLate != b.DaysLate:
		return a.DaysLate > b.DaysLate
	case (a.Due == nil) != (b.Due == nil):
		return a.Due != nil
	case a.Due != nil && !a.Due.Equal(*b.Due):
		return a.Due.Before(*b.Due)
	}
	return a.Application.ID < b.Application.ID
}
