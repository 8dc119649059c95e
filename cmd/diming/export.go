package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/ogc"
)

const exportUsage = `usage: diming export -collection ID [-division CODE] [-format geojson|geojsonseq|ndjson|kml|csv]
                     [-datetime DATE] [-filter CQL2] [-o FILE]

Writes a collection's features (of a division, when given) as a file,
streamed row by row; a bar shows the progress on a terminal. Collections:
`

// exportCommand streams one collection of a division to a file (or
// stdout), with the same parameters and checks as /api/v1/exports.
func exportCommand(ctx context.Context, cfg Config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	reg := ogc.Registry()
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var ids []string
	for _, c := range reg {
		ids = append(ids, c.ID)
	}
	fs.Usage = func() { fmt.Fprint(stderr, exportUsage+"  "+strings.Join(ids, ", ")+"\n\n"); fs.PrintDefaults() }
	coll := fs.String("collection", "", "the collection to export")
	division := fs.String("division", "", "a division code: only its rows (default: the whole country)")
	format := fs.String("format", "geojson", "geojson (RFC 7946), geojsonseq (RFC 8142), ndjson, kml or csv")
	datetime := fs.String("datetime", "", "the rows valid on this day (YYYY-MM-DD) or interval")
	filter := fs.String("filter", "", "a CQL2 text filter, e.g. \"level = 4\"")
	out := fs.String("o", "", "the file to write (default: DIVISION-COLLECTION.EXT in the current folder; - for stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c := ogc.Find(reg, *coll)
	if c == nil {
		return fmt.Errorf("-collection must be one of %s", strings.Join(ids, ", "))
	}
	v := url.Values{}
	for k, s := range map[string]string{"division": *division, "format": *format, "datetime": *datetime, "filter": *filter} {
		if s != "" {
			v.Set(k, s)
		}
	}
	q, f, name, err := ogc.ParseExport(c, v)
	if err != nil {
		var de *diming.Error
		if errors.As(err, &de) {
			return errors.New(de.Msg)
		}
		return err
	}
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	total, err := db.CountFeatures(ctx, q)
	if err != nil {
		return err
	}
	var w io.Writer = stdout
	path := *out
	if path == "" {
		path = name
	}
	if path != "-" {
		file, err := os.Create(path)
		if err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	bar := newProgressBar(stderr)
	start := time.Now()
	n, err := ogc.Export(ctx, db, q, f, w, func(n int64) { bar.count(n, total, "features") })
	bar.done()
	if err != nil {
		return fmt.Errorf("export %s: %w (the file is incomplete)", c.ID, err)
	}
	if f, ok := w.(*os.File); ok && f != os.Stdout {
		if err := f.Close(); err != nil {
			return err
		}
	}
	secs := time.Since(start).Seconds()
	fmt.Fprintf(stderr, "export: %d features of %s to %s in %.1f s (%.0f features/s)\n", n, c.ID, path, secs, float64(n)/secs)
	return nil
}
