// Package ogc is OGC API – Features (Part 1 Core, Part 2 CRS by reference
// and the basic CQL2 text filter of Part 3) over diming's collections: the
// registry of what is served, the typed query a request is parsed into,
// and the CQL2 parser. It knows no HTTP framework and no database driver:
// web renders, data runs the SQL the registry names.
package ogc

// Type is a property's type as the OpenAPI schema and the queryables show
// it, and as filter values are checked against.
type Type string

const (
	String  Type = "string"
	Integer Type = "integer"
	Number  Type = "number"
	Boolean Type = "boolean"
	Date    Type = "date"
)

// Property is one attribute of a collection's features.
type Property struct {
	Name  string
	Title string
	Type  Type
	// SQL is a trusted expression over the collection's FROM clause.
	SQL string
	// AtSQL, when set, replaces SQL for a query with a datetime; "@at"
	// in it stands for the instant asked about (the end of an interval).
	AtSQL string
}

// Validity names the columns of a collection's validity interval
// [From, To): a row is valid on day d when From <= d < To (NULL ends are
// open).
type Validity struct{ From, To string }

// Collection is one entry of the registry: every identifier and predicate
// here is written in code, never taken from a request.
type Collection struct {
	ID, Title, Description string
	// From is the FROM clause; the main table is aliased t.
	From string
	// Geom is the geometry expression (SRID 4490), GeomType its type.
	Geom, GeomType string
	// Key is the unique key features are ordered and paged by (keyset
	// paging: the next page starts after the last key); KeyInt marks an
	// integer key.
	Key    string
	KeyInt bool
	Props  []Property
	// Where always applies (e.g. only published markers); Current applies
	// when no datetime is asked (only rows valid today).
	Where, Current string
	// Valid is the validity interval datetime selects on; nil for
	// collections without one (datetime is then refused).
	Valid *Validity
	// Within is a predicate selecting the rows of a division; "@prefix"
	// stands for the division's code prefix (diming.CodePrefix).
	Within string
	// Staff collections need a signed-in caller and are limited to the
	// caller's scope.
	Staff bool
	// Entity is the kind of record the features are in the registry of
	// data grades (sharing): it grades each property by its name.
	Entity string
}

// Only returns a copy of c with the properties keep accepts (the ones a
// caller's grade allows).
func (c *Collection) Only(keep func(Property) bool) *Collection {
	out := *c
	out.Props = make([]Property, 0, len(c.Props))
	for _, p := range c.Props {
		if keep(p) {
			out.Props = append(out.Props, p)
		}
	}
	return &out
}

// Prop returns the named property.
func (c *Collection) Prop(name string) (Property, bool) {
	for _, p := range c.Props {
		if p.Name == name {
			return p, true
		}
	}
	return Property{}, false
}

// PropNames lists the property names, for messages.
func (c *Collection) PropNames() []string {
	out := make([]string, len(c.Props))
	for i, p := range c.Props {
		out[i] = p.Name
	}
	return out
}

// Registry returns the collections in the order the landing page lists
// them. Public collections first; staff ones last.
func Registry() []*Collection {
	out := []*Collection{}
	for lvl, l := range divisionLevels {
		out = append(out, divisions(lvl+1, l[0], l[1]))
	}
	return append(out, boundaryLines(), boundaryMarkers(), places(), heritage(), streets(), doorplates(),
		grids(), contacts(), drafts())
}

// Find returns the collection with id from reg.
func Find(reg []*Collection, id string) *Collection {
	for _, c := range reg {
		if c.ID == id {
			return c
		}
	}
	return nil
}

var divisionLevels = [][2]string{
	{"province", "省级行政区划"}, {"prefecture", "地级行政区划"}, {"county", "县级行政区划"},
	{"township", "乡级行政区划（乡、镇、街道）"}, {"village", "村级（村委会、居委会）"},
}

// divisionNameAt is a division's name on the day asked about, from the
// names history (division_names); the current name when none is recorded.
const divisionNameAt = `coalesce((SELECT n.name FROM division_names n WHERE n.code = t.code
  AND (n.valid_from IS NULL OR n.valid_from <= @at) AND (n.valid_to IS NULL OR n.valid_to > @at)
  ORDER BY n.valid_from DESC NULLS LAST LIMIT 1), t.name)`

