package data

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/gazetteer"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"
)

const appCols = `id, rename_of, name, specific, generic, category, subcategory, readings, division_code, reasons, location,
	size_nature, meaning, origin, ST_AsBinary(geom), applicant, required_reports, consultation_days, consultation_ends,
	protection_measures, overrides, state, approving_body, approval_doc, approved_on, government_approved, filed_on,
	announced_on, filing_due, announcement_due, place_id, created_by, created_at, version`

func scanApp(row pgx.Row) (gazetteer.Application, error) {
	var a gazetteer.Application
	var cat int16
	var readings, overrides []byte
	var reports []string
	var state string
	gs := wkb.Scanner(nil)
	err := row.Scan(&a.ID, &a.RenameOf, &a.Name, &a.Specific, &a.Generic, &cat, &a.Subcategory, &readings, &a.DivisionCode,
		&a.Reasons, &a.Location, &a.SizeNature, &a.Meaning, &a.Origin, gs, &a.Applicant, &reports, &a.ConsultationDays,
		&a.ConsultationEnds, &a.ProtectionMeasures, &overrides, &state, &a.ApprovingBody, &a.ApprovalDoc, &a.ApprovedOn,
		&a.GovernmentApproved, &a.FiledOn, &a.AnnouncedOn, &a.FilingDue, &a.AnnouncementDue, &a.PlaceID, &a.CreatedBy,
		&a.CreatedAt, &a.Version)
	if err != nil {
		return a, err
	}
	a.Category, a.State = gazetteer.Category(cat), gazetteer.State(state)
	if gs.Valid {
		a.Geometry = gs.Geometry
	}
	for _, r := range reports {
		a.RequiredReports = append(a.RequiredReports, gazetteer.ReportKind(r))
	}
	if len(readings) > 2 {
		if err := json.Unmarshal(readings, &a.Readings); err != nil {
			return a, err
		}
	}
	if len(overrides) > 2 {
		if err := json.Unmarshal(overrides, &a.Overrides); err != nil {
			return a, err
		}
	}
	return a, nil
}

func overridesArg(m map[string]string) []byte {
	if len(m) == 0 {
		return []byte("{}")
	}
	b, _ := json.Marshal(m)
	return b
}

func reportKinds(ks []gazetteer.ReportKind) []string {
	out := []string{}
	for _, k := range ks {
		out = append(out, string(k))
	}
	return out
}

// CreateApplication stores a draft application.
func (db *DB) CreateApplication(ctx context.Context, a gazetteer.Application) (gazetteer.Application, error) {
	var out gazetteer.Application
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = scanApp(tx.QueryRow(ctx, `INSERT INTO naming_applications (rename_of, name, specific, generic, category,
			subcategory, readings, division_code, reasons, location, size_nature, meaning, origin, geom, applicant, required_reports,
			consultation_days, protection_measures, overrides, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,
			ST_SetSRID(ST_GeomFromWKB($14),4490),$15,$16,$17,$18,$19,$20) RETURNING `+appCols,
			a.RenameOf, a.Name, a.Specific, a.Generic, int16(a.Category), a.Subcategory, readingsArg(a.Readings), a.DivisionCode,
			a.Reasons, a.Location, a.SizeNature, a.Meaning, a.Origin, geomArg(a.Geometry), a.Applicant, reportKinds(a.RequiredReports),
			a.ConsultationDays, a.ProtectionMeasures, overridesArg(a.Overrides), a.CreatedBy))
		if err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "naming.create", Entity: "naming_application", EntityID: strconv.FormatInt(out.ID, 10), After: out})
	})
	return out, translate("data.CreateApplication", err)
}

// FindApplication returns an application with its reports and events.
func (db *DB) FindApplication(ctx context.Context, id int64) (gazetteer.Application, error) {
	const op = "data.FindApplication"
	a, err := scanApp(db.Pool.QueryRow(ctx, `SELECT `+appCols+` FROM naming_applications WHERE id=$1`, id))
	if err != nil {
		return a, translate(op, err)
	}
	rows, err := db.Pool.Query(ctx, reportCols+` WHERE r.application_id=$1 ORDER BY r.id`, id)
	if err != nil {
		return a, translate(op, err)
	}
	if a.Reports, err = pgx.CollectRows(rows, scanReport); err != nil {
		return a, translate(op, err)
	}
	rows, err = db.Pool.Query(ctx, `SELECT id, action, from_state, to_state, actor, at, note FROM naming_events
		WHERE application_id=$1 ORDER BY id`, id)
	if err != nil {
		return a, translate(op, err)
	}
	a.Events, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (gazetteer.Event, error) {
		var e gazetteer.Event
		err := r.Scan(&e.ID, &e.Action, &e.From, &e.To, &e.Actor, &e.At, &e.Note)
		return e, err
	})
	return a, translate(op, err)
}

