package web

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/diming/diming"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/ogc"
	"github.com/diming/diming/sharing"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
)

// Every JSON answer passes through gradedJSON (echo's JSONSerializer, so
// every c.JSON does): the answer's records are found by their Go type
// (answerEntities), and each field is shown, masked or shown as a phone
// number by sharing.Decide, the one rule. Handlers pick no fields by
// grade themselves. Reads of sensitive-grade fields are logged once per
// answer, before it is written: nothing sensitive is shown unless its read
// is logged.

// HeaderGrade names the grade an answer was cut to: the caller's grade in
// their own scope (records outside it are cut to public).
const HeaderGrade = "X-Data-Grade"

// envelope is the entity of an answer's own fields that are not records
// (counts, cursors, notes) and of maps built in handlers.
const envelope = "answer"

type gradedJSON struct {
	logger *slog.Logger
	policy doorplate.PhonePolicy
	log    func(context.Context, []sharing.Read) error
}

// Serialize writes i graded for the caller. Error answers (status 400 and
// above) carry no records and are written as they are.
func (g gradedJSON) Serialize(c echo.Context, i any, indent string) error {
	u := currentUser(c)
	if c.Response().Status < 400 && wholePublic(reflect.ValueOf(i), envelope, true) {
		c.Response().Header().Set(HeaderGrade, string(callerGrade(u)))
		return echo.DefaultJSONSerializer{}.Serialize(c, i, indent)
	}
	raw, err := json.Marshal(i)
	if err != nil {
		return err
	}
	if c.Response().Status < 400 {
		gr := &grader{u: u, policy: g.policy}
		if u != nil {
			gr.scope = u.Scope // records that name no division: the caller's own
		}
		if raw, err = gr.grade(i, raw); err != nil {
			return err
		}
		if len(gr.ungraded) > 0 {
			g.logger.Warn("ungraded field", "route", c.Path(), "fields", gr.ungraded)
		}
		if len(gr.reads) > 0 && g.log != nil {
			if err := g.log(c.Request().Context(), gr.reads); err != nil {
				return err
			}
		}
		c.Response().Header().Set(HeaderGrade, string(callerGrade(u)))
	}
	if indent != "" {
		var b bytes.Buffer
		if err := json.Indent(&b, raw, "", indent); err == nil {
			raw = b.Bytes()
		}
	}
	_, err = c.Response().Write(append(raw, '\n'))
	return err
}

// Deserialize is echo's own.
func (gradedJSON) Deserialize(c echo.Context, i any) error {
	return echo.DefaultJSONSerializer{}.Deserialize(c, i)
}

// callerGrade is u's grade in u's own scope (public for anonymous callers).
func callerGrade(u *diming.User) diming.Grade {
	if u == nil {
		return diming.GradePublic
	}
	return sharing.CallerGrade(u, u.Scope)
}

// grader grades one answer.
type grader struct {
	u        *diming.User
	scope    string
	policy   doorplate.PhonePolicy
	drop     bool // masked fields are left out (files), not starred
	changed  bool
	reads    []sharing.Read
	ungraded []string
}

