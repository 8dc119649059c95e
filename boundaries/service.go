package boundaries

import (
	"context"
	"iter"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/paulmach/orb"
)

// Store is what the service needs from storage. Every write is audited by
// the store in the same transaction; every import runs in one transaction.
type Store interface {
	ImportDivisions(ctx context.Context, rows iter.Seq2[Division, error], rep *ImportReport) error
	ImportCodeHistory(ctx context.Context, recs iter.Seq2[CodeRecord, error], rep *ImportReport) error
	ImportPolygons(ctx context.Context, rows iter.Seq2[PolygonRow, error], opt PolygonOptions, rep *ImportReport) error
	FindDivision(ctx context.Context, code string) (DivisionDetail, error)
	FindDivisions(ctx context.Context, f DivisionFilter) ([]Division, error)
	FindDivisionHistory(ctx context.Context, code string) (History, error)
	FindDivisionsAt(ctx context.Context, p orb.Point) ([]Division, error)
	RenameDivision(ctx context.Context, code, name string, on time.Time, version int) (Division, error)
	RetireDivision(ctx context.Context, code string, on time.Time, successors []string, version int) (Division, error)
	FindGeometryIssues(ctx context.Context, prefix string, maxStreetM float64) ([]GeometryIssues, error)

	DeriveLines(ctx context.Context, opt DeriveOptions) (DeriveReport, error)
	ImportLines(ctx context.Context, rows iter.Seq2[LineRow, error], maxDistM float64, rep *ImportReport) error
	FindLine(ctx context.Context, id int64) (Line, error)
	FindLines(ctx context.Context, f LineFilter) ([]Line, error)
	CreateMarker(ctx context.Context, l Line, m NewMarker) (Marker, error)
	FindMarker(ctx context.Context, id int64) (Marker, error)
	FindMarkers(ctx context.Context, lineID int64) ([]Marker, error)
	UpdateMarker(ctx context.Context, id int64, up MarkerUpdate) (Marker, error)
	MoveMarker(ctx context.Context, id int64, mv Move) (Marker, error)
	CreateInspection(ctx context.Context, lineID int64, round int, n NewInspection) (Inspection, error)
	FindInspection(ctx context.Context, id int64) (Inspection, error)
	LatestInspection(ctx context.Context, lineID int64) (*Inspection, error)
	SignInspection(ctx context.Context, id int64, left bool, by string, version int) (Inspection, error)
	FindOverdueLines(ctx context.Context, within string, dueBefore time.Time) ([]OverdueLine, error)
}

// DivisionFilter narrows a division search.
type DivisionFilter struct {
	Query      string // name, or part of it; a code prefix when all digits
	Level      Level
	Within     string // division code the results lie inside
	AsOf       *time.Time
	IncludeOld bool // include retired codes
	Limit      int
}

// LineFilter narrows a line listing.
type LineFilter struct {
	Code  string // lines with this division on either side, or inside it
	Level Level
	Limit int
}

