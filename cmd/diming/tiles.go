package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/tiles"
	"github.com/paulmach/orb/maptile"
)

const tilesUsage = "usage: diming tiles seed -zoom 0-8 [-within CODE] [-layer all] [-url URL] | diming tiles purge"

// tilesCommand is `diming tiles seed` (warm a running server's tile cache)
// and `diming tiles purge` (empty the cache of every running server).
func tilesCommand(ctx context.Context, cfg Config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(tilesUsage)
	}
	switch args[0] {
	case "seed":
		return tilesSeed(ctx, cfg, logger, args[1:], stdout, stderr)
	case "purge":
		db, err := openDB(ctx, cfg, logger)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.PurgeTiles(ctx); err != nil {
			return describe(err)
		}
		fmt.Fprintln(stdout, "已通知所有运行中的服务清空瓦片缓存")
		return nil
	}
	return errors.New(tilesUsage)
}

// seedWorkers is how many tiles the seeder asks for at once: the server
// renders no more than its own share anyway.
const seedWorkers = 4

// tilesSeed fetches every tile over the division (or the whole country)
// from a running server, so that its cache holds them. Tiles go through
// the server because the cache lives in the server.
func tilesSeed(ctx context.Context, cfg Config, logger *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tiles seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	zoom := fs.String("zoom", "0-8", "zooms to seed, e.g. 0-8")
	within := fs.String("within", "", "only tiles over this division code (its polygon, or its descendants')")
	layer := fs.String("layer", tiles.AllLayers, "layer name, or all")
	base := fs.String("url", cfg.PublicURL, "the running server's base URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	zr, err := tiles.ParseZoomRange(*zoom)
	if err != nil {
		return plainMessage(err)
	}
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	bound, err := db.TileExtent(ctx, *within)
	db.Close()
	if err != nil {
		return plainMessage(err)
	}
	set := tiles.Cover(bound, zr)
	start := time.Now()
	res := seedTiles(ctx, strings.TrimSuffix(*base, "/"), *layer, set, newProgressBar(stderr))
	fmt.Fprintf(stdout, "预热 %d 个瓦片（%d–%d 级），用时 %s：缓存命中 %d，新生成 %d，空白 %d，失败 %d\n",
		len(set), zr.Min, zr.Max, time.Since(start).Round(time.Millisecond), res.hit.Load(), res.miss.Load(), res.empty.Load(), res.failed.Load())
	if res.firstErr != nil {
		return fmt.Errorf("%d 个瓦片预热失败，第一个：%w", res.failed.Load(), res.firstErr)
	}
	return nil
}

type seedResult struct {
	hit, miss, empty, failed atomic.Int64
	once                     sync.Once
	firstErr                 error
}

func seedTiles(ctx context.Context, base, layer string, set []maptile.Tile, bar *progressBar) *seedResult {
	res := &seedResult{}
	client := &http.Client{Timeout: 30 * time.Second}
	work := make(chan maptile.Tile)
	var done atomic.Int64
	var wg sync.WaitGroup
	for range seedWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				if err := seedOne(ctx, client, base, layer, t, res); err != nil {
					res.failed.Add(1)
					res.once.Do(func() { res.firstErr = err })
				}
				bar.count(done.Add(1), int64(len(set)), "瓦片")
			}
		}()
	}
	for _, t := range set {
		if ctx.Err() != nil {
			break
		}
		work <- t
	}
	close(work)
	wg.Wait()
	bar.done()
	return res
}

func seedOne(ctx context.Context, client *http.Client, base, layer string, t maptile.Tile, res *seedResult) error {
	u := fmt.Sprintf("%s/tiles/%s/%d/%d/%d.mvt", base, layer, t.Z, t.X, t.Y)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept-Encoding", "gzip") // as browsers ask; the body is not read
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	switch {
	case resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent:
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	case resp.StatusCode == http.StatusNoContent:
		res.empty.Add(1)
	case resp.Header.Get("X-Tile-Cache") == "hit":
		res.hit.Add(1)
	default:
		res.miss.Add(1)
	}
	return nil
}

// plainMessage is the user's message of a domain error (without the
// operation), for the terminal; other errors pass as they are.
func plainMessage(err error) error {
	var de *diming.Error
	if errors.As(err, &de) && de.Msg != "" && diming.KindOf(err) != diming.Internal {
		return errors.New(de.Msg)
	}
	return err
}
