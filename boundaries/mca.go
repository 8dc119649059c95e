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
	Ref        string // file:line, for the report
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

// successionKind is the kind of a successor link the record gives for
// year: "retired" when the code ended that year and its area went to the
// successor, "transfer" when part of the area moved in another year while
// the code lived on (a bracketed year in result.csv). Each successor is
// judged on its own year: 330621's 2001 transfer to 330602 does not make
// its 2013 successors transfers.
func (r CodeRecord) successionKind(year int) string {
	if r.Retired() && year == r.To {
		return "retired"
	}
	return "transfer"
}

// parseMCARecord reads one result.csv row.
func parseMCARecord(rec []string) (CodeRecord, string) {
	if len(rec) < 9 {
		return CodeRecord{}, "该行不足 9 列"
	}
	r := CodeRecord{Code: rec[0], Name: strings.TrimSpace(rec[3]), Level: mcaLevels[rec[4]], Status: rec[5]}
	if r.Level == 0 {
		return r, "级别无法识别：" + strconv.Quote(rec[4]) + "（应为省级、地级或县级）"
	}
	if LevelOfCode(r.Code) == 0 || len(r.Code) != 6 {
		return r, "代码应为 6 位数字（GB/T 2260）"
	}
	var err error
	if r.From, err = strconv.Atoi(rec[6]); err != nil {
		return r, "启用时间不是年份"
	}
	if rec[7] != "" {
		if r.To, err = strconv.Atoi(rec[7]); err != nil {
			return r, "变更/弃用时间不是年份"
		}
	}
	for _, s := range strings.Split(rec[8], ";") {
		if s == "" {
			continue
		}
		year := r.To
		if i := strings.IndexByte(s, '['); i > 0 {
			y, err := strconv.Atoi(strings.TrimSuffix(s[i+1:], "]"))
			if err != nil {
				return r, "新代码年份无法识别：" + strconv.Quote(s)
			}
			s, year = s[:i], y
		}
		if s == r.Code {
			continue // a rename: the code itself went on
		}
		r.Successors = append(r.Successors, Succession{Code: r.Code, SuccessorCode: s, Year: year, Kind: r.successionKind(year)})
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
		return yield(CodeRecord{}, diming.E("boundaries.ImportMCAHistory", diming.Invalid, base+"：不是民政部区划代码历史文件（表头应为 代码,…,新代码）"))
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return yield(CodeRecord{}, diming.E("boundaries.ImportMCAHistory", diming.Invalid,
				fmt.Sprintf("%s 第 %d 行不是有效的 CSV", base, line), err))
		}
		rep.Read++
		crec, problem := parseMCARecord(rec)
		ref := fmt.Sprintf("%s:%d %s", base, line, rec[0])
		if problem != "" {
			rep.Reject(ref, problem)
			continue
		}
		crec.Ref = ref + " " + crec.Name
		if !yield(crec, nil) {
			return false
		}
	}
}
