package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/gazetteer"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"
)

type applicationRequest struct {
	RenameOf           *int64            `json:"rename_of"`
	Name               string            `json:"name"`
	Specific           string            `json:"specific"`
	Generic            string            `json:"generic"`
	Category           int               `json:"category"`
	Subcategory        string            `json:"subcategory"`
	Readings           map[string]string `json:"readings"`
	DivisionCode       string            `json:"division_code"`
	Reasons            string            `json:"reasons"`
	Location           string            `json:"location"`
	SizeNature         string            `json:"size_nature"`
	Meaning            string            `json:"meaning"`
	Origin             string            `json:"origin"`
	Geometry           json.RawMessage   `json:"geometry"`
	Applicant          string            `json:"applicant"`
	RequiredReports    []string          `json:"required_reports"`
	ConsultationDays   int               `json:"consultation_days"`
	ProtectionMeasures string            `json:"protection_measures"`
	Overrides          map[string]string `json:"overrides"`
	Version            int               `json:"version"`
}

// applicationCommand is an application request parsed once: the new
// application and, for an update, the version its author read.
type applicationCommand struct {
	gazetteer.NewApplication
	Version int
}

// Parse checks the readings and the geometry once and builds the command.
func (r applicationRequest) Parse(context.Context) (applicationCommand, map[string]string) {
	p := map[string]string{}
	readings, geom := parseReadingsGeometry(r.Readings, r.Geometry, p)
	na := gazetteer.NewApplication{RenameOf: r.RenameOf, Name: r.Name, Specific: r.Specific, Generic: r.Generic,
		Category: gazetteer.Category(r.Category), Subcategory: r.Subcategory, Readings: readings, DivisionCode: r.DivisionCode,
		Reasons: r.Reasons, Location: r.Location, SizeNature: r.SizeNature, Meaning: r.Meaning, Origin: r.Origin, Geometry: geom,
		Applicant: r.Applicant, ConsultationDays: r.ConsultationDays, ProtectionMeasures: r.ProtectionMeasures, Overrides: r.Overrides}
	for _, k := range r.RequiredReports {
		na.RequiredReports = append(na.RequiredReports, gazetteer.ReportKind(k))
	}
	return applicationCommand{NewApplication: na, Version: r.Version}, p
}

type findingDTO struct {
	Rule       string        `json:"rule"`
	Severity   string        `json:"severity"`
	Message    string        `json:"message"`
	Conflicts  []placeRefDTO `json:"conflicts,omitempty"`
	Overridden string        `json:"overridden,omitempty"`
}

func toFindingDTOs(fs gazetteer.Findings) []findingDTO {
	out := []findingDTO{}
	for _, f := range fs {
		d := findingDTO{Rule: f.Rule, Severity: string(f.Severity), Message: f.Message, Overridden: f.Overridden}
		for _, c := range f.Conflicts {
			d.Conflicts = append(d.Conflicts, toPlaceRefDTO(c))
		}
		out = append(out, d)
	}
	return out
}

// handleNamingCheck runs the rule checks on a proposal as it is typed.
func handleNamingCheck(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, err := requireUser(c); err != nil {
			return err
		}
		cmd, err := decodeCommand[applicationRequest](c)
		if err != nil {
			return err
		}
		na := cmd.NewApplication
		a := gazetteer.Application{RenameOf: na.RenameOf, Name: na.Name, Specific: na.Specific, Generic: na.Generic, Category: na.Category,
			Subcategory: na.Subcategory, Readings: na.Readings, DivisionCode: na.DivisionCode, ProtectionMeasures: na.ProtectionMeasures,
			Overrides: na.Overrides}
		p, err := g.Proposal(c.Request().Context(), a)
		if err != nil {
			return err
		}
		fs, err := g.Check(c.Request().Context(), a)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"romanization": p.Romanization.Text, "romanization_toned": p.Romanization.Toned,
			"specific": p.Specific, "generic": p.Generic, "findings": toFindingDTOs(fs), "ok": len(fs.Blocking()) == 0,
			"clashes": clashGeometries(c, g, fs)})
	}
}

// clashDTO is a clashing place with its geometry, for the proposal map.
type clashDTO struct {
	placeRefDTO
	Rule     string          `json:"rule"`
	Geometry json.RawMessage `json:"geometry,omitempty"`
}

// maxClashShapes bounds the places whose geometry a check answer carries.
const maxClashShapes = 20

