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

// missingReports returns the required reports not yet attached.
func (a Application) missingReports() []ReportKind {
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
