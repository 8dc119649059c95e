package boundaries

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming"
)

// CodeRecord is one row of the MCA code history (yescallop/areacodes
// result.csv): a code with one name over [From, To) years, its status and
// the codes its area went to.
type CodeRecord struct {
	Code       string
	Name       string
	Level      Level
	Status     string // 在用 in use, 变更 renamed (the code continued), 弃用 retired
	From       int    // year
	To         int    // year, 0 while in use
	Successors []Succession
}

// Retired reports whether the record ends the code.
func (r CodeRecord) Retired() bool { return r.Status == "弃用" }

// FromDate and ToDate render the years as the 1 January that starts them.
func (r CodeRecord) FromDate() *time.Time { return yearStart(r.From) }

// ToDate is the end of the record, nil while in use.
func (r CodeRecord) ToDate() *time.Time { return yearStart(r.To) }

func yearStart(y int) *time.Time {
	if y == 0 {
		return nil
	}
	t := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	return &t
}

var mcaLevels = map[string]Level{"省级": Province, "地级": Prefecture, "县级": County}

// parseMCARecord reads one result.csv row.
func parseMCARecord(rec []string) (CodeRecord, string) {
	if len(rec) < 9 {
		return CodeRecord{}, "the row has fewer than 9 columns"
	}
	r := CodeRecord{Code: rec[0], Name: strings.TrimSpace(rec[3]), Level: mcaLevels[rec[4]], Status: rec[5]}
	if r.Level == 0 {
		return r, "unknown level " + strconv.Quote(rec[4])
	}
	if LevelOfCode(r.Code) == 0 || len(r.Code) != 6 {
		return r, "a GB/T 2260 code has 6 digits"
	}
	var err error
	if r.From, err = strconv.Atoi(rec[6]); err != nil {
		return r, "the start year is not a number"
	}
	if rec[7] != "" {
		if r.To, err = strconv.Atoi(rec[7]); err != nil {
			return r, "the end year is not a number"
		}
	}
	kind := "transfer"
	if r.Retired() {
		kind = "retired"
	}
	for _, s := range strings.Split(rec[8], ";") {
		if s == "" {
			continue
		}
		year := r.To
		if i := strings.IndexByte(s, '['); i > 0 {
			y, err := strconv.Atoi(strings.TrimSuffix(s[i+1:], "]"))
			if err != nil {
				return r, "bad successor year in " + strconv.Quote(s)
			}
			s, year = s[:i], y
			if kind == "retired" && y != r.To {
				kind = "transfer"
			}
		}
		if s == r.Code {
			continue // a rename: the code itself went on
		}
		k := kind
		if year != r.To {
			k = "transfer"
		}
		r.Successors = append(r.Successors, Succession{Code: r.Code, SuccessorCode: s, Year: year, Kind: k})
	}
	return r, ""
}

// readMCA yields the records of an MCA history file.
func readMCA(in *inputs, rep *ImportReport) iter.Seq2[CodeRecord, error] {
	return func(yield func(CodeRecord, error) bool) {
		for _, path := range in.paths {
			r, closeFn, err := in.open(path)
			if err != nil {
				yield(CodeRecord{}, err)
				return
			}
			ok := readMCAFile(r, filepath.Base(path), rep, yield)
			closeFn()
			if !ok {
				return
			}
		}
	}
}

func readMCAFile(r io.Reader, base string, rep *ImportReport, yield func(CodeRecord, error) bool) bool {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil || !strings.HasSuffix(strings.TrimPrefix(header[0], "\ufeff"), "代码") {
		return yield(CodeRecord{}, diming.E("boundaries.ImportMCAHistory", diming.Invalid, base+": not an MCA code history (header 代码,…,新代码)"))
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return yield(CodeRecord{}, diming.E("boundaries.ImportMCAHistory", diming.Invalid,
				fmt.Sprintf("%s line %d is not valid CSV", base, line), err))
		}
		rep.Read++
		crec, problem := parseMCARecord(rec)
		if problem != "" {
			rep.Reject(fmt.Sprintf("%s:%d %s", base, line, rec[0]), problem)
			continue
		}
		if !yield(crec, nil) {
			return false
		}
	}
}