// grade returns raw (i's JSON) as the caller may see it.
func (g *grader) grade(i any, raw []byte) ([]byte, error) {
	var tree any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	tree = g.walk(reflect.ValueOf(i), tree, envelope, g.scope, true)
	slices.Sort(g.ungraded)
	g.ungraded = slices.Compact(g.ungraded)
	if !g.changed {
		return raw, nil
	}
	return json.Marshal(tree)
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

func concrete(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// walk grades node, the JSON of v, as part of entity's record in division.
func (g *grader) walk(v reflect.Value, node any, entity, division string, top bool) any {
	v = concrete(v)
	if !v.IsValid() || node == nil || v.Type().Implements(marshalerType) || reflect.PointerTo(v.Type()).Implements(marshalerType) {
		return node
	}
	switch v.Kind() {
	case reflect.Struct:
		obj, ok := node.(map[string]any)
		if !ok {
			return node
		}
		ent, known := answerTypes()[v.Type()]
		if ent == document {
			return node
		}
		if !known {
			ent = "?" + v.Type().String()
		}
		if d, ok := obj[sharing.DivisionField(ent)].(string); ok && d != "" {
			division = d
		}
		fields := jsonFields(v.Type())
		g.object(obj, ent, division, func(name string) reflect.Value {
			idx, ok := fields[name]
			if !ok {
				return reflect.Value{}
			}
			f, err := v.FieldByIndexErr(idx)
			if err != nil {
				return reflect.Value{}
			}
			return f
		})
		return obj
	case reflect.Map:
		if answerTypes()[v.Type()] == document {
			return node
		}
		obj, ok := node.(map[string]any)
		if !ok || v.Type().Key().Kind() != reflect.String {
			return node
		}
		if !top && v.Type().Elem().Kind() != reflect.Interface && scalar(v.Type().Elem()) {
			return node // a map of values (counts per day) is one field's value
		}
		g.object(obj, entity, division, func(name string) reflect.Value {
			return v.MapIndex(reflect.ValueOf(name).Convert(v.Type().Key()))
		})
		return obj
	case reflect.Slice, reflect.Array:
		arr, ok := node.([]any)
		if !ok {
			return node
		}
		for i := range arr {
			if i < v.Len() {
				arr[i] = g.walk(v.Index(i), arr[i], entity, division, false)
			}
		}
	}
	return node
}

// object grades the fields of one JSON object of entity.
func (g *grader) object(obj map[string]any, entity, division string, field func(string) reflect.Value) {
	var sensitive []string
	var masked map[string]any
	for name, child := range obj {
		fv := concrete(field(name))
		if strings.HasSuffix(name, "_kind") && isPhone(entity, strings.TrimSuffix(name, "_kind")) {
			continue // a phone field's kind goes with it
		}
		entry, registered := sharing.Registered(entity, name)
		if !registered {
			if container(fv) {
				obj[name] = g.walk(fv, child, entity, division, false)
				continue
			}
			g.ungraded = append(g.ungraded, entity+"."+name)
		}
		if entry.Rule != "" {
			continue // masked field by field by its own rule (sharing.Mask, MaskSnapshot)
		}
		d, sens := sharing.Decide(g.u, entity, name, division)
		switch d {
		case sharing.FieldMasked:
			if masked == nil {
				masked = map[string]any{}
			}
			masked[name] = child
			switch {
			case g.drop:
				delete(obj, name)
			case !empty(child):
				obj[name], g.changed = maskedValue(child), true
			}
			continue
		case sharing.FieldPhone:
			if num, ok := child.(string); ok && num != "" {
				kind, _ := obj[name+"_kind"].(string)
				if shown := doorplate.ShowPhone(num, doorplate.PhoneKind(kind), g.policy).Display; shown != num {
					obj[name], g.changed = shown, true
				}
			}
			continue
		}
		if sens && !empty(child) && !(entry.Phone && obj[name+"_kind"] == string(doorplate.PhoneWork)) {
			sensitive = append(sensitive, name)
		}
		if registered && container(fv) && holdsRecords(fv.Type()) {
			obj[name] = g.walk(fv, child, entity, division, false)
		}
	}
	if len(masked) > 0 {
		sharing.Derive(entity, obj, masked)
	}
	if len(sensitive) > 0 {
		slices.Sort(sensitive)
		g.reads = append(g.reads, sharing.Read{Entity: entity, EntityID: recordID(obj), Fields: sensitive})
	}
}

func isPhone(entity, field string) bool {
	f, ok := sharing.Registered(entity, field)
	return ok && f.Phone
}

func recordID(obj map[string]any) string {
	for _, k := range []string{"id", "code", "public_id"} {
		switch x := obj[k].(type) {
		case string:
			return x
		case json.Number:
			return x.String()
		}
	}
	return ""
}

func maskedValue(v any) any {
	if _, ok := v.(string); ok {
		return sharing.Masked
	}
	return nil
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// container reports whether v's JSON is an object or array that may hold
// records (not a value type with its own MarshalJSON).
func container(v reflect.Value) bool {
	return v.IsValid() && !scalar(v.Type())
}

func scalar(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map, reflect.Interface:
		return false
	case reflect.Slice, reflect.Array:
		return t.Elem().Kind() != reflect.Interface && scalar(t.Elem())
	}
	return true
}

// holdsRecords reports whether values of t contain registered answer
// types: a registered field's value is otherwise shown whole (a position,
// a bounding box).
func holdsRecords(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() == reflect.Interface {
		return true
	}
	_, ok := answerTypes()[t]
	return ok
}

var fieldCache sync.Map // reflect.Type → map[string][]int

// jsonFields maps a struct's JSON names to its fields, embedded structs
// flattened as encoding/json does (without its conflict rules).
func jsonFields(t reflect.Type) map[string][]int {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string][]int)
	}
	m := map[string][]int{}
	var add func(t reflect.Type, prefix []int)
	add = func(t reflect.Type, prefix []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			idx := append(slices.Clone(prefix), i)
			tag := f.Tag.Get("json")
			name, _, _ := strings.Cut(tag, ",")
			if tag == "-" {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
				add(ft, idx)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := m[name]; !dup || len(idx) < len(m[name]) {
				m[name] = idx
			}
		}
	}
	add(t, nil)
	fieldCache.Store(t, m)
	return m
}