// Service holds the rules of divisions, boundary lines, markers and joint
// inspections.
type Service struct {
	store Store
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New returns a Service on store.
func New(store Store) *Service { return &Service{store: store, Now: time.Now} }

// ImportNBS imports the NBS five-level lists (files or a folder laid out
// like nbs-2023-divisions) in one transaction. It returns the report even
// when the import fails; then nothing was written.
func (s *Service) ImportNBS(ctx context.Context, paths []string, progress Progress) (*ImportReport, error) {
	start := time.Now()
	rep := &ImportReport{Kind: "nbs"}
	paths, err := ExpandNBSPaths(paths)
	if err != nil {
		return rep, err
	}
	rep.Sources = paths
	in, err := newInputs(paths, progress)
	if err != nil {
		return rep, err
	}
	err = s.store.ImportDivisions(ctx, readNBS(in, rep), rep)
	rep.Duration = time.Since(start)
	return rep, err
}

// ImportMCAHistory imports the MCA code history since 1981 with successor
// codes: names over time, retired codes and what replaced them.
func (s *Service) ImportMCAHistory(ctx context.Context, paths []string, progress Progress) (*ImportReport, error) {
	start := time.Now()
	rep := &ImportReport{Kind: "mca-history", Sources: paths}
	in, err := newInputs(paths, progress)
	if err != nil {
		return rep, err
	}
	err = s.store.ImportCodeHistory(ctx, readMCA(in, rep), rep)
	rep.Duration = time.Since(start)
	return rep, err
}

// PolygonOptions says how to read and check a polygon import.
type PolygonOptions struct {
	CRS CRS // the files' coordinate system
	// Moved lists the division codes the operator says really moved: their
	// polygons import even when far from the parent or previous polygon.
	Moved []string
}

// ImportPolygons imports division polygons from GeoJSON, converting to
// CGCS2000. Polygons carrying a retired code go to its one successor;
// names that disagree with the code's division, codes no division has,
// polygons far from their parent or previous polygon (unless in
// opt.Moved) are reported and not stored; invalid polygons are repaired.
// Invalid when no CRS is given or a moved code is malformed.
func (s *Service) ImportPolygons(ctx context.Context, paths []string, opt PolygonOptions, progress Progress) (*ImportReport, error) {
	const op = "boundaries.ImportPolygons"
	start := time.Now()
	rep := &ImportReport{Kind: "polygons", Sources: paths, CRS: opt.CRS}
	if opt.CRS == "" {
		return rep, diming.E(op, diming.Invalid, map[string]string{
			"crs": "请说明文件的坐标系（-crs gcj02、wgs84 或 cgcs2000）；DataV 的文件是 gcj02"})
	}
	for _, c := range opt.Moved {
		if LevelOfCode(c) == 0 {
			return rep, diming.E(op, diming.Invalid, map[string]string{"moved": "“" + c + "”不是区划代码（6、9 或 12 位数字）"})
		}
	}
	in, err := newInputs(paths, progress)
	if err != nil {
		return rep, err
	}
	err = s.store.ImportPolygons(ctx, readPolygons(in, opt.CRS, rep), opt, rep)
	rep.Duration = time.Since(start)
	return rep, err
}

// Division returns a division with its ancestors and children; NotFound
// when the code was never issued.
func (s *Service) Division(ctx context.Context, code string) (DivisionDetail, error) {
	if LevelOfCode(code) == 0 {
		return DivisionDetail{}, diming.E("boundaries.Division", diming.Invalid, "区划代码应为 6、9 或 12 位数字")
	}
	return s.store.FindDivision(ctx, code)
}

// SearchDivisions finds divisions by name (or code prefix).
func (s *Service) SearchDivisions(ctx context.Context, f DivisionFilter) ([]Division, error) {
	f.Query = strings.TrimSpace(f.Query)
	if f.Query == "" && f.Within == "" {
		return nil, diming.E("boundaries.SearchDivisions", diming.Invalid, map[string]string{"q": "请给出要查找的名称或代码"})
	}
	if f.Limit <= 0 || f.Limit > MaxDivisionPage {
		f.Limit = 50
	}
	return s.store.FindDivisions(ctx, f)
}

// MaxDivisionPage and MaxLinePage bound one page of a division search and
// of a boundary-line list.
const (
	MaxDivisionPage = 200
	MaxLinePage     = 1000
)

// History returns the names and successors of a code over time.
func (s *Service) History(ctx context.Context, code string) (History, error) {
	if LevelOfCode(code) == 0 {
		return History{}, diming.E("boundaries.History", diming.Invalid, "区划代码应为 6、9 或 12 位数字")
	}
	return s.store.FindDivisionHistory(ctx, code)
}

// DivisionsAt returns the chain of current divisions containing p
// (CGCS2000), province first, down to the deepest level with a polygon.
// NotFound when no division contains it.
func (s *Service) DivisionsAt(ctx context.Context, p orb.Point) ([]Division, error) {
	if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
		return nil, diming.E("boundaries.DivisionsAt", diming.Invalid, map[string]string{"lon": "经度应在 −180 至 180 之间，纬度在 −90 至 90 之间"})
	}
	chain, err := s.store.FindDivisionsAt(ctx, p)
	if err == nil && len(chain) == 0 {
		err = diming.E("boundaries.DivisionsAt", diming.NotFound, "没有区划包含这个位置")
	}
	return chain, err
}

// Rename gives a division a new name; the code stays and the old name
// goes into its history.
func (s *Service) Rename(ctx context.Context, code, name string, on time.Time, version int) (Division, error) {
	if err := diming.Authorize(diming.UserFrom(ctx), diming.RoleAdmin, code); err != nil {
		return Division{}, err
	}
	if strings.TrimSpace(name) == "" {
		return Division{}, diming.E("boundaries.Rename", diming.Invalid, map[string]string{"name": "请给出新名称"})
	}
	return s.store.RenameDivision(ctx, code, strings.TrimSpace(name), on, version)
}

// Retire ends a division's code for good, naming its successors. A
// retired code is never reused.
func (s *Service) Retire(ctx context.Context, code string, on time.Time, successors []string, version int) (Division, error) {
	if err := diming.Authorize(diming.UserFrom(ctx), diming.RoleAdmin, code); err != nil {
		return Division{}, err
	}
	for _, c := range successors {
		if c == code || LevelOfCode(c) == 0 {
			return Division{}, diming.E("boundaries.Retire", diming.Invalid, map[string]string{"successors": "继任区划应为其他区划的代码"})
		}
	}
	return s.store.RetireDivision(ctx, code, on, successors, version)
}