// clashGeometries returns the places the findings clash with, each with
// its geometry so the proposal map can highlight it.
func clashGeometries(c echo.Context, g *gazetteer.Service, fs gazetteer.Findings) []clashDTO {
	out := []clashDTO{}
	for _, f := range fs {
		for _, r := range f.Conflicts {
			if len(out) == maxClashShapes {
				return out
			}
			d := clashDTO{placeRefDTO: toPlaceRefDTO(r), Rule: f.Rule}
			if p, err := g.FindPlace(c.Request().Context(), r.ID); err == nil && p.Geometry != nil {
				d.Geometry, _ = json.Marshal(geojson.NewGeometry(p.Geometry))
			}
			out = append(out, d)
		}
	}
	return out
}

type applicationDTO struct {
	ID                 int64             `json:"id"`
	RenameOf           *int64            `json:"rename_of,omitempty"`
	Name               string            `json:"name"`
	Specific           string            `json:"specific"`
	Generic            string            `json:"generic"`
	Category           int               `json:"category"`
	Subcategory        string            `json:"subcategory,omitempty"`
	DivisionCode       string            `json:"division_code"`
	Reasons            string            `json:"reasons"`
	Location           string            `json:"location"`
	SizeNature         string            `json:"size_nature"`
	Applicant          string            `json:"applicant"`
	RequiredReports    []string          `json:"required_reports"`
	ConsultationDays   int               `json:"consultation_days"`
	ConsultationEnds   *string           `json:"consultation_ends,omitempty"`
	ProtectionMeasures string            `json:"protection_measures,omitempty"`
	Overrides          map[string]string `json:"overrides,omitempty"`
	State              string            `json:"state"`
	ApprovingBody      string            `json:"approving_body,omitempty"`
	ApprovalDoc        string            `json:"approval_doc,omitempty"`
	ApprovedOn         *string           `json:"approved_on,omitempty"`
	FiledOn            *string           `json:"filed_on,omitempty"`
	AnnouncedOn        *string           `json:"announced_on,omitempty"`
	FilingDue          *string           `json:"filing_due,omitempty"`
	AnnouncementDue    *string           `json:"announcement_due,omitempty"`
	PlaceID            *int64            `json:"place_id,omitempty"`
	CreatedBy          string            `json:"created_by"`
	Version            int               `json:"version"`
	Reports            []reportDTO       `json:"reports"`
	Events             []eventDTO        `json:"events"`
}

type reportDTO struct {
	ID     int64          `json:"id,omitempty"`
	Kind   string         `json:"kind"`
	Title  string         `json:"title"`
	Body   string         `json:"body"`
	Author string         `json:"author,omitempty"`
	At     string         `json:"at,omitempty"`
	File   *reportFileDTO `json:"file,omitempty"`
}

type reportFileDTO struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	SHA256      string `json:"sha256"`
	URL         string `json:"url"`
}

type eventDTO struct {
	Action string `json:"action"`
	From   string `json:"from"`
	To     string `json:"to"`
	Actor  string `json:"actor"`
	At     string `json:"at"`
	Note   string `json:"note,omitempty"`
}

func toApplicationDTO(a gazetteer.Application) applicationDTO {
	d := applicationDTO{ID: a.ID, RenameOf: a.RenameOf, Name: a.Name, Specific: a.Specific, Generic: a.Generic, Category: int(a.Category),
		Subcategory: a.Subcategory, DivisionCode: a.DivisionCode, Reasons: a.Reasons, Location: a.Location, SizeNature: a.SizeNature,
		Applicant: a.Applicant, RequiredReports: []string{}, ConsultationDays: a.ConsultationDays, ConsultationEnds: day(a.ConsultationEnds),
		ProtectionMeasures: a.ProtectionMeasures, Overrides: a.Overrides, State: string(a.State), ApprovingBody: a.ApprovingBody,
		ApprovalDoc: a.ApprovalDoc, ApprovedOn: day(a.ApprovedOn), FiledOn: day(a.FiledOn), AnnouncedOn: day(a.AnnouncedOn),
		FilingDue: day(a.FilingDue), AnnouncementDue: day(a.AnnouncementDue), PlaceID: a.PlaceID, CreatedBy: a.CreatedBy,
		Version: a.Version, Reports: []reportDTO{}, Events: []eventDTO{}}
	for _, k := range a.RequiredReports {
		d.RequiredReports = append(d.RequiredReports, string(k))
	}
	for _, r := range a.Reports {
		d.Reports = append(d.Reports, toReportDTO(r))
	}
	for _, e := range a.Events {
		d.Events = append(d.Events, eventDTO{Action: string(e.Action), From: string(e.From), To: string(e.To), Actor: e.Actor, At: e.At.Format(time.RFC3339), Note: e.Note})
	}
	return d
}

func handleApplicationsList(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		as, err := g.FindApplications(c.Request().Context(), gazetteer.State(c.QueryParam("state")))
		if err != nil {
			return err
		}
		out := []applicationDTO{}
		for _, a := range as {
			out = append(out, toApplicationDTO(a))
		}
		return c.JSON(http.StatusOK, map[string]any{"applications": out})
	}
}

