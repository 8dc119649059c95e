package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
)

// importCommand dispatches `diming import KIND ...` to the importers of
// each domain. Every importer is all-or-nothing.
func importCommand(ctx context.Context, cfg Config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: diming import KIND FILE...; kinds: %s", importKinds)
	}
	switch args[0] {
	case "nbs", "mca-history", "polygons", "lines":
		return importBoundaries(ctx, cfg, logger, args[0], args[1:], stdout, stderr)
	case "places-from-divisions", "heritage":
		return importGazetteer(ctx, cfg, logger, args, stdout)
	}
	return fmt.Errorf("unknown import kind %q; kinds: %s", args[0], importKinds)
}

const importKinds = "nbs DIR|FILE..., mca-history result.csv, polygons -crs gcj02|wgs84|cgcs2000 FILE..., lines -crs gcj02|wgs84|cgcs2000 FILE... (import) or lines -level N [-within CODE] [-tolerance M] (derive), places-from-divisions [PREFIX], heritage FILE.csv"

// importBoundaries runs the division importers and the line derivation,
// with a progress bar on a terminal and the report at the end.
func importBoundaries(ctx context.Context, cfg Config, logger *slog.Logger, kind string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import "+kind, flag.ContinueOnError)
	fs.SetOutput(stderr)
	crsName := fs.String("crs", "", "coordinate system of the polygon or line files: gcj02 (DataV), wgs84 or cgcs2000 (our exports)")
	level := fs.Int("level", 3, "lines: division level whose neighbours get lines (1–5)")
	within := fs.String("within", "", "lines: only pairs with a side inside this division code")
	tol := fs.Float64("tolerance", boundaries.DefaultToleranceM, "lines: shared-edge tolerance in metres")
	moved := fs.String("moved", "", "polygons: comma-separated division codes that really moved (their polygons import even when far from the parent or the previous polygon)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if kind != "lines" && fs.NArg() == 0 {
		return fmt.Errorf("usage: diming import %s FILE [FILE ...]", kind)
	}
	crs, err := importCRS(kind, fs, *crsName)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := boundaries.New(db)
	bar := newProgressBar(stderr)
	var rep *boundaries.ImportReport
	switch kind {
	case "nbs":
		rep, err = svc.ImportNBS(ctx, fs.Args(), bar.update)
	case "mca-history":
		rep, err = svc.ImportMCAHistory(ctx, fs.Args(), bar.update)
	case "polygons":
		rep, err = svc.ImportPolygons(ctx, fs.Args(), boundaries.PolygonOptions{CRS: crs, Moved: splitCodes(*moved)}, bar.update)
	case "lines":
		if fs.NArg() == 0 {
			return deriveLines(ctx, svc, boundaries.DeriveOptions{Level: boundaries.Level(*level), Within: *within, ToleranceM: *tol}, stdout)
		}
		rep, err = svc.ImportLines(ctx, fs.Args(), crs, bar.update)
	}
	bar.done()
	if rep != nil {
		_, _ = rep.WriteTo(stdout)
	}
	if err != nil {
		return fmt.Errorf("import %s failed; nothing was written: %w", kind, err)
	}
	return nil
}

// importCRS checks the flags of the file importers before the database
// opens: polygons and line files need -crs; `import lines` without files
// derives lines and takes -level, -within and -tolerance instead.
func importCRS(kind string, fs *flag.FlagSet, name string) (boundaries.CRS, error) {
	switch {
	case kind == "lines" && fs.NArg() == 0:
		if name != "" {
			return "", errors.New("-crs is for importing line files: give the FILE arguments, or leave -crs out to derive lines from polygons")
		}
		return "", nil
	case kind == "lines":
		var derive []string
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "crs" {
				derive = append(derive, "-"+f.Name)
			}
		})
		if len(derive) > 0 {
			return "", fmt.Errorf("%s only apply when deriving lines (import lines without files)", strings.Join(derive, ", "))
		}
	case kind != "polygons":
		return "", nil
	}
	crs, ok := boundaries.ParseCRS(name)
	if !ok {
		return "", fmt.Errorf("-crs must be gcj02, wgs84 or cgcs2000 (DataV files are gcj02, our own exports cgcs2000)")
	}
	return crs, nil
}

// deriveLines runs `import lines` without files: lines derived from the
// shared edges of neighbouring polygons.
func deriveLines(ctx context.Context, svc *boundaries.Service, opt boundaries.DeriveOptions, stdout io.Writer) error {
	sys := diming.WithUser(ctx, &diming.User{Username: "system", Roles: []diming.Role{diming.RoleAdmin}})
	start := time.Now()
	dr, err := svc.DeriveLines(sys, opt)
	var de *diming.Error
	if errors.As(err, &de) && len(de.Fields) > 0 {
		return fmt.Errorf("%s: %v", de.Msg, de.Fields)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "lines: %d neighbouring pairs, %d created, %d updated, %d surveyed or imported left alone, in %s\n",
		dr.Pairs, dr.Created, dr.Updated, dr.Unchanged, time.Since(start).Round(time.Millisecond))
	return nil
}

// progressBar draws a bar on a terminal and stays silent otherwise.
type progressBar struct {
	mu   sync.Mutex
	w    io.Writer
	tty  bool
	last time.Time
}

func newProgressBar(w io.Writer) *progressBar {
	p := &progressBar{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// update draws the bar for done of total bytes.
func (p *progressBar) update(done, total int64) {
	p.draw(done, total, func() string { return fmt.Sprintf("%.1f/%.1f MB", float64(done)/1e6, float64(total)/1e6) })
}

// count draws the bar for done of total items named what.
func (p *progressBar) count(done, total int64, what string) {
	p.draw(done, total, func() string { return fmt.Sprintf("%d/%d %s", done, total, what) })
}

// draw redraws the bar at most every 100 ms (and at the end), followed
// by label.
func (p *progressBar) draw(done, total int64, label func() string) {
	if !p.tty || total == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last = time.Now()
	const width = 40
	n := min(int(done*width/total), width)
	fmt.Fprintf(p.w, "\r[%s%s] %3d%% %s", strings.Repeat("#", n), strings.Repeat(" ", width-n), done*100/total, label())
}

func (p *progressBar) done() {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// splitCodes reads a comma-separated list of codes; empty for "".
func splitCodes(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}
