package data

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/sharing"
	"github.com/jackc/pgx/v5"
)

// Departments, the kinds of record they register, and the records they
// link to addresses (issue 11, migration 012).

// CreateDepartment adds a department (audited as department.create).
// Invalid for bad fields, Conflict when the code is taken.
func (db *DB) CreateDepartment(ctx context.Context, d sharing.Department) (sharing.Department, error) {
	const op = "data.CreateDepartment"
	if err := d.Validate(); err != nil {
		return d, err
	}
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO departments (code, name, grade) VALUES ($1,$2,$3)`, d.Code, d.Name, string(d.Grade)); err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "department.create", Entity: "department", EntityID: d.Code, After: d})
	})
	return d, translate(op, err)
}

// FindDepartment returns one department, or NotFound.
func (db *DB) FindDepartment(ctx context.Context, code string) (sharing.Department, error) {
	var d sharing.Department
	err := db.Pool.QueryRow(ctx, `SELECT code, name, grade FROM departments WHERE code = $1`, code).Scan(&d.Code, &d.Name, &d.Grade)
	return d, translate("data.FindDepartment", err)
}

// FindDepartments lists the departments by code.
func (db *DB) FindDepartments(ctx context.Context) ([]sharing.Department, error) {
	rows, err := db.Pool.Query(ctx, `SELECT code, name, grade FROM departments ORDER BY code`)
	return collect("data.FindDepartments", rows, err, func(r pgx.Row) (sharing.Department, error) {
		var d sharing.Department
		return d, r.Scan(&d.Code, &d.Name, &d.Grade)
	})
}

// SaveKind registers a kind of record or changes its schema (audited as
// link_kind.save). The caller has validated it against its department.
func (db *DB) SaveKind(ctx context.Context, k sharing.Kind) (sharing.Kind, error) {
	const op = "data.SaveKind"
	fields, err := json.Marshal(k.Fields)
	if err != nil {
		return k, diming.E(op, err)
	}
	err = db.WithTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO link_kinds (department, kind, label, grade, fields) VALUES ($1,$2,$3,$4,$5)
			ON CONFLICT (department, kind) DO UPDATE SET label = EXCLUDED.label, grade = EXCLUDED.grade, fields = EXCLUDED.fields,
			  version = link_kinds.version + 1 RETURNING version`, k.Department, k.Kind, k.Label, string(k.Grade), fields).Scan(&k.Version); err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "link_kind.save", Entity: "link_kind", EntityID: k.Department + "/" + k.Kind, After: k})
	})
	return k, translate(op, err)
}

// FindKinds lists the kinds a department registered ("" for every
// department's).
func (db *DB) FindKinds(ctx context.Context, department string) ([]sharing.Kind, error) {
	rows, err := db.Pool.Query(ctx, `SELECT department, kind, label, grade, fields, version FROM link_kinds
		WHERE $1 = '' OR department = $1 ORDER BY department, kind`, department)
	return collect("data.FindKinds", rows, err, func(r pgx.Row) (sharing.Kind, error) {
		var k sharing.Kind
		return k, r.Scan(&k.Department, &k.Kind, &k.Label, &k.Grade, &k.Fields, &k.Version)
	})
}

// AddressDivisions returns the division of each known address code among
// codes; unknown codes are missing from the map.
func (db *DB) AddressDivisions(ctx context.Context, codes []string) (map[string]string, error) {
	rows, err := db.Pool.Query(ctx, `SELECT code, division_code FROM addresses WHERE code = ANY($1)`, codes)
	if err != nil {
		return nil, translate("data.AddressDivisions", err)
	}
	defer rows.Close()
	out := make(map[string]string, len(codes))
	for rows.Next() {
		var c, d string
		if err := rows.Scan(&c, &d); err != nil {
			return nil, translate("data.AddressDivisions", err)
		}
		out[c] = d
	}
	return out, translate("data.AddressDivisions", rows.Err())
}

