package sharing

import "github.com/diming/diming"

// The grades, short, for the table below.
const (
	pub  = diming.GradePublic
	intl = diming.GradeInternal
	sens = diming.GradeSensitive
)

// fields grades names of entity alike.
func fields(entity string, g diming.Grade, note string, names ...string) []FieldGrade {
	out := make([]FieldGrade, len(names))
	for i, n := range names {
		out[i] = FieldGrade{Entity: entity, Field: n, Grade: g, Note: note}
	}
	return out
}

// registry is every graded field of every record an answer shows (API,
// OGC API, exports, scan page, change feed, audit trail), by the name the
// answer gives it (snapshots' Go names, DivisionCode, are the same field
// as division_code). A field of a listed entity that is not listed falls
// back on the entity's "*" entry, else internal: new fields stay out of
// public answers until someone grades them, and web's route test fails on
// them.
var registry = concat(
	// Divisions and standard names are published by law (公告).
	[]FieldGrade{{Entity: "division", Field: "*", Grade: pub, Note: "行政区划代码、名称、层级、驻地均为公开信息"}},
	fields("division", pub, "", "code", "name", "level", "level_name", "kind", "parent_code", "urban_rural", "valid_from", "valid_to",
		"has_geometry", "geometry_derived", "generated", "version"),
	fields("division_name", pub, "区划名称沿革", "name", "from", "to", "source"),
	fields("division_succession", pub, "区划代码的承继", "code", "name", "year", "kind"),
	[]FieldGrade{{Entity: "place", Field: "*", Grade: pub, Note: "标准地名经公告公开"},
		{Entity: "place", Field: "reasons", Grade: intl, Note: "命名理由（申请材料）"}},
	fields("place", pub, "", "id", "place_code", "name", "specific", "generic", "romanization", "romanization_toned", "readings", "unread",
		"category", "category_name", "subcategory", "division_code", "source_division", "status", "point", "bbox", "geometry",
		"meaning", "origin", "history", "description", "approved_on", "approved_by", "approval_doc", "valid_from", "valid_to",
		"supersedes", "superseded_by", "generated", "version"),
	fields("place_hit", pub, "地名检索结果", "id", "name", "romanization", "category", "category_name", "division_code", "status",
		"point", "bbox", "distance_m", "match"),
	fields("place_ref", pub, "", "id", "name", "romanization", "category", "division_code", "status"),
	fields("place_chain", pub, "所属区划链", "code", "name", "level"),
	fields("place_locus", pub, "", "point", "bbox"),
	fields("place_old_name", pub, "曾用名", "code", "name", "valid_to"),
	fields("place_heritage", pub, "", "list_name", "category", "level", "batch", "announced", "shortlist", "protection_measures", "source_url"),
	fields("heritage", pub, "地名文化遗产保护名录为公开名录", "id", "name", "list_name", "category", "level", "level_name", "batch", "announced",
		"issuer", "shortlist", "criteria", "province", "city", "county", "division_code", "place_id", "protection_measures",
		"source_url", "map_url", "completeness"),
	fields("heritage_batch", pub, "", "list_name", "level", "level_name", "batch", "announced", "issuer", "shortlist", "count", "categories"),
	fields("announcement", pub, "命名公告", "id", "title", "name", "old_name", "romanization", "division_code", "division_name",
		"location", "place_id", "approving_body", "approved_on", "approval_doc", "published_at"),
	fields("reading", pub, "多音字读音", "word", "pinyin", "source"),
	fields("street", pub, "街路巷名称与走向", "id", "name", "pinyin", "division_code", "place_id", "orientation", "line",
		"valid_from", "valid_to", "generated", "version"),
	// Addresses: the text, code and position are on the plate itself;
	// floor and room say which household (DOMAIN.md §4 rule 30).
	fields("address", pub, "门牌上公开的内容", "id", "code", "division_code", "street_id", "area_name", "door_number", "door_suffix",
		"building", "unit", "full_text", "pinyin", "position", "position_source", "status", "lifecycle", "valid_from", "valid_to",
		"generated", "version", "warnings"),
	[]FieldGrade{{Entity: "address", Field: "code", Grade: pub, Note: "标准地址编码（一址一码）"}},
	fields("address", intl, "楼层与户室号指向住户，只在内部使用", "floor", "room"),
	fields("address", intl, "出入口点位（门牌管理）", "entrances"),
	fields("doorplate", pub, "OGC API 门牌要素：只含门牌上公开的内容", "address_code", "full_text", "pinyin", "door_number", "door_suffix",
		"building", "division_code", "street_id", "issued_on"),
	// Plates: what the plate shows on the wall; batches and reasons are
	// work data.
	[]FieldGrade{{Entity: "plate", Field: "*", Grade: intl}},
	fields("plate", pub, "门牌上印出的内容", "public_id", "code", "url", "address_id", "full_text", "pinyin", "status", "replaced_by",
		"issued_at", "version"),
	fields("plate", intl, "制牌批次、注销与换牌原因是工作数据", "batch", "reason"),
	// Grids and community contacts: names and work phones are on the scan
	// page; personal numbers are sensitive (DOMAIN.md §4 rule 31).
	[]FieldGrade{{Entity: "grid", Field: "*", Grade: pub}},
	fields("grid", pub, "门牌页公开网格员姓名与职务", "id", "community_code", "name", "geom", "worker_name", "worker_role",
		"worker_phone_kind", "police_name", "police_phone_kind", "generated", "version"),
	[]FieldGrade{
		{Entity: "grid", Field: "worker_phone", Grade: sens, Phone: true, Note: "个人手机号按门牌页规则打码；工作电话公开"},
		{Entity: "grid", Field: "police_phone", Grade: sens, Phone: true, Note: "个人手机号按门牌页规则打码；工作电话公开"},
		{Entity: "community", Field: "*", Grade: pub},
		{Entity: "community", Field: "police_phone", Grade: sens, Phone: true, Note: "个人手机号按门牌页规则打码；工作电话公开"},
	},
	fields("community", pub, "村（社区）办公信息与服务电话", "community_code", "community_name", "office_name", "office_address",
		"office_hours", "service_phone", "police_name", "police_unit", "police_phone_kind", "version"),
	// Boundaries: lines are published; unpublished markers are left out
	// of public answers by the publication rule (boundary_markers.public).
	fields("boundary_line", pub, "行政区域界线", "id", "number", "name", "left_code", "left_name", "right_code", "right_name", "level",
		"length_m", "status", "source", "established_on", "valid_to", "geometry", "tolerance_m", "generated", "version",
		"feature_type", "markers", "last_inspected", "inspection_round", "inspection_signed"),
	fields("boundary_line", intl, "联检发现的问题（联检记录）", "inspection_findings"),
	fields("boundary_marker", pub, "已公开的界桩；未公开的不在公开答复中", "id", "line_id", "number", "seq", "type", "side_code", "form",
		"material", "status", "position", "description", "references", "published", "generated", "version",
		"feature_type", "name", "line_number", "line_name"),
	fields("boundary_marker", intl, "最近一次联检中该桩的检查结果", "last_check"),
	fields("inspection", intl, "联检记录", "id", "line_id", "round", "inspected_on", "findings", "remediation", "complete",
		"left_signed_by", "left_signed_at", "right_signed_by", "right_signed_at", "version"),
	fields("inspection_check", intl, "联检逐桩检查", "marker_id", "number", "status", "findings", "remediation"),
	// Naming applications are work in progress until announced.
	fields("naming_application", intl, "办理中的命名更名申请", "id", "name", "specific", "generic", "category", "subcategory",
		"division_code", "location", "size_nature", "reasons", "applicant", "state", "rename_of", "place_id", "overrides",
		"required_reports", "consultation_days", "consultation_ends", "approving_body", "approved_on", "approval_doc",
		"filing_due", "filed_on", "announcement_due", "announced_on", "protection_measures", "created_by", "created_on", "version"),
	fields("naming_report", intl, "申请材料", "id", "kind", "title", "body", "author", "at"),
	fields("naming_report_file", intl, "申请材料文件", "name", "content_type", "size", "sha256", "url"),
	fields("naming_event", intl, "办理记录", "at", "actor", "action", "from", "to", "note"),
	fields("naming_finding", pub, "命名规则检查结果", "rule", "severity", "message", "overridden"),
	fields("naming_clash", pub, "重名同音的标准地名", "id", "name", "romanization", "category", "division_code", "status", "rule", "geometry"),
	fields("naming_word", intl, "禁用词与提示词表", "id", "word", "list", "severity", "source", "note", "active", "version"),
	fields("duplicate_group", intl, "重名同音清理", "kind", "category", "scope", "prefixes", "sound", "source", "reason"),
	fields("duplicate_report", intl, "", "division", "names"),
	fields("geometry_issue", intl, "地址几何质量报告", "code", "name", "addresses_outside_division", "addresses_far_from_street",
		"places_without_geometry", "streets_without_geometry", "plates_without_address_point", "total"),
	// Accounts: who reads them is decided by role (admins, the account
	// itself), not by grade.
	fields("user", pub, "账号信息按角色授权读取（管理员、本人），不按等级打码", "id", "username", "display_name", "roles", "scope",
		"department", "grade", "disabled", "version"),
	fields("session", pub, "本人的会话", "csrf_token"),
	fields("api_token", pub, "令牌信息按角色授权读取（本人、管理员），从不含令牌本身", "id", "name", "user_id", "username",
		"created_at", "expires_at", "last_used_at", "revoked_at"),
	// Audit trail and change feed: snapshots are masked by their own
	// record's grades (MaskSnapshot).
	fields("audit_trail", pub, "", "entity", "entity_id"),
	fields("audit_entry", pub, "审计记录：何时、何种操作", "id", "at", "action"),
	fields("audit_entry", intl, "审计记录：操作人、请求与理由", "actor", "request_id", "reason"),
	[]FieldGrade{
		{Entity: "audit_entry", Field: "before", Grade: pub, Rule: "snapshot", Note: "按所记录对象的字段等级逐项打码"},
		{Entity: "audit_entry", Field: "after", Grade: pub, Rule: "snapshot", Note: "按所记录对象的字段等级逐项打码"},
		{Entity: "change", Field: "before", Grade: pub, Rule: "snapshot", Note: "按所记录对象的字段等级逐项打码"},
		{Entity: "change", Field: "after", Grade: pub, Rule: "snapshot", Note: "按所记录对象的字段等级逐项打码"},
	},
	fields("change", pub, "变更流", "cursor", "id", "at", "action", "entity", "entity_id", "division", "withheld"),
	fields("access_entry", intl, "敏感数据访问日志（数据所属部门可查）", "id", "at", "actor", "token_id", "request_id", "owner",
		"entity", "entity_id", "fields"),
	// Departments and their linked records: the record's own grade and its
	// kind's schema decide the payload (Mask); the envelope is graded here.
	fields("department", pub, "", "code", "name", "grade"),
	fields("link_kind", pub, "部门登记的数据类别及其字段等级", "department", "kind", "label", "grade", "fields", "version"),
	fields("link_kind_field", pub, "", "name", "label", "type", "values", "grade", "required"),
	[]FieldGrade{{Entity: "linked_record", Field: "*", Grade: pub}},
	fields("linked_record", pub, "挂接记录的外壳；记录本身的等级高于调用者时整条不出现", "id", "department", "department_name", "kind",
		"kind_label", "ref", "address_code", "division_code", "valid_from", "valid_to", "grade", "status", "masked_fields", "version"),
	[]FieldGrade{{Entity: "linked_record", Field: "payload", Grade: sens, Rule: "kind", Note: "按部门登记的字段等级逐项打码"}},
	fields("grade", pub, "本登记表", "grade", "label", "entity", "field", "phone", "rule", "note"),
	// The answer's own fields: counts, pages, cursors, notes.
	fields("answer", pub, "答复本身的计数、分页、游标与说明", "total", "limit", "offset", "next", "more", "within", "owner", "address_code",
		"public_id", "scans_per_day", "issued", "written", "note", "rule", "status", "schema_version", "applied", "available",
		"point", "crs", "cycle_years", "max_street_distance_m", "pairs", "created", "updated", "unchanged", "places_changed",
		"romanization", "romanization_toned", "specific", "generic", "ok", "name_at",
		"last_inspected", "due_since", "never_inspected",
		"id", "category", "subcategory", "scope", "source", "active", "version"),
	[]FieldGrade{{Entity: "answer", Field: "token", Grade: pub, Note: "调用者刚创建的令牌，只显示这一次"}},
)

func concat(parts ...[]FieldGrade) []FieldGrade {
	var out []FieldGrade
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