func divisions(level int, id, title string) *Collection {
	return &Collection{
		ID: "divisions_" + id, Entity: "division", Title: title,
		Description: "行政区划（" + title + "）：代码、名称、类型、上级和有效期；带 datetime 时给出当日的名称",
		From:        "divisions t", Geom: "t.geom", GeomType: "MultiPolygon",
		Key: "t.code",
		Props: []Property{
			{Name: "code", Title: "区划代码", Type: String, SQL: "t.code"},
			{Name: "name", Title: "名称", Type: String, SQL: "t.name", AtSQL: divisionNameAt},
			{Name: "level", Title: "级别", Type: Integer, SQL: "t.level"},
			{Name: "kind", Title: "建制类型", Type: String, SQL: "t.kind"},
			{Name: "parent_code", Title: "上级代码", Type: String, SQL: "t.parent_code"},
			{Name: "urban_rural", Title: "城乡分类", Type: String, SQL: "t.urban_rural"},
			{Name: "valid_from", Title: "启用日期", Type: Date, SQL: "t.valid_from"},
			{Name: "valid_to", Title: "停用日期", Type: Date, SQL: "t.valid_to"},
		},
		Where:   "t.level = " + string(rune('0'+level)),
		Current: "t.valid_to IS NULL",
		Valid:   &Validity{From: "t.valid_from", To: "t.valid_to"},
		Within:  "starts_with(t.code, @prefix)",
	}
}

func boundaryLines() *Collection {
	return &Collection{
		ID: "boundary_lines", Entity: "boundary_line", Title: "行政区域界线",
		Description: "相邻行政区域之间的界线（含推导、勘定和联合管理的）",
		From:        "boundary_lines t", Geom: "t.geom", GeomType: "MultiLineString",
		Key: "t.id", KeyInt: true,
		Props: []Property{
			{Name: "number", Title: "界线编号", Type: String, SQL: "t.number"},
			{Name: "name", Title: "名称", Type: String, SQL: "t.name"},
			{Name: "left_code", Title: "一侧区划代码", Type: String, SQL: "t.left_code"},
			{Name: "right_code", Title: "另一侧区划代码", Type: String, SQL: "t.right_code"},
			{Name: "level", Title: "级别", Type: Integer, SQL: "t.level"},
			{Name: "length_m", Title: "长度（米）", Type: Number, SQL: "round(t.length_m::numeric, 1)"},
			{Name: "status", Title: "状态", Type: String, SQL: "t.status"},
			{Name: "source", Title: "来源", Type: String, SQL: "t.source"},
			{Name: "established_on", Title: "确定日期", Type: Date, SQL: "t.established_on"},
		},
		Current: "t.valid_to IS NULL",
		Valid:   &Validity{From: "t.established_on", To: "t.valid_to"},
		Within:  "(starts_with(t.left_code, @prefix) OR starts_with(t.right_code, @prefix))",
	}
}

// boundaryMarkers serves only the markers the publication rule
// (boundary_markers.public, migration 006) makes public.
func boundaryMarkers() *Collection {
	return &Collection{
		ID: "boundary_markers", Entity: "boundary_marker", Title: "界桩（公开）",
		Description: "已公开的界桩；未公开的界桩不在此列",
		From:        "boundary_markers t JOIN boundary_lines l ON l.id = t.line_id", Geom: "t.geom", GeomType: "Point",
		Key: "t.id", KeyInt: true,
		Props: []Property{
			{Name: "number", Title: "界桩编号", Type: String, SQL: "t.number"},
			{Name: "line_number", Title: "界线编号", Type: String, SQL: "l.number"},
			{Name: "line_name", Title: "界线名称", Type: String, SQL: "l.name"},
			{Name: "type", Title: "类型", Type: String, SQL: "t.type"},
			{Name: "side_code", Title: "所在区划", Type: String, SQL: "t.side_code"},
			{Name: "form", Title: "形式", Type: String, SQL: "t.form"},
			{Name: "material", Title: "材质", Type: String, SQL: "t.material"},
			{Name: "status", Title: "状态", Type: String, SQL: "t.status"},
		},
		Where:  "t.public",
		Within: "(starts_with(l.left_code, @prefix) OR starts_with(l.right_code, @prefix))",
	}
}

