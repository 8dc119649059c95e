package web

import (
	"reflect"
	"sync"

	"github.com/diming/diming/data"
	"github.com/diming/diming/sharing"
)

// document is the entity of answers that describe the service rather than
// hold its records (tile layers, OGC API documents): written as they are.
const document = "-"

// answerTypes is which entity of the registry (sharing/grades.go) each
// answer type is. A struct type not listed here has its fields graded as
// internal and is reported ("ungraded field"; the route test fails).
var answerTypes = sync.OnceValue(func() map[reflect.Type]string {
	m := map[reflect.Type]string{}
	add := func(entity string, vs ...any) {
		for _, v := range vs {
			m[reflect.TypeOf(v)] = entity
		}
	}
	add("division", divisionDTO{})
	add("division_name", nameRecordDTO{})
	add("division_succession", successionDTO{})
	add("place", placeDTO{})
	add("place_hit", hitDTO{})
	add("place_ref", placeRefDTO{})
	add("place_old_name", oldNameDTO{})
	add("place_locus", locusDTO{})
	add("place_chain", chainLinkDTO{})
	add("place_heritage", heritageDTO{})
	add("heritage", heritageEntryDTO{})
	add("heritage_batch", heritageBatchDTO{})
	add("street", streetDTO{})
	add("address", addressDTO{})
	add("plate", plateDTO{})
	add("grid", gridDTO{})
	add("community", communityDTO{})
	add("boundary_line", lineDTO{})
	add("boundary_marker", markerDTO{})
	add("inspection", inspectionDTO{})
	add("inspection_check", checkDTO{})
	add("naming_application", applicationDTO{})
	add("naming_report", reportDTO{})
	add("naming_report_file", reportFileDTO{})
	add("naming_event", eventDTO{})
	add("naming_finding", findingDTO{})
	add("naming_clash", clashDTO{})
	add("naming_word", wordDTO{})
	add("announcement", announcementDTO{})
	add("duplicate_group", duplicateGroupDTO{})
	add("duplicate_report", duplicateReportDTO{})
	add("reading", readingDTO{})
	add("geometry_issue", geometryIssuesDTO{})
	add("user", userDTO{})
	add("session", sessionResponse{})
	add("api_token", tokenDTO{})
	add("audit_trail", auditTrailDTO{})
	add("audit_entry", auditEntryDTO{})
	add("linked_record", sharing.View{})
	add("department", sharing.Department{})
	add("link_kind", sharing.Kind{})
	add("link_kind_field", sharing.KindField{})
	add("access_entry", data.AccessEntry{})
	add("change", sharing.Change{})
	add("grade", gradeDTO{}, sharing.FieldGrade{})
	add(envelope, changesDTO{})
	add(document, tileJSON{}, errorBody{}, ogcDoc{})
	return m
})

// ogcDoc is an OGC API document (landing page, conformance, collection
// descriptions, queryables): it describes collections, holds no records.
type ogcDoc map[string]any
