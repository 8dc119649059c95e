package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
)

// loadDemo loads the generated demo data when it is missing: a fictional
// county with towns, villages, roads, names and doorplates, all marked as
// generated. Each domain adds its part in order.
func loadDemo(ctx context.Context, db *data.DB, logger *slog.Logger, stdout io.Writer) error {
	// Divisions: the fictional county boundaries.DemoCountyCode (330699
	// 若耶县 under 绍兴市) with 4 towns, 20 villages, town lines and markers.
	created, err := boundaries.New(db).LoadDemo(ctx, db)
	if err != nil {
		return fmt.Errorf("demo divisions: %w", err)
	}
	if created {
		logger.Info("demo divisions loaded", "county", boundaries.DemoCountyCode)
	}
	n, err := db.LoadGazetteerDemo(ctx)
	if err != nil {
		return fmt.Errorf("gazetteer demo: %w", err)
	}
	if n > 0 {
		logger.Info("demo place names loaded", "places", n)
	}
	loadDemoNaming(ctx, db, logger)
	// Doorplates: generated streets and plates in the demo county's villages.
	return loadDemoDoorplates(ctx, db, logger, stdout)
}

// loadDemoDoorplates lays generated streets and doorplates into the demo
// county's villages and communities, once; without the county (the
// divisions step has not run) it does nothing.
func loadDemoDoorplates(ctx context.Context, db *data.DB, logger *slog.Logger, stdout io.Writer) error {
	res, did, err := db.DemoDoorplates(ctx, boundaries.DemoCountyCode)
	if err != nil {
		return fmt.Errorf("demo doorplates: %w", err)
	}
	if did {
		logger.Info("demo doorplates generated", "streets", res.Streets, "plates", res.Plates)
		fmt.Fprintf(stdout, "demo: %d generated streets, %d doorplates in %s\n", res.Streets, res.Plates, boundaries.DemoCountyCode)
	}
	return nil
}
