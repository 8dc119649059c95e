package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/diming/diming/data"
)

// loadDemo loads the generated demo data when it is missing: a fictional
// county with towns, villages, roads, names and doorplates, all marked as
// generated. Each domain adds its part in order.
func loadDemo(ctx context.Context, db *data.DB, logger *slog.Logger, stdout io.Writer) error {
	return loadDemoDoorplates(ctx, db, logger, stdout)
}

// demoCounty is the fictional county the divisions step creates.
const demoCounty = "330699"

// loadDemoDoorplates lays generated streets and doorplates into the demo
// county's villages and communities, once; without the county (the
// divisions step has not run) it does nothing.
func loadDemoDoorplates(ctx context.Context, db *data.DB, logger *slog.Logger, stdout io.Writer) error {
	res, did, err := db.DemoDoorplates(ctx, demoCounty)
	if err != nil {
		return fmt.Errorf("demo doorplates: %w", err)
	}
	if did {
		logger.Info("demo doorplates generated", "streets", res.Streets, "plates", res.Plates)
		fmt.Fprintf(stdout, "demo: %d generated streets, %d doorplates in %s\n", res.Streets, res.Plates, demoCounty)
	}
	return nil
}
