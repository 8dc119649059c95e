package gazetteer

import (
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/romanize"
	"github.com/paulmach/orb"
)

// State is where a naming application stands (DOMAIN.md §3.1).
type State string

// The states of the naming workflow.
const (
	Draft               State = "draft"
	Submitted           State = "submitted"
	Accepted            State = "accepted"
	CorrectionRequested State = "correction_requested" // 一次性告知补正
	NotAccepted         State = "not_accepted"
	Evaluation          State = "evaluation" // 综合评估、专家论证、征求意见
	PendingApproval     State = "pending_approval"
	Approved            State = "approved"
	Denied              State = "denied"
	Filed               State = "filed"     // 备案
	Announced           State = "announced" // 公告
)

var stateLabels = map[State]string{
	Draft: "草稿", Submitted: "已提交", Accepted: "已受理", CorrectionRequested: "待补正", NotAccepted: "不予受理",
	Evaluation: "评估论证中", PendingApproval: "待审批", Approved: "已批准", Denied: "不予批准", Filed: "已备案", Announced: "已公告",
}

// Label is the state's Chinese name, shown to people.
func (s State) Label() string {
	if l, ok := stateLabels[s]; ok {
		return l
	}
	return string(s)
}

// Action is a transition of the workflow.
type Action string

// The actions, in workflow order.
const (
	ActSubmit            Action = "submit"
	ActAccept            Action = "accept"
	ActRequestCorrection Action = "request_correction"
	ActNotAccept         Action = "not_accept"
	ActStartEvaluation   Action = "start_evaluation"
	ActCompleteEval      Action = "complete_evaluation"
	ActApprove           Action = "approve"
	ActDeny              Action = "deny"
	ActFile              Action = "file"
	ActAnnounce          Action = "announce"
)

// actionOrder is the workflow order of the actions, for lists shown to people.
var actionOrder = []Action{ActSubmit, ActAccept, ActRequestCorrection, ActNotAccept, ActStartEvaluation, ActCompleteEval,
	ActApprove, ActDeny, ActFile, ActAnnounce}

var actionLabels = map[Action]string{
	ActSubmit: "提交申报", ActAccept: "受理", ActRequestCorrection: "一次性告知补正", ActNotAccept: "不予受理",
	ActStartEvaluation: "开始评估论证并公开征求意见", ActCompleteEval: "结束征求意见，报送审批", ActApprove: "批准", ActDeny: "不予批准",
	ActFile: "备案", ActAnnounce: "公告",
}

// Label is the action's Chinese name, shown to people.
func (a Action) Label() string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return string(a)
}

// Dated reports whether the action records a date the user gives (the
// approval, filing or announcement date); without one it is today.
func (a Action) Dated() bool { return a == ActApprove || a == ActFile || a == ActAnnounce }

// Transition is one edge of the state machine: who may take it, and
// whether a note (reasons, the list of corrections) is required.
type Transition struct {
	From     []State
	To       State
	Role     diming.Role
	NeedNote bool
	Check    bool // run the rule checks; blocking findings refuse it
}

// Transitions is the naming workflow. Each action is taken by a user who
// holds the role within the application's division.
var Transitions = map[Action]Transition{
	ActSubmit:            {From: []State{Draft, CorrectionRequested}, To: Submitted, Role: diming.RoleCommittee, Check: true},
	ActAccept:            {From: []State{Submitted}, To: Accepted, Role: diming.RoleCommittee},
	ActRequestCorrection: {From: []State{Submitted}, To: CorrectionRequested, Role: diming.RoleCommittee, NeedNote: true},
	ActNotAccept:         {From: []State{Submitted}, To: NotAccepted, Role: diming.RoleCommittee, NeedNote: true},
	ActStartEvaluation:   {From: []State{Accepted}, To: Evaluation, Role: diming.RoleCommittee},
	ActCompleteEval:      {From: []State{Evaluation}, To: PendingApproval, Role: diming.RoleCommittee, Check: true},
	ActApprove:           {From: []State{PendingApproval}, To: Approved, Role: diming.RoleApprover, Check: true},
	ActDeny:              {From: []State{PendingApproval}, To: Denied, Role: diming.RoleApprover, NeedNote: true},
	ActFile:              {From: []State{Approved}, To: Filed, Role: diming.RoleApprover},
	ActAnnounce:          {From: []State{Filed}, To: Announced, Role: diming.RoleApprover},
}

