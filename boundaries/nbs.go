package boundaries

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/diming/diming"
)

// nbsFiles are the files `diming import nbs DIR` reads from a folder laid
// out like ../shared/data/nbs-2023-divisions.
var nbsFiles = []string{"provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages_national.csv.gz"}

// ExpandNBSPaths turns a folder into its NBS files; files pass through.
func ExpandNBSPaths(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, diming.E("boundaries.ExpandNBSPaths", diming.Invalid, fmt.Sprintf("cannot read %s", p), err)
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		for _, f := range nbsFiles {
			if _, err := os.Stat(filepath.Join(p, f)); err == nil {
				out = append(out, filepath.Join(p, f))
			}
		}
	}
	return out, nil
}

// inputs opens import files one after another, transparently gunzipping
// *.gz, and reports progress over the bytes of all of them.
type inputs struct {
	paths    []string
	total    int64
	read     atomic.Int64
	progress Progress
}

func newInputs(paths []string, progress Progress) (*inputs, error) {
	in := &inputs{paths: paths, progress: progress}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, diming.E("boundaries.import", diming.Invalid, fmt.Sprintf("cannot read %s", p), err)
		}
		in.total += st.Size()
	}
	return in, nil
}

// open returns a reader of path's contents and a closer.
func (in *inputs) open(path string) (io.Reader, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, diming.E("boundaries.import", diming.Invalid, fmt.Sprintf("cannot open %s", path), err)
	}
	var r io.Reader = &countingReader{r: f, n: &in.read, total: in.total, progress: in.progress}
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			f.Close()
			return nil, nil, diming.E("boundaries.import", diming.Invalid, fmt.Sprintf("%s is not gzip", path), err)
		}
		r = gz
	}
	return r, func() { f.Close() }, nil
}

// nbsLayout is what a header tells about an NBS file: the level of its
// rows and the column of the parent code.
func nbsLayout(header []string) (Level, error) {
	h := strings.Join(header, ",")
	h = strings.TrimPrefix(h, "\ufeff")
	switch h {
	case "code,name":
		return Province, nil
	case "code,name,provinceCode":
		return Prefecture, nil
	case "code,name,cityCode,provinceCode":
		return County, nil
	case "code,name,areaCode,provinceCode,cityCode":
		return Township, nil
	case "code,name,streetCode,provinceCode,cityCode,areaCode":
		return Village, nil
	}
	return 0, fmt.Errorf("unknown NBS header %q", h)
}

// nbsRow turns one NBS row into a Division, normalising the 2- and 4-digit
// province and prefecture codes to the 6 digits of GB/T 2260.
func nbsRow(level Level, rec []string) (Division, string) {
	code, name := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
	parent := ""
	switch level {
	case Province:
		code += "0000"
	case Prefecture:
		code, parent = code+"00", rec[2]+"0000"
	case County:
		parent = rec[2] + "00"
	default:
		parent = rec[2]
	}
	if name == "" {
		return Division{}, "the name is empty"
	}
	if code == parent {
		return Division{}, sameAsParent
	}
	if err := ValidateCode(code, level, parent); err != nil {
		return Division{}, fieldText(err)
	}
	return Division{Code: code, Name: name, Level: level, Kind: KindOfName(name, level), ParentCode: parent}, ""
}

const sameAsParent = "same code as its parent"

func fieldText(err error) string {
	var de *diming.Error
	if errors.As(err, &de) && len(de.Fields) > 0 {
		var parts []string
		for k, v := range de.Fields {
			parts = append(parts, k+": "+v)
		}
		return strings.Join(parts, "; ")
	}
	return diming.MessageOf(err)
}

// readNBS yields the divisions of the NBS files in order. Bad rows are
// rejected into rep; a file that cannot be read or parsed ends the
// iteration with an error, and the import then writes nothing.
func readNBS(in *inputs, rep *ImportReport) iter.Seq2[Division, error] {
	return func(yield func(Division, error) bool) {
		for _, path := range in.paths {
			if !readNBSFile(in, path, rep, yield) {
				return
			}
		}
	}
}

func readNBSFile(in *inputs, path string, rep *ImportReport, yield func(Division, error) bool) bool {
	r, closeFn, err := in.open(path)
	if err != nil {
		return yield(Division{}, err)
	}
	defer closeFn()
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return yield(Division{}, diming.E("boundaries.ImportNBS", diming.Invalid, fmt.Sprintf("%s: cannot read the header", path), err))
	}
	level, err := nbsLayout(header)
	if err != nil {
		return yield(Division{}, diming.E("boundaries.ImportNBS", diming.Invalid, fmt.Sprintf("%s: %v", filepath.Base(path), err)))
	}
	base := filepath.Base(path)
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return yield(Division{}, diming.E("boundaries.ImportNBS", diming.Invalid,
				fmt.Sprintf("%s line %d is not valid CSV; the file may be damaged or cut short", base, line), err))
		}
		rep.Read++
		d, problem := nbsRow(level, rec)
		if problem == sameAsParent {
			rep.Warn(rec[0], "a county-level row with its prefecture's code (不设区的地级市); the prefecture row stands for both")
			continue
		}
		if problem != "" {
			rep.Reject(fmt.Sprintf("%s:%d %s", base, line, rec[0]), problem)
			continue
		}
		if !yield(d, nil) {
			return false
		}
	}
}
