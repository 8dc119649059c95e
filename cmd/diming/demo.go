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
	return nil
}
