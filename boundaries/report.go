package boundaries

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// Problem is one row an import repaired, rejected or could not match,
// with the reason in words a data officer can act on.
type Problem struct {
	Ref    string // the row: a code, or file:line
	Kind   string // "rejected", "repaired", "unmatched", "successor", "warning"
	Reason string
}

// ImportReport says what an import did. An import is all-or-nothing: the
// report of a failed import describes what would have happened up to the
// failure, and nothing was written.
type ImportReport struct {
	Kind     string
	Sources  []string
	CRS      CRS
	Read     int // rows or features read
	Imported int // new records
	Updated  int // existing records changed (renames, new geometry, retirements)
	Repaired int
	Rejected int // rejected and unmatched rows
	Derived  int // parent polygons derived from their children
	Problems []Problem
	Duration time.Duration
}

// maxProblems bounds the problems kept in a report; counts stay exact.
const maxProblems = 2000

// Reject records a row that was not imported.
func (r *ImportReport) Reject(ref, reason string) { r.add(ref, "rejected", reason) }

// Unmatched records a row whose code matches no known division.
func (r *ImportReport) Unmatched(ref, reason string) { r.add(ref, "unmatched", reason) }

// Repair records a row that was repaired before import.
func (r *ImportReport) Repair(ref, reason string) { r.add(ref, "repaired", reason) }

// Succeed records a row that carried a retired code and was stored under
// the division that succeeded it.
func (r *ImportReport) Succeed(ref, reason string) { r.add(ref, "successor", reason) }

// Warn records a row that imported with a remark.
func (r *ImportReport) Warn(ref, reason string) { r.add(ref, "warning", reason) }

func (r *ImportReport) add(ref, kind, reason string) {
	switch kind {
	case "rejected", "unmatched":
		r.Rejected++
	case "repaired":
		r.Repaired++
	}
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, Problem{Ref: ref, Kind: kind, Reason: reason})
	}
}

// ProblemsOf returns the problems of one kind.
func (r *ImportReport) ProblemsOf(kind string) []Problem {
	var out []Problem
	for _, p := range r.Problems {
		if p.Kind == kind {
			out = append(out, p)
		}
	}
	return out
}

// Find returns the first problem about ref.
func (r *ImportReport) Find(ref string) (Problem, bool) {
	for _, p := range r.Problems {
		if p.Ref == ref {
			return p, true
		}
	}
	return Problem{}, false
}

// problemLabels are the Chinese labels of the problem kinds in a printed
// report; the kinds themselves stay machine-readable.
var problemLabels = map[string]string{"rejected": "拒绝", "repaired": "修复", "unmatched": "未匹配", "successor": "归入继任",
	"warning": "提示"}

// WriteTo prints the report for people.
func (r *ImportReport) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "导入 %s（%s）\n", r.Kind, strings.Join(r.Sources, ", "))
	if r.CRS != "" {
		fmt.Fprintf(&b, "  源坐标系：%s（存储为 CGCS2000，EPSG:4490）\n", r.CRS)
	}
	fmt.Fprintf(&b, "  读取 %d，导入 %d，更新 %d，修复 %d，拒绝 %d，用时 %s\n",
		r.Read, r.Imported, r.Updated, r.Repaired, r.Rejected, r.Duration.Round(time.Millisecond))
	if r.Derived > 0 {
		fmt.Fprintf(&b, "  由下级合成上级多边形 %d 个\n", r.Derived)
	}
	ps := append([]Problem(nil), r.Problems...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Kind < ps[j].Kind })
	for _, p := range ps {
		label := problemLabels[p.Kind]
		if label == "" {
			label = p.Kind
		}
		fmt.Fprintf(&b, "  [%s %s] %s：%s\n", p.Kind, label, p.Ref, p.Reason)
	}
	if n := r.Rejected + r.Repaired; n > len(r.Problems) {
		fmt.Fprintf(&b, "  （另有 %d 条未列出）\n", n-len(r.Problems))
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// Progress is told how many of the total bytes an import has read.
type Progress func(done, total int64)

// countingReader reports bytes read to a Progress.
type countingReader struct {
	r        io.Reader
	n        *atomic.Int64
	total    int64
	progress Progress
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	done := c.n.Add(int64(n))
	if c.progress != nil {
		c.progress(done, c.total)
	}
	return n, err
}
