package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/gazetteer"
	"github.com/diming/diming/tiles"
	"github.com/diming/diming/web"
	"github.com/paulmach/orb"
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
	if cfg.DBReplica != "" {
		if err := db.OpenReplica(ctx, data.Config{URL: cfg.DBReplica, MaxConns: 32, StatementTimeout: 30 * time.Minute}); err != nil {
			return err
		}
	}
	if cfg.Demo {
		if err := loadDemo(ctx, db, logger, stdout); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	if cfg.Migrate {
		// Stored spellings made with older readings are re-spelled once
		// per new fingerprint of the shipped readings (one audited step).
		rep, ran, err := db.RomanizeIfNew(ctx)
		if err != nil {
			return fmt.Errorf("romanize: %w", err)
		}
		if ran {
			logger.Info("names re-romanized", "fingerprint", rep.Fingerprint, "places", rep.Places, "changed", rep.Changed,
				"streets", rep.Streets, "addresses", rep.Addresses)
		}
	}
	d, err := deps(db, cfg, logger)
	if err != nil {
		return err
	}
	// The flusher writes the last counts after ctx ends; wait for it
	// before the pool closes.
	flushed := make(chan struct{})
	fctx, stopFlush := context.WithCancel(ctx)
	defer func() { stopFlush(); <-flushed }()
	go func() {
		defer close(flushed)
		d.Doorplate.RunScanFlusher(fctx, 10*time.Second, func(err error) { logger.Error("flush scan counts", "err", err) })
	}()
	defer d.Tiles.Close()
	go d.Tiles.RunInvalidation(ctx, db, func(err error) { logger.Warn("tile change listener stopped; tiles render uncached", "err", err) })
	go d.Doorplate.RunCache(ctx, func(err error) { logger.Warn("doorplate cache listener stopped; scans read the database", "err", err) })
	proxies, err := web.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return err
	}
	handler := web.NewServer(logger, web.Config{PublicURL: cfg.PublicURL, APITimeout: apiTimeout, WebDir: cfg.WebDir,
		MapReviewNumber: cfg.MapReviewNumber, TrustedProxies: proxies, BaseLayer: cfg.baseLayer()}, d)
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
func deps(db *data.DB, cfg Config, logger *slog.Logger) (web.Deps, error) {
	tileSvc, err := tiles.NewService(db, tiles.Options{CacheBytes: int64(cfg.TileCacheMB) << 20, DiskDir: cfg.TileDiskDir},
		tiles.Registry()...)
	if err != nil {
		return web.Deps{}, err
	}
	plates, err := doorplateService(db, cfg, logger)
	if err != nil {
		return web.Deps{}, err
	}
	var positions web.WritePositions
	if cfg.DBReplica != "" {
		positions = db
	}
	return web.Deps{
		Positions:  positions,
		Tiles:      tileSvc,
		Doorplate:  plates,
		Accounts:   db,
		Sharing:    db,
		Health:     db,
		Boundaries: boundaries.New(db),
		Gazetteer:  gazetteer.NewService(db, nil),
		Extent:     func(ctx context.Context) (orb.Bound, error) { return db.TileExtent(ctx, "") },
		Features:   db,
		PoolStats: func() web.PoolStats {
			s, r := db.PoolStats(), db.ReadStats()
			return web.PoolStats{Acquired: s.AcquiredConns(), Idle: s.IdleConns(), Total: s.TotalConns(), Max: s.MaxConns(),
				AcquireCount: s.AcquireCount(), AcquireWait: s.AcquireDuration(), ReplicaReads: r.Replica, PrimaryReads: r.Primary}
		},
	}, nil
}

// doorplateService builds the doorplate service. Without DIMING_PLATE_KEYS
// a private-cluster (development and demo) install keeps a generated key
// beside its cluster, so printed demo codes keep verifying across restarts;
// with an external DATABASE_URL the key is required.
func doorplateService(db *data.DB, cfg Config, logger *slog.Logger) (*doorplate.Service, error) {
	keys := cfg.PlateKeys
	if keys == "" {
		if cfg.DBURL != "" {
			return nil, errors.New("set DIMING_PLATE_KEYS (id:base64-secret[,id:base64-secret...]) to sign doorplate codes")
		}
		var err error
		if keys, err = devPlateKeys(filepath.Join(cfg.PGDir, "plate-keys")); err != nil {
			return nil, err
		}
		logger.Warn("DIMING_PLATE_KEYS is not set: signing doorplate codes with the development key beside the private cluster")
	}
	ring, err := doorplate.ParseKeys(keys)
	if err != nil {
		return nil, err
	}
	return doorplate.NewService(db, doorplate.Config{PublicURL: cfg.PublicURL, Keys: ring, PhonePolicy: doorplate.PhonePolicy(cfg.PhonePolicy),
		Preload: cfg.ScanPreload})
}

// devPlateKeys reads the development key ring at path, creating it with
// a random key on first use.
func devPlateKeys(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	keys := "dev:" + base64.StdEncoding.EncodeToString(secret)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return keys, os.WriteFile(path, []byte(keys+"\n"), 0o600)
}