// saveRecordsSQL writes a batch of records in one statement: a record of
// the same department, kind and reference replaces the active one (its
// version goes up), and each row is audited with its snapshot.
const saveRecordsSQL = `WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
    AS t(department, kind, ref, address_code, valid_from, valid_to, grade, payload)
), up AS (
  INSERT INTO linked_records (department, kind, ref, address_id, valid_from, valid_to, grade, payload)
  SELECT i.department, i.kind, i.ref, a.id, nullif(i.valid_from,'')::date, nullif(i.valid_to,'')::date, i.grade, i.payload::jsonb
    FROM input i JOIN addresses a ON a.code = i.address_code
  ON CONFLICT (department, kind, ref) WHERE status = 'active' DO UPDATE SET address_id = EXCLUDED.address_id,
    valid_from = EXCLUDED.valid_from, valid_to = EXCLUDED.valid_to, grade = EXCLUDED.grade, payload = EXCLUDED.payload,
    updated_at = now(), version = linked_records.version + 1
  RETURNING *
)
INSERT INTO audit_log (actor_id, actor, request_id, action, entity, entity_id, after)
SELECT $9, $10, $11, CASE WHEN up.version = 1 THEN 'link.create' ELSE 'link.update' END, 'linked_record', up.id::text,
  jsonb_build_object('id', up.id, 'department', up.department, 'kind', up.kind, 'ref', up.ref, 'address_code', a.code,
    'division_code', a.division_code, 'valid_from', coalesce(up.valid_from::text, ''), 'valid_to', coalesce(up.valid_to::text, ''),
    'grade', up.grade, 'payload', up.payload, 'status', up.status, 'version', up.version)
FROM up JOIN addresses a ON a.id = up.address_id`

// SaveRecords writes linked records, all or nothing, in one transaction.
// Invalid when an address code is unknown (nothing is written).
func (db *DB) SaveRecords(ctx context.Context, recs []sharing.Record) (int, error) {
	const op = "data.SaveRecords"
	cols := make([][]string, 8)
	for i := range cols {
		cols[i] = make([]string, len(recs))
	}
	for i, r := range recs {
		p, err := json.Marshal(r.Payload)
		if err != nil {
			return 0, diming.E(op, err)
		}
		for j, v := range []string{r.Department, r.Kind, r.Ref, r.AddressCode, r.ValidFrom, r.ValidTo, string(r.Grade), string(p)} {
			cols[j][i] = v
		}
	}
	actorID, actor := auditActor(ctx)
	var n int64
	err := db.WithTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, saveRecordsSQL, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7],
			actorID, actor, diming.RequestIDFrom(ctx))
		if err != nil {
			return err
		}
		if n = tag.RowsAffected(); n != int64(len(recs)) {
			return diming.E(op, diming.Invalid, fmt.Sprintf("有 %d 个地址编码不存在，未写入任何记录", int64(len(recs))-n))
		}
		return nil
	})
	return int(n), translate(op, err)
}

// auditActor is who the audit rows of ctx name (see audit).
func auditActor(ctx context.Context) (*int64, string) {
	if u := diming.UserFrom(ctx); u != nil {
		if u.ID != 0 {
			return &u.ID, u.Username
		}
		return nil, u.Username
	}
	return nil, "system"
}

// RetireRecord retires one linked record of department (audited as
// link.retire); its history stays. NotFound when there is no such
// active record.
func (db *DB) RetireRecord(ctx context.Context, department string, id int64, reason string) error {
	return translate("data.RetireRecord", db.WithTx(ctx, func(tx pgx.Tx) error {
		var code string
		err := tx.QueryRow(ctx, `UPDATE linked_records l SET status = 'retired', updated_at = now(), version = l.version + 1
			FROM addresses a WHERE l.id = $1 AND l.department = $2 AND l.status = 'active' AND a.id = l.address_id RETURNING a.code`,
			id, department).Scan(&code)
		if err != nil {
			return err
		}
		return audit(ctx, tx, Change{Action: "link.retire", Entity: "linked_record", EntityID: strconv.FormatInt(id, 10),
			After: map[string]any{"id": id, "department": department, "address_code": code, "status": "retired"}, Reason: reason})
	}))
}

const linkedCols = `l.id, l.department, l.kind, l.ref, a.code, a.division_code, coalesce(l.valid_from::text,''),
	coalesce(l.valid_to::text,''), l.grade, l.payload, l.status, l.version, k.label, k.grade, k.fields, d.name`

const linkedFrom = ` FROM linked_records l JOIN addresses a ON a.id = l.address_id
	JOIN link_kinds k ON k.department = l.department AND k.kind = l.kind JOIN departments d ON d.code = l.department `