func places() *Collection {
	return &Collection{
		ID: "places", Entity: "place", Title: "标准地名",
		Description: "标准地名（含行政区划名称）；带 datetime 时给出当日有效的名称，含已成为历史的",
		From:        "places t", Geom: "t.geom", GeomType: "Geometry",
		Key: "t.id", KeyInt: true,
		Props: []Property{
			{Name: "place_code", Title: "地名代码", Type: String, SQL: "t.place_code"},
			{Name: "name", Title: "标准名称", Type: String, SQL: "t.name"},
			{Name: "romanization", Title: "罗马字母拼写", Type: String, SQL: "t.romanization"},
			{Name: "category", Title: "类别", Type: Integer, SQL: "t.category"},
			{Name: "subcategory", Title: "小类", Type: String, SQL: "t.subcategory"},
			{Name: "division_code", Title: "所属区划", Type: String, SQL: "t.division_code"},
			{Name: "status", Title: "状态", Type: String, SQL: "t.status"},
			{Name: "approved_on", Title: "批准时间", Type: Date, SQL: "t.approved_on"},
			{Name: "valid_from", Title: "启用日期", Type: Date, SQL: "t.valid_from"},
			{Name: "valid_to", Title: "停用日期", Type: Date, SQL: "t.valid_to"},
		},
		Current: "t.status = 'current'",
		Valid:   &Validity{From: "t.valid_from", To: "t.valid_to"},
		Within:  "starts_with(t.division_code, @prefix)",
	}
}

func heritage() *Collection {
	return &Collection{
		ID: "heritage", Entity: "heritage", Title: "地名文化遗产",
		Description: "地名文化遗产保护名录的条目；位置取其标准地名",
		From:        "heritage_entries t LEFT JOIN places p ON p.id = t.place_id", Geom: "p.geom", GeomType: "Geometry",
		Key: "t.id", KeyInt: true,
		Props: []Property{
			{Name: "name", Title: "名称", Type: String, SQL: "t.name"},
			{Name: "list_name", Title: "名录", Type: String, SQL: "t.list_name"},
			{Name: "category", Title: "类别", Type: String, SQL: "t.category"},
			{Name: "level", Title: "级别", Type: String, SQL: "t.level"},
			{Name: "batch", Title: "批次", Type: Integer, SQL: "t.batch"},
			{Name: "announced", Title: "公布日期", Type: Date, SQL: "t.announced"},
			{Name: "province", Title: "省", Type: String, SQL: "t.province"},
			{Name: "city", Title: "市", Type: String, SQL: "t.city"},
			{Name: "county", Title: "县", Type: String, SQL: "t.county"},
			{Name: "division_code", Title: "区划代码", Type: String, SQL: "t.division_code"},
			{Name: "place_id", Title: "标准地名", Type: Integer, SQL: "t.place_id"},
		},
		Within: "starts_with(coalesce(t.division_code, ''), @prefix)",
	}
}

func streets() *Collection {
	return &Collection{
		ID: "streets", Entity: "street", Title: "街路巷",
		Description: "门牌所在的街、路、巷，线的方向为编号方向",
		From:        "streets t", Geom: "t.geom", GeomType: "LineString",
		Key: "t.id", KeyInt: true,
		Props: []Property{
			{Name: "name", Title: "名称", Type: String, SQL: "t.name"},
			{Name: "pinyin", Title: "拼音", Type: String, SQL: "t.pinyin"},
			{Name: "division_code", Title: "所属区划", Type: String, SQL: "t.division_code"},
			{Name: "orientation", Title: "走向", Type: String, SQL: "t.orientation"},
			{Name: "valid_from", Title: "启用日期", Type: Date, SQL: "t.valid_from"},
			{Name: "valid_to", Title: "停用日期", Type: Date, SQL: "t.valid_to"},
		},
		Current: "t.valid_to IS NULL",
		Valid:   &Validity{From: "t.valid_from", To: "t.valid_to"},
		Within:  "starts_with(t.division_code, @prefix)",
	}
}

