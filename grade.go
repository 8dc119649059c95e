package diming

// Grade is a data grade (数据分级): who may see a field or a record.
// Grades are ordered: public < internal < sensitive.
type Grade string

// The grades.
const (
	GradePublic    Grade = "public"    // anyone, the scan page included
	GradeInternal  Grade = "internal"  // signed-in staff of the bureau and departments
	GradeSensitive Grade = "sensitive" // named accounts only; every read is logged
)

// Grades lists the grades in order, for validation and documentation.
var Grades = []Grade{GradePublic, GradeInternal, GradeSensitive}

// Rank is the grade's place in the order; -1 for an unknown grade.
func (g Grade) Rank() int {
	for i, x := range Grades {
		if x == g {
			return i
		}
	}
	return -1
}

// Valid reports whether g is one of Grades.
func (g Grade) Valid() bool { return g.Rank() >= 0 }

// Allows reports whether a caller of grade g may see data of grade data.
// Unknown grades allow nothing and are allowed to no one.
func (g Grade) Allows(data Grade) bool { return g.Valid() && data.Valid() && data.Rank() <= g.Rank() }

// Min returns the lower of two grades.
func (g Grade) Min(o Grade) Grade {
	if o.Valid() && o.Rank() < g.Rank() {
		return o
	}
	return g
}

// Label is the grade as people read it.
func (g Grade) Label() string {
	switch g {
	case GradePublic:
		return "公开"
	case GradeInternal:
		return "内部"
	case GradeSensitive:
		return "敏感"
	}
	return string(g)
}