// reportCols reads reports with their file's metadata (not its content).
const reportCols = `SELECT r.id, r.application_id, r.kind, r.title, r.body, r.author, r.created_at,
	f.id, coalesce(f.filename,''), coalesce(f.content_type,''), coalesce(f.size,0), coalesce(encode(f.sha256,'hex'),'')
	FROM naming_reports r LEFT JOIN naming_files f ON f.report_id = r.id`

func scanReport(r pgx.CollectableRow) (gazetteer.Report, error) {
	var x gazetteer.Report
	var fileID *int64
	var f gazetteer.ReportFile
	err := r.Scan(&x.ID, &x.ApplicationID, &x.Kind, &x.Title, &x.Body, &x.Author, &x.CreatedAt,
		&fileID, &f.Name, &f.ContentType, &f.Size, &f.SHA256)
	if fileID != nil {
		f.ID, f.ReportID = *fileID, x.ID
		x.File = &f
	}
	return x, err
}

// FindApplications lists applications within scope, in state (or all),
// each with its reports (not its events).
func (db *DB) FindApplications(ctx context.Context, scope string, state gazetteer.State) ([]gazetteer.Application, error) {
	const op = "data.FindApplications"
	rows, err := db.Pool.Query(ctx, `SELECT `+appCols+` FROM naming_applications WHERE division_code LIKE $1
		AND ($2 = '' OR state = $2) ORDER BY id DESC LIMIT 500`, likePrefix(diming.CodePrefix(scope)), string(state))
	if err != nil {
		return nil, translate(op, err)
	}
	apps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gazetteer.Application, error) { return scanApp(r) })
	if err != nil || len(apps) == 0 {
		return apps, translate(op, err)
	}
	ids, at := make([]int64, len(apps)), map[int64]int{}
	for i, a := range apps {
		ids[i], at[a.ID] = a.ID, i
	}
	rows, err = db.Pool.Query(ctx, reportCols+` WHERE r.application_id = ANY($1) ORDER BY r.id`, ids)
	if err != nil {
		return nil, translate(op, err)
	}
	reports, err := pgx.CollectRows(rows, scanReport)
	for _, r := range reports {
		a := &apps[at[r.ApplicationID]]
		a.Reports = append(a.Reports, r)
	}
	return apps, translate(op, err)
}

// lockApp reads an application for update and checks its version.
func lockApp(ctx context.Context, tx pgx.Tx, op string, id int64, version int) (gazetteer.Application, error) {
	cur, err := scanApp(tx.QueryRow(ctx, `SELECT `+appCols+` FROM naming_applications WHERE id=$1 FOR UPDATE`, id))
	if err != nil {
		return cur, err
	}
	if cur.Version != version {
		return cur, staleVersion(op, cur.Version, cur)
	}
	return cur, nil
}

const saveApp = `UPDATE naming_applications SET name=$2, specific=$3, generic=$4, category=$5, subcategory=$6, readings=$7,
	reasons=$8, location=$9, size_nature=$10, meaning=$11, origin=$12, geom=ST_SetSRID(ST_GeomFromWKB($13),4490), applicant=$14,
	required_reports=$15, consultation_days=$16, consultation_ends=$17, protection_measures=$18, overrides=$19, state=$20,
	approving_body=$21, approval_doc=$22, approved_on=$23, government_approved=$24, filed_on=$25, announced_on=$26,
	filing_due=$27, announcement_due=$28, place_id=$29, version=version+1 WHERE id=$1 RETURNING ` + appCols