func scanLinked(r pgx.Row) (sharing.Linked, error) {
	var l sharing.Linked
	err := r.Scan(&l.ID, &l.Department, &l.Record.Kind, &l.Ref, &l.AddressCode, &l.DivisionCode, &l.ValidFrom, &l.ValidTo, &l.Grade,
		&l.Payload, &l.Status, &l.Version, &l.Kind.Label, &l.Kind.Grade, &l.Kind.Fields, &l.DepartmentName)
	l.Kind.Department, l.Kind.Kind = l.Department, l.Record.Kind
	return l, err
}

// FindLinks returns the records linked to an address (retired ones too
// with history), with their kinds, and the address's division. NotFound
// when the address code is unknown.
func (db *DB) FindLinks(ctx context.Context, addressCode string, history bool) ([]sharing.Linked, string, error) {
	const op = "data.FindLinks"
	var division string
	if err := db.Pool.QueryRow(ctx, `SELECT division_code FROM addresses WHERE code = $1`, addressCode).Scan(&division); err != nil {
		return nil, "", translate(op, err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT `+linkedCols+linkedFrom+`WHERE a.code = $1 AND ($2 OR l.status = 'active')
		ORDER BY l.department, l.kind, l.id`, addressCode, history)
	out, err := collect(op, rows, err, scanLinked)
	return out, division, err
}

// scanLinksSQL is the scan record's column of the address's active links
// (a.id in scope), as JSON for scanLinksText.
const scanLinksSQL = `(SELECT json_agg(json_build_object('dn', d.name, 'kl', k.label, 'kg', k.grade, 'kf', k.fields, 'g', l.grade,
    'p', l.payload, 'f', coalesce(l.valid_from::text,''), 't', coalesce(l.valid_to::text,'')) ORDER BY l.department, l.kind, l.id)
  FROM linked_records l JOIN link_kinds k ON k.department = l.department AND k.kind = l.kind JOIN departments d ON d.code = l.department
  WHERE l.address_id = a.id AND l.status = 'active')`

// scanLinksText turns scanLinksSQL's JSON into what the scan page shows
// at now (sharing.ScanText decides what is public) and when that changes
// by the calendar alone (sharing.ScanUntil; zero: never).
func scanLinksText(raw []byte, now time.Time) (string, time.Time) {
	if len(raw) == 0 {
		return "", time.Time{}
	}
	var in []struct {
		DN string              `json:"dn"`
		KL string              `json:"kl"`
		KG diming.Grade        `json:"kg"`
		KF []sharing.KindField `json:"kf"`
		G  diming.Grade        `json:"g"`
		P  json.RawMessage     `json:"p"`
		F  string              `json:"f"`
		T  string              `json:"t"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return "", time.Time{}
	}
	links := make([]sharing.Linked, 0, len(in))
	for _, x := range in {
		l := sharing.Linked{DepartmentName: x.DN, Kind: sharing.Kind{Label: x.KL, Grade: x.KG, Fields: x.KF}}
		l.Grade, l.ValidFrom, l.ValidTo, l.Status = x.G, x.F, x.T, "active"
		dec := json.NewDecoder(bytes.NewReader(x.P))
		dec.UseNumber()
		if err := dec.Decode(&l.Payload); err != nil {
			continue
		}
		links = append(links, l)
	}
	return sharing.ScanText(links, sharing.Today(now)), sharing.ScanUntil(links, now)
}

// LogAccess appends reads of sensitive data to the access log, attributed
// like audit rows (user and request from ctx).
func (db *DB) LogAccess(ctx context.Context, reads []sharing.Read) error {
	if len(reads) == 0 {
		return nil
	}
	actorID, actor := auditActor(ctx)
	var tokenID *int64
	if u := diming.UserFrom(ctx); u != nil && u.TokenID != 0 {
		tokenID = &u.TokenID
	}
	owners, entities, ids, fields := make([]string, len(reads)), make([]string, len(reads)), make([]string, len(reads)), make([]string, len(reads))
	for i, r := range reads {
		f, _ := json.Marshal(r.Fields)
		owners[i], entities[i], ids[i], fields[i] = r.Owner, r.Entity, r.EntityID, string(f)
	}
	_, err := db.Pool.Exec(ctx, `INSERT INTO access_log (actor_id, actor, request_id, owner, entity, entity_id, fields, token_id)
		SELECT $1, $2, $3, o, e, i, ARRAY(SELECT jsonb_array_elements_text(f::jsonb)), $8 FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) AS t(o, e, i, f)`,
		actorID, actor, diming.RequestIDFrom(ctx), owners, entities, ids, fields, tokenID)
	return translate("data.LogAccess", err)
}

// AccessEntry is one row of the access log as read back.
type AccessEntry struct {
	ID        int64    `json:"id"`
	At        string   `json:"at"`
	Actor     string   `json:"actor"`
	TokenID   *int64   `json:"token_id,omitempty"`
	RequestID string   `json:"request_id,omitempty"`
	Owner     string   `json:"owner"`
	Entity    string   `json:"entity"`
	EntityID  string   `json:"entity_id"`
	Fields    []string `json:"fields"`
}

// AccessFilter selects rows of one owner's access log: read between the
// dates From and To (YYYY-MM-DD, Beijing time, both inclusive; "" open),
// by Actor (a username), of Entity (and EntityID); a page of up to Limit
// rows after id After, oldest first, or with Desc before id Before
// (0: the newest), newest first.
type AccessFilter struct {
	Owner            string
	From, To         string
	Actor            string
	Entity, EntityID string
	After, Before    int64
	Desc             bool
	Limit            int
}

const accessLogSQL = `SELECT id, to_char(at AT TIME ZONE 'UTC','YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor, token_id, request_id,
	owner, entity, entity_id, fields FROM access_log
	WHERE owner = $1 AND ($2 = '' OR at >= $2::date::timestamp AT TIME ZONE 'Asia/Shanghai')
	  AND ($3 = '' OR at < ($3::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
	  AND ($4 = '' OR actor = $4) AND ($5 = '' OR entity = $5) AND ($6 = '' OR entity_id = $6)
	  AND id > $7 AND ($8 = 0 OR id < $8)`

// FindAccessLog returns the rows of the access log f selects.
func (db *DB) FindAccessLog(ctx context.Context, f AccessFilter) ([]AccessEntry, error) {
	order := ` ORDER BY id LIMIT $9`
	if f.Desc {
		order = ` ORDER BY id DESC LIMIT $9`
	}
	rows, err := db.Pool.Query(ctx, accessLogSQL+order, f.Owner, f.From, f.To, f.Actor, f.Entity, f.EntityID, f.After, f.Before, f.Limit)
	return collect("data.FindAccessLog", rows, err, func(r pgx.Row) (AccessEntry, error) {
		var e AccessEntry
		return e, r.Scan(&e.ID, &e.At, &e.Actor, &e.TokenID, &e.RequestID, &e.Owner, &e.Entity, &e.EntityID, &e.Fields)
	})
}

// AddressHit is an address found by its text.
type AddressHit struct {
	Code         string `json:"code"`
	FullText     string `json:"full_text"`
	DivisionCode string `json:"division_code"`
	Lifecycle    string `json:"lifecycle"`
}

// SearchAddresses finds up to limit addresses within a division whose
// full text contains q, current ones first.
func (db *DB) SearchAddresses(ctx context.Context, q, within string, limit int) ([]AddressHit, error) {
	prefix := diming.CodePrefix(within)
	rows, err := db.Pool.Query(ctx, `SELECT code, full_text, division_code, lifecycle FROM addresses
		WHERE ($2 = '' OR (division_code >= $2 AND division_code < $2 || '~')) AND strpos(full_text, $1) > 0
		ORDER BY lifecycle <> 'current', full_text, id LIMIT $3`, q, prefix, limit)
	return collect("data.SearchAddresses", rows, err, func(r pgx.Row) (AddressHit, error) {
		var h AddressHit
		return h, r.Scan(&h.Code, &h.FullText, &h.DivisionCode, &h.Lifecycle)
	})
}

// FindAddressByCode returns an address by its code, or NotFound.
func (db *DB) FindAddressByCode(ctx context.Context, code string) (AddressHit, error) {
	var h AddressHit
	err := db.Pool.QueryRow(ctx, `SELECT code, full_text, division_code, lifecycle FROM addresses WHERE code = $1`, code).
		Scan(&h.Code, &h.FullText, &h.DivisionCode, &h.Lifecycle)
	return h, translate("data.FindAddressByCode", err)
}