// recordGrader grades the records a file writer produces (exports, OGC
// features), field by field, by the same rule as JSON answers.
type recordGrader struct {
	g   *grader
	cfg gradedJSON
}

// exportGrader returns the grader of c's caller.
func exportGrader(c echo.Context) *recordGrader {
	cfg, _ := c.Echo().JSONSerializer.(gradedJSON)
	u := currentUser(c)
	g := &grader{u: u, policy: cfg.policy, drop: true}
	if u != nil {
		g.scope = u.Scope
	}
	return &recordGrader{g: g, cfg: cfg}
}

// record grades one record of entity given as its properties.
func (r *recordGrader) record(entity string, props map[string]any) {
	division := r.g.scope
	if d, ok := props[sharing.DivisionField(entity)].(string); ok && d != "" {
		division = d
	}
	r.g.object(props, entity, division, func(name string) reflect.Value { return reflect.ValueOf(props[name]) })
}

// done logs the sensitive reads once and names the grade in the answer;
// call it before writing.
func (r *recordGrader) done(c echo.Context) error {
	if len(r.g.ungraded) > 0 && r.cfg.logger != nil {
		slices.Sort(r.g.ungraded)
		r.cfg.logger.Warn("ungraded field", "route", c.Path(), "fields", slices.Compact(r.g.ungraded))
	}
	if len(r.g.reads) > 0 && r.cfg.log != nil {
		if err := r.cfg.log(c.Request().Context(), r.g.reads); err != nil {
			return err
		}
	}
	r.g.reads, r.g.ungraded = nil, nil
	c.Response().Header().Set(HeaderGrade, string(callerGrade(r.g.u)))
	return nil
}

// gradedCollection is an OGC API collection as c's caller may see it: the
// properties sharing.Decide shows (staff collections, limited to the
// caller's scope, at the caller's grade; public ones at public grade).
// Features are written row by row in SQL, so sensitive properties, whose
// every read is logged, are not served here, and a personal number is
// never a property.
func gradedCollection(c echo.Context, col *ogc.Collection) *ogc.Collection {
	var u *diming.User
	scope := ""
	if col.Staff {
		if u = currentUser(c); u != nil {
			scope = u.Scope
		}
	}
	c.Response().Header().Set(HeaderGrade, string(callerGrade(u)))
	return col.Only(func(p ogc.Property) bool {
		d, sensitive := sharing.Decide(u, col.Entity, p.Name, scope)
		return d == sharing.FieldShown && !sensitive
	})
}

// publicScan is a scan result as the public grade allows (the scan page is
// the same for every caller and cached): each field the page shows is
// decided by sharing.Decide for an anonymous caller; numbers were already
// shown the scan page's way (doorplate.ShowPhone), and linked records cut
// by sharing.ScanText.
func publicScan(res doorplate.ScanResult) doorplate.ScanResult {
	if res.View == nil {
		return res
	}
	v := *res.View
	division := ""
	strs := []struct {
		entity, field string
		value         *string
	}{
		{"address", "code", &v.AddressCode}, {"address", "full_text", &v.FullText}, {"address", "pinyin", &v.Pinyin},
		{"address", "lifecycle", &v.Lifecycle},
		{"community", "community_name", &v.Community.Name}, {"community", "office_name", &v.Community.Office},
		{"community", "office_address", &v.Community.OfficeAddress}, {"community", "office_hours", &v.Community.OfficeHours},
	}
	for _, s := range strs {
		if d, _ := sharing.Decide(nil, s.entity, s.field, division); d == sharing.FieldMasked {
			*s.value = ""
		}
	}
	if d, _ := sharing.Decide(nil, "address", "position", division); d == sharing.FieldMasked {
		v.Position, v.GCJ02, v.BD09, v.Nav = orb.Point{}, orb.Point{}, orb.Point{}, nil
	}
	if d, _ := sharing.Decide(nil, "community", "service_phone", division); d == sharing.FieldMasked {
		v.Community.ServicePhone = doorplate.Phone{}
	}
	v.Grid = publicContact(v.Grid, "grid", "worker_name", "worker_role", "")
	v.Police = publicContact(v.Police, "community", "police_name", "", "police_unit")
	res.View = &v
	return res
}