func handleApplicationCreate(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		cmd, err := decodeCommand[applicationRequest](c)
		if err != nil {
			return err
		}
		a, err := g.CreateApplication(c.Request().Context(), cmd.NewApplication)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, toApplicationDTO(a))
	}
}

func handleApplicationGet(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		a, err := g.FindApplication(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toApplicationDTO(a))
	}
}

func handleApplicationUpdate(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		cmd, err := decodeCommand[applicationRequest](c)
		if err != nil {
			return err
		}
		a, err := g.UpdateApplication(c.Request().Context(), id, cmd.NewApplication, cmd.Version)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toApplicationDTO(a))
	}
}

type actRequest struct {
	Version            int    `json:"version"`
	Note               string `json:"note"`
	ApprovingBody      string `json:"approving_body"`
	ApprovalDoc        string `json:"approval_doc"`
	GovernmentApproved bool   `json:"government_approved"`
	Date               string `json:"date"`
}

// Parse turns the request into the workflow step's input, reading the
// date once.
func (r actRequest) Parse(context.Context) (gazetteer.ActInput, map[string]string) {
	p := map[string]string{}
	in := gazetteer.ActInput{Version: r.Version, Note: r.Note, ApprovingBody: r.ApprovingBody, ApprovalDoc: r.ApprovalDoc,
		GovernmentApproved: r.GovernmentApproved}
	if r.Version <= 0 {
		p["version"] = diming.MsgVersion
	}
	if r.Date != "" {
		d, err := time.Parse(time.DateOnly, r.Date)
		if err != nil {
			p["date"] = "日期格式为 YYYY-MM-DD"
		}
		in.Date = &d
	}
	return in, p
}

// handleApplicationAct: POST /naming/applications/:id/actions/:action
func handleApplicationAct(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		in, err := decodeCommand[actRequest](c)
		if err != nil {
			return err
		}
		a, err := g.Act(c.Request().Context(), id, gazetteer.Action(c.Param("action")), in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toApplicationDTO(a))
	}
}

type reportRequest struct {
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

func (r reportRequest) Valid(context.Context) map[string]string { return nil }

// maxReportUpload bounds a report's multipart body: the file plus its form.
const maxReportUpload = gazetteer.MaxReportFileSize + 64<<10

// decodeReport reads a report as JSON, or as multipart/form-data with its
// document in the field "file" (checked by gazetteer.NewReportFile).
func decodeReport(c echo.Context) (gazetteer.Report, error) {
	if !strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
		req, err := decodeValid[reportRequest](c)
		return gazetteer.Report{Kind: gazetteer.ReportKind(req.Kind), Title: req.Title, Body: req.Body}, err
	}
	const op = "web.decodeReport"
	if err := c.Request().ParseMultipartForm(maxReportUpload); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			return gazetteer.Report{}, diming.E(op, diming.TooLarge, "文件超过 10 MB，请压缩或拆分后再上传", map[string]string{"file": "文件超过 10 MB"})
		}
		return gazetteer.Report{}, diming.E(op, diming.Invalid, "无法读取上传的表单", err)
	}
	r := gazetteer.Report{Kind: gazetteer.ReportKind(c.FormValue("kind")), Title: c.FormValue("title"), Body: c.FormValue("body")}
	fh, err := c.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return r, nil
	} else if err != nil {
		return r, diming.E(op, diming.Invalid, "无法读取上传的文件", map[string]string{"file": "无法读取"}, err)
	}
	if fh.Size > gazetteer.MaxReportFileSize {
		return r, diming.E(op, diming.Invalid, "文件超过 10 MB，请压缩或拆分后再上传", map[string]string{"file": "文件超过 10 MB"})
	}
	f, err := fh.Open()
	if err != nil {
		return r, diming.E(op, diming.Invalid, "无法读取上传的文件", err)
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, gazetteer.MaxReportFileSize+1))
	if err != nil {
		return r, diming.E(op, diming.Invalid, "无法读取上传的文件", err)
	}
	r.File, err = gazetteer.NewReportFile(fh.Filename, content)
	return r, err
}

func toReportDTO(r gazetteer.Report) reportDTO {
	d := reportDTO{ID: r.ID, Kind: string(r.Kind), Title: r.Title, Body: r.Body, Author: r.Author, At: r.CreatedAt.Format(time.RFC3339)}
	if f := r.File; f != nil {
		d.File = &reportFileDTO{Name: f.Name, ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256,
			URL: fmt.Sprintf("/api/v1/naming/applications/%d/reports/%d/file", r.ApplicationID, r.ID)}
	}
	return d
}