// doorplates has only what the plate itself shows on the wall: the
// standard address and its position, never the plate's signed code or
// anything about residents.
func doorplates() *Collection {
	return &Collection{
		ID: "doorplates", Entity: "doorplate", Title: "门牌（标准地址）",
		Description: "在用门牌的标准地址与位置（出入口）；只含门牌上公开的内容",
		From:        "plates t JOIN addresses a ON a.id = t.address_id", Geom: "a.position", GeomType: "Point",
		Key: "t.id", KeyInt: true,
		Props: []Property{
			{Name: "address_code", Title: "地址代码", Type: String, SQL: "a.code"},
			{Name: "full_text", Title: "标准地址", Type: String, SQL: "a.full_text"},
			{Name: "pinyin", Title: "拼音", Type: String, SQL: "a.pinyin"},
			{Name: "door_number", Title: "门牌号", Type: Integer, SQL: "a.door_number"},
			{Name: "door_suffix", Title: "附号", Type: String, SQL: "a.door_suffix"},
			{Name: "building", Title: "楼号", Type: String, SQL: "a.building"},
			{Name: "division_code", Title: "所属区划", Type: String, SQL: "a.division_code"},
			{Name: "street_id", Title: "街路巷", Type: Integer, SQL: "a.street_id"},
			{Name: "issued_on", Title: "发牌日期", Type: Date, SQL: "t.issued_at::date"},
		},
		Current: "t.status = 'active'",
		Valid:   &Validity{From: "t.issued_at::date", To: "t.retired_at::date"},
		Within:  "starts_with(a.division_code, @prefix)",
	}
}

// Staff collections. Personal phone numbers are not in them: the scan
// page is where doorplate.PhonesVisible decides who sees them.

func grids() *Collection {
	return &Collection{
		ID: "grids", Entity: "grid", Title: "社区网格（工作人员）", Staff: true,
		Description: "社区网格与网格员、网格民警（不含电话）；需登录，限本人管辖范围",
		From:        "grids t", Geom: "t.geom", GeomType: "MultiPolygon",
		Key: "t.id", KeyInt: true,
		Props: []Property{
			{Name: "name", Title: "网格名称", Type: String, SQL: "t.name"},
			{Name: "community_code", Title: "社区代码", Type: String, SQL: "t.community_code"},
			{Name: "worker_name", Title: "网格员", Type: String, SQL: "t.worker_name"},
			{Name: "worker_role", Title: "职务", Type: String, SQL: "t.worker_role"},
			{Name: "police_name", Title: "网格民警", Type: String, SQL: "t.police_name"},
		},
		Current: "t.valid_to IS NULL",
		Within:  "starts_with(t.community_code, @prefix)",
	}
}

func contacts() *Collection {
	return &Collection{
		ID: "contacts", Entity: "community", Title: "社区联系信息（工作人员）", Staff: true,
		Description: "村（社区）办公地点、办公时间、服务电话和社区民警（不含个人电话）；需登录，限本人管辖范围",
		From:        "community_info t JOIN divisions d ON d.code = t.community_code", Geom: "NULL::geometry", GeomType: "Geometry",
		Key: "t.community_code",
		Props: []Property{
			{Name: "community_code", Title: "社区代码", Type: String, SQL: "t.community_code"},
			{Name: "community_name", Title: "社区名称", Type: String, SQL: "d.name"},
			{Name: "office_name", Title: "办公地点", Type: String, SQL: "t.office_name"},
			{Name: "office_address", Title: "办公地址", Type: String, SQL: "t.office_address"},
			{Name: "office_hours", Title: "办公时间", Type: String, SQL: "t.office_hours"},
			{Name: "service_phone", Title: "服务电话", Type: String, SQL: "t.service_phone"},
			{Name: "police_name", Title: "社区民警", Type: String, SQL: "t.police_name"},
			{Name: "police_unit", Title: "所属派出所", Type: String, SQL: "t.police_unit"},
		},
		Within: "starts_with(t.community_code, @prefix)",
	}
}

func drafts() *Collection {
	return &Collection{
		ID: "drafts", Entity: "naming_application", Title: "命名更名申请（工作人员）", Staff: true,
		Description: "办理中的地名命名、更名申请；需登录，限本人管辖范围",
		From:        "naming_applications t", Geom: "t.geom", GeomType: "Geometry",
		Key: "t.id", KeyInt: true,
		Props: []Property{
			{Name: "name", Title: "拟用名称", Type: String, SQL: "t.name"},
			{Name: "category", Title: "类别", Type: Integer, SQL: "t.category"},
			{Name: "division_code", Title: "所属区划", Type: String, SQL: "t.division_code"},
			{Name: "state", Title: "办理状态", Type: String, SQL: "t.state"},
			{Name: "rename_of", Title: "更名对象", Type: Integer, SQL: "t.rename_of"},
			{Name: "created_on", Title: "申请日期", Type: Date, SQL: "t.created_at::date"},
		},
		Where:  "t.state NOT IN ('approved', 'denied', 'not_accepted', 'filed', 'announced')",
		Within: "starts_with(t.division_code, @prefix)",
	}
}