func saveAppArgs(a gazetteer.Application) []any {
	return []any{a.ID, a.Name, a.Specific, a.Generic, int16(a.Category), a.Subcategory, readingsArg(a.Readings), a.Reasons,
		a.Location, a.SizeNature, a.Meaning, a.Origin, geomArg(a.Geometry), a.Applicant, reportKinds(a.RequiredReports),
		a.ConsultationDays, a.ConsultationEnds, a.ProtectionMeasures, overridesArg(a.Overrides), string(a.State),
		a.ApprovingBody, a.ApprovalDoc, a.ApprovedOn, a.GovernmentApproved, a.FiledOn, a.AnnouncedOn, a.FilingDue,
		a.AnnouncementDue, a.PlaceID}
}

// UpdateApplication saves an edited application at its version.
func (db *DB) UpdateApplication(ctx context.Context, a gazetteer.Application) (gazetteer.Application, error) {
	const op = "data.UpdateApplication"
	var out gazetteer.Application
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		before, err := lockApp(ctx, tx, op, a.ID, a.Version)
		if err != nil {
			return err
		}
		if out, err = scanApp(tx.QueryRow(ctx, saveApp, saveAppArgs(a)...)); err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "naming.update", Entity: "naming_application", EntityID: strconv.FormatInt(a.ID, 10), Before: before, After: out})
	})
	return out, translate(op, err)
}

// Transition saves a's new state at its version, records ev and applies
// eff (the new or renamed place, the announcement) in one transaction.
func (db *DB) Transition(ctx context.Context, a gazetteer.Application, ev gazetteer.Event, eff gazetteer.Effect) (gazetteer.Application, error) {
	const op = "data.Transition"
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		before, err := lockApp(ctx, tx, op, a.ID, a.Version)
		if err != nil {
			return err
		}
		if before.State != ev.From {
			return staleVersion(op, before.Version, before)
		}
		if eff.Place != nil {
			var p gazetteer.Place
			if eff.Place.Supersedes != nil {
				p, err = renamePlace(ctx, tx, *eff.Place)
			} else {
				p, err = createPlace(ctx, tx, *eff.Place)
			}
			if err != nil {
				return err
			}
			a.PlaceID = &p.ID
		}
		if eff.Announce != nil {
			if err := insertAnnouncement(ctx, tx, eff.Announce); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO naming_events (application_id, action, from_state, to_state, actor, at, note)
			VALUES ($1,$2,$3,$4,$5,$6,$7)`, a.ID, string(ev.Action), string(ev.From), string(ev.To), ev.Actor, ev.At, ev.Note); err != nil {
			return err
		}
		out, err := scanApp(tx.QueryRow(ctx, saveApp, saveAppArgs(a)...))
		if err != nil {
			return err
		}
		a = out
		return audit(ctx, tx, Change{Action: "naming." + string(ev.Action), Entity: "naming_application",
			EntityID: strconv.FormatInt(a.ID, 10), Before: before, After: out, Reason: ev.Note})
	})
	if err != nil {
		return gazetteer.Application{}, translate(op, err)
	}
	return db.FindApplication(ctx, a.ID)
}

func insertAnnouncement(ctx context.Context, tx pgx.Tx, n *gazetteer.Announcement) error {
	err := tx.QueryRow(ctx, `INSERT INTO announcements (application_id, place_id, title, name, romanization, division_code,
		location, approving_body, approved_on, approval_doc, old_name, published_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
		RETURNING id`, n.ApplicationID, n.PlaceID, n.Title, n.Name, n.Romanization, n.DivisionCode, n.Location, n.ApprovingBody,
		n.ApprovedOn, n.ApprovalDoc, n.OldName, n.PublishedAt).Scan(&n.ID)
	if err != nil {
		return err
	}
	return audit(ctx, tx, Change{Action: "announcement.publish", Entity: "announcement", EntityID: strconv.FormatInt(n.ID, 10), After: n})
}

// AddReport attaches a report, with its file when it has one, in one
// transaction; both are audited (the file by name, size and SHA-256).
func (db *DB) AddReport(ctx context.Context, r gazetteer.Report) (gazetteer.Report, error) {
	out := r
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO naming_reports (application_id, kind, title, body, author) VALUES ($1,$2,$3,$4,$5)
			RETURNING id, created_at`, r.ApplicationID, string(r.Kind), r.Title, r.Body, r.Author).Scan(&out.ID, &out.CreatedAt)
		if err != nil {
			return err
		}
		if r.File != nil {
			f := *r.File
			sum, err := hex.DecodeString(f.SHA256)
			if err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `INSERT INTO naming_files (report_id, filename, content_type, size, sha256, content, uploaded_by)
				VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`, out.ID, f.Name, f.ContentType, f.Size, sum, f.Content, r.Author).Scan(&f.ID); err != nil {
				return err
			}
			f.ReportID, f.Content = out.ID, nil
			out.File = &f
		}
		return audit(ctx, tx, Change{Action: "naming.report", Entity: "naming_application", EntityID: strconv.FormatInt(r.ApplicationID, 10), After: out})
	})
	return out, translate("data.AddReport", err)
}

