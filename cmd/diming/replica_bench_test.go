package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diming/diming/data"
	"github.com/diming/diming/tiles"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/maptile"
)

// BenchmarkReplicaReads measures, on the demo data, the reads a replica
// takes (scan records that miss memory, tiles that miss the cache) with 8
// concurrent readers, once on the primary alone and once with reads on a
// streaming replica in the same machine, and the time a revoked plate
// takes to show on a second server.
//
// On one 2-core machine the primary and the replica share the same cores,
// so the ratio is about 1: it shows the routing costs nothing measurable
// (the replica's replay position is read in the background, not per
// query), not that a replica adds capacity. On separate machines each
// replica adds roughly a primary's read capacity (docs/scaling.md).
func BenchmarkReplicaReads(b *testing.B) {
	p := newPrimaryAndReplica(b, 0)
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	appURL, err := p.primary.AppURL("diming")
	if err != nil {
		b.Fatal(err)
	}
	plain, err := data.Open(ctx, data.Config{URL: appURL, MaxConns: 32}, logger)
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Close()
	routed, err := data.Open(ctx, data.Config{URL: appURL, MaxConns: 32}, logger)
	if err != nil {
		b.Fatal(err)
	}
	defer routed.Close()
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	if err := routed.OpenReplica(rctx, data.Config{URL: p.replicaURL, MaxConns: 32}); err != nil {
		b.Fatal(err)
	}

	pids := queryStrings(b, plain, `SELECT public_id FROM plates ORDER BY id LIMIT 5000`)
	ext, err := plain.TileExtent(ctx, "330699")
	if err != nil {
		b.Fatal(err)
	}
	var tl []maptile.Tile
	for z := maptile.Zoom(11); z <= 14; z++ {
		lo, hi := maptile.At(ext.Min, z), maptile.At(ext.Max, z)
		for x := lo.X; x <= hi.X; x++ {
			for y := hi.Y; y <= lo.Y; y++ {
				tl = append(tl, maptile.New(x, y, z))
			}
		}
	}
	layers := tiles.Registry()
	scan := func(db *data.DB, i int) error { _, err := db.FindScan(ctx, pids[i%len(pids)]); return err }
	tile := func(db *data.DB, i int) error { _, err := db.RenderTile(ctx, tl[i%len(tl)], layers); return err }

	// Each server reads every plate and tile once first, so both have
	// them in memory (they are separate data folders).
	for _, db := range []*data.DB{plain, routed} {
		for i := range max(len(pids), len(tl)) {
			if err := scan(db, i); err != nil {
				b.Fatal(err)
			}
			if err := tile(db, i); err != nil {
				b.Fatal(err)
			}
		}
	}
	for range b.N {
		sPlain, sRouted := throughput(b, plain, scan), throughput(b, routed, scan)
		tPlain, tRouted := throughput(b, plain, tile), throughput(b, routed, tile)
		if st := routed.ReadStats(); st.Replica == 0 {
			b.Fatalf("no read went to the replica: %+v", st)
		}
		b.ReportMetric(sPlain, "scans/s_primary")
		b.ReportMetric(sRouted, "scans/s_replica")
		b.ReportMetric(sRouted/sPlain, "scan_replica_vs_primary")
		b.ReportMetric(tPlain, "tiles/s_primary")
		b.ReportMetric(tRouted, "tiles/s_replica")
		b.ReportMetric(tRouted/tPlain, "tile_replica_vs_primary")
		b.Logf("%d plates, %d tiles (z11-14 over 330699); 8 readers, 2 s each", len(pids), len(tl))
	}

	// A change through one server reaching the other: revoke plates
	// through the first and time until the second's scan page says so.
	first := startServer(b, append(p.args, "-db-replica", p.replicaURL)...)
	second := startServer(b, append(p.args, "-db-replica", p.replicaURL)...)
	urls := demoScanURLs(b, first, p.primary, 10)
	active := queryStrings(b, plain, `SELECT public_id FROM plates WHERE status = 'active' ORDER BY id LIMIT 10`)
	var lags []time.Duration
	for i, pid := range active {
		page := second + urls[i][len(first):]
		getBody(b, page, nil)
		post(b, first+"/api/v1/plates/"+pid+"/revoke", p.token, map[string]any{"reason": "基准测试"})
		wrote := time.Now()
		for !bytes.Contains(getBody(b, page, nil), []byte("这块门牌已注销")) {
			if time.Since(wrote) > 10*time.Second {
				b.Fatalf("the second server never showed plate %s revoked", pid)
			}
			time.Sleep(2 * time.Millisecond)
		}
		lags = append(lags, time.Since(wrote))
	}
	slices.Sort(lags)
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "change_to_second_ms_median")
	b.ReportMetric(float64(lags[len(lags)-1].Microseconds())/1000, "change_to_second_ms_max")
}

// throughput runs op from 8 goroutines for 2 s and returns calls a second.
func throughput(b *testing.B, db *data.DB, op func(*data.DB, int) error) float64 {
	b.Helper()
	var n atomic.Int64
	var failed atomic.Value
	deadline := time.Now().Add(2 * time.Second)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; time.Now().Before(deadline); i += 8 {
				if err := op(db, i); err != nil {
					failed.Store(err)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	return float64(n.Load()) / 2
}

// queryStrings returns the one text column of the rows sql selects.
func queryStrings(b *testing.B, db *data.DB, sql string) []string {
	b.Helper()
	rows, err := db.Pool.Query(b.Context(), sql)
	if err != nil {
		b.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	return out
}