// publicContact is a contact on the scan page as the public grade allows.
func publicContact(c *doorplate.ContactView, entity, name, role, unit string) *doorplate.ContactView {
	if c == nil {
		return nil
	}
	out := *c
	for _, f := range []struct {
		field string
		value *string
	}{{name, &out.Name}, {role, &out.Role}, {unit, &out.Unit}} {
		if f.field == "" {
			continue
		}
		if d, _ := sharing.Decide(nil, entity, f.field, ""); d == sharing.FieldMasked {
			*f.value = ""
		}
	}
	return &out
}

// wholePublic reports whether every field of the answer v is registered
// as public, with no phone number and no rule of its own: every caller
// then sees it whole and no sensitive read is logged, so Serialize writes
// it as encoded instead of walking it (the walk costs ten times the
// encoding). It follows walk's reading of an answer; where it cannot tell
// from the types alone (a map or an interface inside a record) it says
// false and the walk decides.
func wholePublic(v reflect.Value, entity string, top bool) bool {
	v = concrete(v)
	if !v.IsValid() {
		return true
	}
	t := v.Type()
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.Struct:
		return publicRecord(t)
	case reflect.Map:
		if answerTypes()[t] == document || t.Key().Kind() != reflect.String {
			return true
		}
		if !top && t.Elem().Kind() != reflect.Interface && scalar(t.Elem()) {
			return true
		}
		for it := v.MapRange(); it.Next(); {
			if !publicField(entity, it.Key().String(), concrete(it.Value()), nil) {
				return false
			}
		}
	case reflect.Slice, reflect.Array:
		if e := derefType(t.Elem()); e.Kind() == reflect.Struct {
			return publicRecord(e)
		}
		for i := range v.Len() {
			if !wholePublic(v.Index(i), entity, false) {
				return false
			}
		}
	}
	return true
}

// publicField is wholePublic for one field of entity: fv its value, or,
// for a record type's field, ft its type.
func publicField(entity, name string, fv reflect.Value, ft reflect.Type) bool {
	if ft == nil && fv.IsValid() {
		ft = fv.Type()
	}
	entry, registered := sharing.Registered(entity, name)
	switch {
	case !registered && (ft == nil || scalar(ft)):
		return false // ungraded: the walk masks it as internal and reports it
	case registered && (entry.Rule != "" || entry.Phone || entry.Grade != diming.GradePublic):
		return false
	case ft == nil || scalar(ft) || (registered && !holdsRecords(ft)):
		return true
	case fv.IsValid():
		return wholePublic(fv, entity, false)
	}
	return publicType(ft)
}

var publicCache sync.Map // reflect.Type → bool

// publicRecord is wholePublic for every value of a record type.
func publicRecord(t reflect.Type) bool {
	if v, ok := publicCache.Load(t); ok {
		return v.(bool)
	}
	ent, known := answerTypes()[t]
	ok := ent == document
	if known && !ok {
		ok = true
		for name, idx := range jsonFields(t) {
			if !publicField(ent, name, reflect.Value{}, t.FieldByIndex(idx).Type) {
				ok = false
				break
			}
		}
	}
	publicCache.Store(t, ok)
	return ok
}

// publicType is wholePublic for every value of a field's type.
func publicType(t reflect.Type) bool {
	t = derefType(t)
	switch {
	case t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType):
		return true
	case t.Kind() == reflect.Struct:
		return publicRecord(t)
	case t.Kind() == reflect.Map || t.Kind() == reflect.Interface:
		return false // known only from the values
	}
	return true
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	return t
}