// ReportKind is the kind of a report attached to an application.
type ReportKind string

// The report kinds (DOMAIN.md §1.2) and who writes them.
const (
	ReportAssessment   ReportKind = "assessment"   // 综合评估
	ReportExpert       ReportKind = "expert"       // 专家论证
	ReportConsultation ReportKind = "consultation" // 征求意见
	ReportRisk         ReportKind = "risk"         // 风险评估
	ReportOther        ReportKind = "other"
)

var reportLabels = map[ReportKind]string{
	ReportAssessment: "综合评估报告", ReportExpert: "专家论证报告", ReportConsultation: "征求意见报告", ReportRisk: "风险评估报告",
	ReportOther: "其他材料",
}

// Label is the report kind's Chinese name, shown to people.
func (k ReportKind) Label() string {
	if l, ok := reportLabels[k]; ok {
		return l
	}
	return string(k)
}

// ReportKinds lists the report kinds in the order they are shown.
func ReportKinds() []ReportKind {
	return []ReportKind{ReportAssessment, ReportExpert, ReportConsultation, ReportRisk, ReportOther}
}

// ReportRoles is who may attach each kind of report.
var ReportRoles = map[ReportKind]diming.Role{
	ReportAssessment: diming.RoleCommittee, ReportExpert: diming.RoleExpert, ReportConsultation: diming.RoleCommittee,
	ReportRisk: diming.RoleCommittee, ReportOther: diming.RoleCommittee,
}

// Report is a document attached to an application.
type Report struct {
	ID            int64
	ApplicationID int64
	Kind          ReportKind
	Title         string
	Body          string
	Author        string
	CreatedAt     time.Time
	// File is the report's document, nil for a report given as text only.
	File *ReportFile
}

// ReportFile is the document file of a report: its name, type, size and
// SHA-256; Content is read only when the file is downloaded.
type ReportFile struct {
	ID          int64
	ReportID    int64
	Name        string
	ContentType string
	Size        int
	SHA256      string // hex
	Content     []byte `json:"-"`
}

// Event is one recorded transition: who took it, when, and why.
type Event struct {
	ID     int64
	Action Action
	From   State
	To     State
	Actor  string
	At     time.Time
	Note   string
}

// Application is a naming or renaming application (地名命名/更名申请).
type Application struct {
	ID int64
	// RenameOf is the place being renamed; nil for a new name.
	RenameOf     *int64
	Name         string
	Specific     string
	Generic      string
	Category     Category
	Subcategory  string
	Readings     Readings
	DivisionCode string
	Reasons      string // 方案及理由
	Location     string // 位置
	SizeNature   string // 规模、性质
	Meaning      string
	Origin       string
	Geometry     orb.Geometry
	Applicant    string // the body applying: 机关、企事业单位、基层自治组织
	// RequiredReports lists the reports needed before approval; divisions
	// always need risk, expert and consultation reports (Art. 11).
	RequiredReports []ReportKind
	// ConsultationDays is the public consultation period; evaluation
	// cannot complete before it has run.
	ConsultationDays int
	ConsultationEnds *time.Time
	// ProtectionMeasures are the measures recorded before a protected
	// (heritage-listed) name may be renamed (Art. 25).
	ProtectionMeasures string
	// Overrides are the recorded reasons for overriding warnings, by rule.
	Overrides map[string]string
	State     State
	// ApprovingBody, ApprovalDoc and ApprovedOn are set at approval;
	// GovernmentApproved says the approver was a government or civil-affairs
	// department, so the announcement clock starts at approval, not filing.
	ApprovingBody      string
	ApprovalDoc        string
	ApprovedOn         *time.Time
	GovernmentApproved bool
	FiledOn            *time.Time
	AnnouncedOn        *time.Time
	FilingDue          *time.Time
	AnnouncementDue    *time.Time
	PlaceID            *int64 // the standard name created on approval
	CreatedBy          string
	CreatedAt          time.Time
	Version            int
	Reports            []Report
	Events             []Event
}

// DeadlineDays is the legal time for filing and for announcement (Arts. 13–14).
const DeadlineDays = 15

// NewApplication is what a committee member types in.
type NewApplication struct {
	RenameOf           *int64
	Name               string
	Specific, Generic  string
	Category           Category
	Subcategory        string
	Readings           Readings
	DivisionCode       string
	Reasons            string
	Location           string
	SizeNature         string
	Meaning            string
	Origin             string
	Geometry           orb.Geometry
	Applicant          string
	RequiredReports    []ReportKind
	ConsultationDays   int
	ProtectionMeasures string
	Overrides          map[string]string
}

