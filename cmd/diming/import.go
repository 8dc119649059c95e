package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// importCommand dispatches `diming import KIND ...` to the importers of
// each domain. Every importer is all-or-nothing.
func importCommand(ctx context.Context, cfg Config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: diming import KIND FILE...; kinds: %s", importKinds)
	}
	switch args[0] {
	case "places-from-divisions", "heritage":
		return importGazetteer(ctx, cfg, logger, args, stdout)
	}
	return fmt.Errorf("unknown import kind %q; kinds: %s", args[0], importKinds)
}

const importKinds = "places-from-divisions [PREFIX], heritage FILE.csv"
