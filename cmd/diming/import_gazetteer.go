package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
)

// importGazetteer runs the gazetteer's importers:
//
//	diming import places-from-divisions [PREFIX]   every current division (within PREFIX) becomes a place name
//	diming import heritage FILE.csv                the place-name heritage lists
func importGazetteer(ctx context.Context, cfg Config, logger *slog.Logger, args []string, stdout io.Writer) error {
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "places-from-divisions":
		prefix := ""
		if len(args) > 1 {
			prefix = args[1]
		}
		rep, err := db.ImportPlacesFromDivisions(ctx, prefix)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "divisions read: %d %v\nplace names created: %d, renamed: %d, unchanged: %d, skipped: %v\n",
			rep.Divisions, rep.ByLevel, rep.Created, rep.Renamed, rep.Unchanged, rep.Skipped)
		if rep.UnreadN > 0 {
			fmt.Fprintf(stdout, "names with characters of no known reading (give their readings): %d, e.g. %v\n", rep.UnreadN, rep.Unread)
		}
		for _, f := range rep.Failed {
			fmt.Fprintln(stdout, "failed:", f)
		}
		return nil
	case "heritage":
		if len(args) != 2 {
			return fmt.Errorf("usage: diming import heritage FILE.csv")
		}
		fh, err := os.Open(args[1])
		if err != nil {
			return err
		}
		defer fh.Close()
		rep, err := db.ImportHeritage(ctx, fh)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "heritage rows read: %d, imported: %d (shortlisted %d), linked to place names: %d\n",
			rep.Read, rep.Imported, rep.Shortlist, rep.Linked)
		for _, s := range rep.Skipped {
			fmt.Fprintln(stdout, "skipped:", s)
		}
		if len(rep.Unlinked) > 0 {
			fmt.Fprintf(stdout, "not linked (divisions not loaded, or no such name): %v\n", rep.Unlinked)
		}
		return nil
	}
	return fmt.Errorf("unknown gazetteer import %q", args[0])
}