// FindReportFile returns a report's file with its content, and the
// application of the report. NotFound.
func (db *DB) FindReportFile(ctx context.Context, reportID int64) (gazetteer.ReportFile, int64, error) {
	var f gazetteer.ReportFile
	var app int64
	err := db.Pool.QueryRow(ctx, `SELECT f.id, f.report_id, f.filename, f.content_type, f.size, encode(f.sha256,'hex'), f.content,
		r.application_id FROM naming_files f JOIN naming_reports r ON r.id = f.report_id WHERE f.report_id=$1`, reportID).
		Scan(&f.ID, &f.ReportID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.Content, &app)
	return f, app, translate("data.FindReportFile", err)
}

// FindOverdue lists approved applications within scope whose filing or
// announcement deadline has passed without it being done.
func (db *DB) FindOverdue(ctx context.Context, scope string, today time.Time) ([]gazetteer.Overdue, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+appCols+` FROM naming_applications WHERE division_code LIKE $1
		AND state IN ('approved','filed') AND ((state='approved' AND filing_due < $2) OR announcement_due < $2) ORDER BY id`,
		likePrefix(diming.CodePrefix(scope)), today)
	if err != nil {
		return nil, translate("data.FindOverdue", err)
	}
	apps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gazetteer.Application, error) { return scanApp(r) })
	if err != nil {
		return nil, translate("data.FindOverdue", err)
	}
	var out []gazetteer.Overdue
	for _, a := range apps {
		if a.State == gazetteer.Approved && a.FilingDue != nil && a.FilingDue.Before(today) {
			out = append(out, gazetteer.Overdue{Application: a, What: "filing", Due: *a.FilingDue, DaysLate: days(today.Sub(*a.FilingDue))})
		}
		if a.AnnouncementDue != nil && a.AnnouncementDue.Before(today) {
			out = append(out, gazetteer.Overdue{Application: a, What: "announcement", Due: *a.AnnouncementDue, DaysLate: days(today.Sub(*a.AnnouncementDue))})
		}
	}
	return out, nil
}

func days(d time.Duration) int { return int(d.Hours() / 24) }

const annCols = `a.id, a.application_id, a.place_id, a.title, a.name, a.romanization, a.division_code, coalesce(d.name,''),
	a.location, a.approving_body, a.approved_on, a.approval_doc, a.old_name, a.published_at`

func scanAnn(r pgx.CollectableRow) (gazetteer.Announcement, error) {
	var n gazetteer.Announcement
	err := r.Scan(&n.ID, &n.ApplicationID, &n.PlaceID, &n.Title, &n.Name, &n.Romanization, &n.DivisionCode, &n.DivisionName,
		&n.Location, &n.ApprovingBody, &n.ApprovedOn, &n.ApprovalDoc, &n.OldName, &n.PublishedAt)
	return n, err
}

// FindAnnouncements returns the latest announcements, newest first.
func (db *DB) FindAnnouncements(ctx context.Context, limit int) ([]gazetteer.Announcement, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+annCols+` FROM announcements a LEFT JOIN divisions d ON d.code=a.division_code
		ORDER BY a.published_at DESC, a.id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, translate("data.FindAnnouncements", err)
	}
	out, err := pgx.CollectRows(rows, scanAnn)
	return out, translate("data.FindAnnouncements", err)
}

// FindAnnouncement returns one announcement, or NotFound.
func (db *DB) FindAnnouncement(ctx context.Context, id int64) (gazetteer.Announcement, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+annCols+` FROM announcements a LEFT JOIN divisions d ON d.code=a.division_code WHERE a.id=$1`, id)
	if err != nil {
		return gazetteer.Announcement{}, translate("data.FindAnnouncement", err)
	}
	out, err := pgx.CollectExactlyOneRow(rows, scanAnn)
	return out, translate("data.FindAnnouncement", err)
}