// handleReportAttach: POST /naming/applications/:id/reports, JSON or
// multipart with the report's file.
func handleReportAttach(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		r, err := decodeReport(c)
		if err != nil {
			return err
		}
		out, err := g.AttachReport(c.Request().Context(), id, r)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, toReportDTO(out))
	}
}

// handleReportFile: GET /naming/applications/:id/reports/:report/file
// downloads a report's document.
func handleReportFile(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		rid, err := strconv.ParseInt(c.Param("report"), 10, 64)
		if err != nil {
			return diming.E("web.reportFile", diming.NotFound, "没有此报告")
		}
		f, err := g.ReportFile(c.Request().Context(), id, rid)
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentDisposition, "attachment; filename*=UTF-8''"+url.PathEscape(f.Name))
		h.Set(echo.HeaderCacheControl, "private, no-store")
		h.Set("Digest", "sha-256="+f.SHA256)
		return c.Blob(http.StatusOK, f.ContentType, f.Content)
	}
}

func handleOverdue(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		od, err := g.Overdue(c.Request().Context())
		if err != nil {
			return err
		}
		out := []map[string]any{}
		for _, o := range od {
			out = append(out, map[string]any{"application": toApplicationDTO(o.Application), "what": o.What,
				"due": o.Due.Format(time.DateOnly), "days_late": o.DaysLate})
		}
		return c.JSON(http.StatusOK, map[string]any{"overdue": out})
	}
}

type wordRequest struct {
	ID       int64  `json:"id"`
	List     string `json:"list"`
	Word     string `json:"word"`
	Severity string `json:"severity"`
	Note     string `json:"note"`
	Source   string `json:"source"`
	Active   *bool  `json:"active"`
	Version  int    `json:"version"`
}

func (r wordRequest) Valid(context.Context) map[string]string { return nil }

type wordDTO struct {
	ID       int64  `json:"id"`
	List     string `json:"list"`
	Word     string `json:"word"`
	Severity string `json:"severity"`
	Note     string `json:"note,omitempty"`
	Source   string `json:"source"`
	Active   bool   `json:"active"`
	Version  int    `json:"version"`
}

func toWordDTO(w gazetteer.Word) wordDTO {
	return wordDTO{ID: w.ID, List: w.List, Word: w.Word, Severity: string(w.Severity), Note: w.Note, Source: w.Source, Active: w.Active, Version: w.Version}
}

func handleWordsList(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		ws, err := g.Words(c.Request().Context())
		if err != nil {
			return err
		}
		out := []wordDTO{}
		for _, w := range ws {
			out = append(out, toWordDTO(w))
		}
		return c.JSON(http.StatusOK, map[string]any{"words": out})
	}
}

func handleWordSave(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, err := decodeValid[wordRequest](c)
		if err != nil {
			return err
		}
		w := gazetteer.Word{ID: req.ID, List: req.List, Word: req.Word, Severity: gazetteer.Severity(req.Severity), Note: req.Note,
			Source: req.Source, Active: req.Active == nil || *req.Active, Version: req.Version}
		out, err := g.SaveWord(c.Request().Context(), w)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toWordDTO(out))
	}
}

type scopeRequest struct {
	ID          int64  `json:"id"`
	Category    int    `json:"category"`
	Subcategory string `json:"subcategory"`
	Scope       string `json:"scope"`
	Source      string `json:"source"`
	Active      *bool  `json:"active"`
	Version     int    `json:"version"`
}

func (r scopeRequest) Valid(context.Context) map[string]string { return nil }

func toScopeDTO(r gazetteer.ScopeRule) map[string]any {
	return map[string]any{"id": r.ID, "category": int(r.Category), "subcategory": r.Subcategory, "scope": string(r.Scope),
		"source": r.Source, "active": r.Active, "version": r.Version}
}

func handleScopesList(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		rs, err := g.ScopeRules(c.Request().Context())
		if err != nil {
			return err
		}
		out := []map[string]any{}
		for _, r := range rs {
			out = append(out, toScopeDTO(r))
		}
		return c.JSON(http.StatusOK, map[string]any{"scopes": out})
	}
}

func handleScopeSave(g *gazetteer.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		req, err := decodeValid[scopeRequest](c)
		if err != nil {
			return err
		}
		r, err := g.SaveScopeRule(c.Request().Context(), gazetteer.ScopeRule{ID: req.ID, Category: gazetteer.Category(req.Category),
			Subcategory: req.Subcategory, Scope: gazetteer.Scope(req.Scope), Source: req.Source, Active: req.Active == nil || *req.Active, Version: req.Version})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toScopeDTO(r))
	}
}