// Proposal returns the place the application proposes, validated and
// romanized with z; it returns Invalid with the fields to fix.
func (a Application) Proposal(z *romanize.Romanizer) (Place, error) {
	return NewPlace{Name: a.Name, Specific: a.Specific, Generic: a.Generic, Category: a.Category, Subcategory: a.Subcategory,
		Readings: a.Readings, DivisionCode: a.DivisionCode, Meaning: a.Meaning, Origin: a.Origin, Geometry: a.Geometry,
		Description: a.Location}.Build(z)
}

// MissingReports returns the required reports not yet attached.
func (a Application) MissingReports() []ReportKind {
	need := append([]ReportKind{}, a.RequiredReports...)
	if a.Category == Division {
		need = append(need, ReportRisk, ReportExpert, ReportConsultation)
	}
	have := map[ReportKind]bool{}
	for _, r := range a.Reports {
		have[r.Kind] = true
	}
	var out []ReportKind
	seen := map[ReportKind]bool{}
	for _, k := range need {
		if !have[k] && !seen[k] {
			out = append(out, k)
			seen[k] = true
		}
	}
	return out
}

// ActionsFor returns the transitions u may take on a now, in workflow
// order: the state allows them and u holds the role within a's division.
// The service still decides when one is taken.
func (a Application) ActionsFor(u *diming.User) []Action {
	var out []Action
	for _, act := range actionOrder {
		t := Transitions[act]
		if stateIn(a.State, t.From) && u.Can(t.Role, a.DivisionCode) {
			out = append(out, act)
		}
	}
	return out
}

// ReportsOpen reports whether reports may be attached in a's state: while
// it is accepted or under evaluation.
func (a Application) ReportsOpen() bool { return a.State == Accepted || a.State == Evaluation }

// ReportsFor returns the report kinds u may attach to a now.
func (a Application) ReportsFor(u *diming.User) []ReportKind {
	if !a.ReportsOpen() {
		return nil
	}
	var out []ReportKind
	for _, k := range ReportKinds() {
		if u.Can(ReportRoles[k], a.DivisionCode) {
			out = append(out, k)
		}
	}
	return out
}

// Deadline is the next date that matters for a: the legal deadline of
// filing or announcement, or the end of the public consultation. What
// names it ("filing", "announcement", "consultation"); ok is false when
// nothing is due.
func (a Application) Deadline() (what string, due time.Time, ok bool) {
	switch {
	case a.State == Approved && a.FilingDue != nil:
		return "filing", *a.FilingDue, true
	case (a.State == Approved || a.State == Filed) && a.AnnouncementDue != nil:
		return "announcement", *a.AnnouncementDue, true
	case a.State == Evaluation && a.ConsultationEnds != nil:
		return "consultation", *a.ConsultationEnds, true
	}
	return "", time.Time{}, false
}

// DeadlineLabel is the Chinese name of what a deadline is for.
func DeadlineLabel(what string) string {
	return map[string]string{"filing": "备案期限", "announcement": "公告期限", "consultation": "征求意见截止"}[what]
}

// QueueItem is an application waiting for the user: what they may do,
// which reports they may attach, and by when.
type QueueItem struct {
	Application Application
	Actions     []Action
	Reports     []ReportKind // required reports still missing that the user may attach
	DueWhat     string       // see Application.Deadline
	Due         *time.Time
	// DaysLate is how many days a legal deadline (filing, announcement)
	// has passed; 0 when it has not.
	DaysLate int
}

// Overdue reports whether a legal deadline of the item has passed.
func (q QueueItem) Overdue() bool { return q.DaysLate > 0 }

// Overdue is an application whose filing or announcement is late.
type Overdue struct {
	Application Application
	What        string // "filing" or "announcement"
	Due         time.Time
	DaysLate    int
}

// Announcement is a published 公告: what [BAGG] requires it to carry.
type Announcement struct {
	ID            int64
	ApplicationID int64
	PlaceID       int64
	Title         string
	Name          string
	Romanization  string
	DivisionCode  string
	DivisionName  string
	Location      string
	ApprovingBody string
	ApprovedOn    time.Time
	ApprovalDoc   string
	OldName       string // for renames
	PublishedAt   time.Time
}
