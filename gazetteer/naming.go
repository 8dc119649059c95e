package gazetteer

import (
	"context"
	"fmt"
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
			return Application{}, diming.E(op, diming.Invalid, "only a current name can be renamed", map[string]string{"rename_of": "a current place"})
		}
		if a.Category == 0 {
			a.Category, a.Subcategory = old.Category, old.Subcategory
		}
		if a.DivisionCode != old.DivisionCode {
			return Application{}, diming.E(op, diming.Invalid, "a rename keeps the division of the place", map[string]string{"division_code": "must be " + old.DivisionCode})
		}
		if a.Geometry == nil {
			a.Geometry = old.Geometry
		}
	}
	if err := validApplication(a); err != nil {
		return Application{}, err
	}
	return s.store.CreateApplication(ctx, a)
}

func validApplication(a Application) error {
	if _, err := a.Proposal(); err != nil {
		return err
	}
	fe := diming.FieldErrors{}
	if a.ConsultationDays < 0 || a.ConsultationDays > 365 {
		fe.Add("consultation_days", "0–365")
	}
	for _, k := range a.RequiredReports {
		if _, ok := ReportRoles[k]; !ok {
			fe.Add("required_reports", "unknown report kind "+string(k))
		}
	}
	for rule := range a.Overrides {
		if _, ok := WordLists[rule]; !ok {
			fe.Add("overrides", rule+" cannot be overridden; only warnings can")
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
		return Application{}, diming.Errorf(diming.Invalid, "an application in state %s cannot be edited", a.State)
	}
	if na.DivisionCode != a.DivisionCode || !equalIDs(na.RenameOf, a.RenameOf) {
		return Application{}, diming.E("gazetteer.UpdateApplication", diming.Invalid, "the division and the renamed place stay as they are")
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
	if err := validApplication(a); err != nil {
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
		return Application{}, diming.E("gazetteer.FindApplication", diming.NotFound, "no such application")
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
		return Application{}, diming.E(op, diming.Invalid, "unknown action "+string(act))
	}
	a, err := s.visibleApplication(ctx, id, t.Role)
	if err != nil {
		return Application{}, err
	}
	if !stateIn(a.State, t.From) {
		return Application{}, diming.E(op, diming.Invalid, fmt.Sprintf("cannot %s an application that is %s", act, a.State))
	}
	if t.NeedNote && strings.TrimSpace(in.Note) == "" {
		return Application{}, diming.E(op, diming.Invalid, "give the reasons", map[string]string{"note": "required for " + string(act)})
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
	a.Version = in.Version
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
	switch act {
	case ActStartEvaluation:
		end := today.AddDate(0, 0, a.ConsultationDays)
		a.ConsultationEnds = &end
	case ActCompleteEval:
		if miss := a.missingReports(); len(miss) > 0 {
			return diming.Errorf(diming.Invalid, "attach the missing reports first: %v", miss)
		}
		if a.ConsultationEnds != nil && today.Before(*a.ConsultationEnds) {
			return diming.Errorf(diming.Invalid, "the public consultation runs until %s", a.ConsultationEnds.Format(time.DateOnly))
		}
	case ActApprove:
		return s.prepareApproval(ctx, a, in, eff)
	case ActFile:
		a.FiledOn = &today
		if !a.GovernmentApproved {
			due := today.AddDate(0, 0, DeadlineDays)
			a.AnnouncementDue = &due
		}
	case ActAnnounce:
		return s.prepareAnnouncement(ctx, a, today, eff)
	}
	return nil
}

func (s *Service) prepareApproval(ctx context.Context, a *Application, in ActInput, eff *Effect) error {
	if strings.TrimSpace(in.ApprovingBody) == "" || strings.TrimSpace(in.ApprovalDoc) == "" {
		return diming.E(diming.Invalid, "record the approving body and the approval document (批准机关、批复文件)",
			map[string]string{"approving_body": "required", "approval_doc": "required"})
	}
	day := s.today()
	if in.Date != nil {
		day = *in.Date
	}
	p, err := a.Proposal()
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

func (s *Service) prepareAnnouncement(ctx context.Context, a *Application, today time.Time, eff *Effect) error {
	if a.PlaceID == nil {
		return diming.Errorf(diming.Internal, "approved application %d has no place", a.ID)
	}
	p, err := s.store.FindPlaceByID(ctx, *a.PlaceID)
	if err != nil {
		return err
	}
	a.AnnouncedOn = &today
	ann := &Announcement{ApplicationID: a.ID, PlaceID: p.ID, Name: p.Name, Romanization: p.Romanization.Text,
		DivisionCode: p.DivisionCode, Location: a.Location, ApprovingBody: a.ApprovingBody, ApprovedOn: *a.ApprovedOn,
		ApprovalDoc: a.ApprovalDoc, PublishedAt: s.now()}
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
		return Report{}, diming.E("gazetteer.AttachReport", diming.Invalid, "unknown report kind", map[string]string{"kind": "assessment, expert, consultation, risk or other"})
	}
	a, err := s.visibleApplication(ctx, id, role)
	if err != nil {
		return Report{}, err
	}
	if a.State != Accepted && a.State != Evaluation {
		return Report{}, diming.Errorf(diming.Invalid, "reports are attached while the application is accepted or under evaluation, not %s", a.State)
	}
	if strings.TrimSpace(r.Title) == "" || strings.TrimSpace(r.Body) == "" {
		return Report{}, diming.E("gazetteer.AttachReport", diming.Invalid, "give a title and the report", map[string]string{"title": "required", "body": "required"})
	}
	r.ApplicationID, r.Author = id, diming.UserFrom(ctx).Username
	return s.store.AddReport(ctx, r)
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
