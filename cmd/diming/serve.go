package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/tiles"
	"github.com/diming/diming/web"
)

const apiTimeout = 10 * time.Second

func serve(ctx context.Context, cfg Config, logger *slog.Logger, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.Demo {
		if err := loadDemo(ctx, db, logger, stdout); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	d, err := deps(db)
	if err != nil {
		return err
	}
	handler := web.NewServer(logger, web.Config{PublicURL: cfg.PublicURL, APITimeout: apiTimeout, WebDir: cfg.WebDir,
		MapReviewNumber: cfg.MapReviewNumber}, d)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      apiTimeout + 5*time.Second,
		IdleTimeout:       60 * time.Second,
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	fmt.Fprintf(stdout, "diming is serving on http://%s/\n", ln.Addr())
	logger.Info("serving", "addr", ln.Addr().String(), "public_url", cfg.PublicURL)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// deps wires the stores into the domain services for the web layer.
func deps(db *data.DB) (web.Deps, error) {
	tileSvc, err := tiles.NewService(db, tiles.Options{}, tiles.Registry()...)
	if err != nil {
		return web.Deps{}, err
	}
	return web.Deps{
		Tiles:      tileSvc,
		Accounts:   db,
		Health:     db,
		Boundaries: boundaries.New(db),
		PoolStats: func() web.PoolStats {
			s := db.PoolStats()
			return web.PoolStats{Acquired: s.AcquiredConns(), Idle: s.IdleConns(), Total: s.TotalConns(), Max: s.MaxConns(),
				AcquireCount: s.AcquireCount(), AcquireWait: s.AcquireDuration()}
		},
	}, nil
}
