package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/web"
	"github.com/paulmach/orb"
)

// BenchmarkScanPage measures the scan page at 64 concurrent clients on
// loopback against a trivial handler on the same server in the same run,
// with ≥1,000,000 generated plates laid inside the real county polygons
// of 绍兴市 (DataV, converted from GCJ-02 to CGCS2000 on load).
// Targets: scan_vs_trivial ≥ 0.5, scan_p99_ms < 20. Three scan loads run:
// uniform over every active plate with the service preloading every
// plate record (the default; pages are rendered per scan except for the
// 20,000 most recent), the same with the plate cache off (a database read
// per scan), and a 1,000-plate hot set served from the page cache.
func BenchmarkScanPage(b *testing.B) {
	db := dbtest.Open(b)
	ctx := context.Background()
	t0 := time.Now()
	comms := mustLoadShaoxing(b, db)
	tLoad := time.Since(t0)
	t0 = time.Now()
	res, err := db.GenerateDoorplates(ctx, data.GenSpec{Communities: comms, Plates: 1_000_000, StreetsPerComm: 200, HousesPerStreet: 60, KeyID: "k1", Seed: 1})
	if err != nil {
		b.Fatalf("generate: %v", err)
	}
	tGen := time.Since(t0)
	if err := dbtest.AsOwner(b, db, `ANALYZE`); err != nil { // only the owner may analyze
		b.Fatal(err)
	}
	b.Logf("loaded %d communities in %v; generated %d streets, %d plates in %v", len(comms), tLoad.Round(time.Millisecond), res.Streets, res.Plates, tGen.Round(time.Millisecond))
	if res.Plates < 1_000_000 {
		b.Fatalf("only %d plates generated", res.Plates)
	}

	keys, _ := doorplate.ParseKeys("k1:" + strings.Repeat("QUJD", 11))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	svc, _ := doorplate.NewService(db, doorplate.Config{PublicURL: base, Keys: keys, Preload: true})
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go svc.RunCache(cctx, func(err error) { b.Logf("cache listener: %v", err) })
	for n, _ := svc.Preloaded(); n < res.Plates; n, _ = svc.Preloaded() {
		time.Sleep(50 * time.Millisecond)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	nPre, tPre := svc.Preloaded()
	b.Logf("preloaded %d plate records in %v, heap +%.0f MB", nPre, tPre.Round(time.Millisecond), float64(after.HeapAlloc-before.HeapAlloc)/1e6)
	h := web.NewServer(logger, web.Config{PublicURL: base}, web.Deps{Accounts: db, Health: db, Doorplate: svc})
	// The same scan page without the plate cache (communities still
	// cached), to show what a database read per scan sustains here.
	coldSvc, _ := doorplate.NewService(db, doorplate.Config{PublicURL: base, Keys: keys, CacheEntries: -1})
	go coldSvc.RunCache(cctx, func(err error) { b.Logf("cache listener: %v", err) })
	cold := web.NewServer(logger, web.Config{PublicURL: base}, web.Deps{Accounts: db, Health: db, Doorplate: coldSvc})
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/bare":
			_, _ = io.WriteString(w, `{"status":"ok"}`)
		case strings.HasPrefix(r.URL.Path, "/cold/"):
			r.URL.Path = strings.TrimPrefix(r.URL.Path, "/cold")
			cold.ServeHTTP(w, r)
		default:
			h.ServeHTTP(w, r)
		}
	})
	srv := &http.Server{Handler: bare, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	urls := mustSampleURLs(b, db, svc, res.Plates)
	// Check one scan resolves before measuring.
	if code, page := get(b, urls[0], true); code != 200 || !strings.Contains(page, `"state":"ok"`) {
		b.Fatalf("scan = %d %.200s", code, page)
	}
	const clients, rounds, dur = 64, 4, 1500 * time.Millisecond
	b.ResetTimer()
	for range b.N {
		// The machine is shared: the trivial handler and the uniform scan
		// alternate in short rounds, each summed over its rounds, so a
		// change in background load hits both sides of the ratio alike.
		var triv, scan loadResult
		var bareR, coldR loadResult
		// DIMING_SCAN_CPUPROFILE=FILE profiles the server and clients
		// during the uniform scan rounds only.
		prof := os.Getenv("DIMING_SCAN_CPUPROFILE")
		var profBuf bytes.Buffer
		for round := range rounds {
			triv = triv.add(load(clients, dur, func(*rand.Rand) string { return base + "/healthz" }))
			if prof != "" && round == rounds-1 {
				_ = pprof.StartCPUProfile(&profBuf)
			}
			scan = scan.add(load(clients, dur, func(r *rand.Rand) string { return urls[r.IntN(len(urls))] }))
			pprof.StopCPUProfile()
		}
		if prof != "" {
			if err := os.WriteFile(prof, profBuf.Bytes(), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		bareR = load(clients, 2*dur, func(*rand.Rand) string { return base + "/bare" })
		coldR = load(clients, 2*dur, func(r *rand.Rand) string { return strings.Replace(urls[r.IntN(len(urls))], "/d/", "/cold/d/", 1) })
		// A hot set that fits the cache: plates scanned again and again.
		hot := urls[:1000]
		for _, u := range hot {
			get(b, u, false)
		}
		hotR := load(clients, 2*dur, func(r *rand.Rand) string { return hot[r.IntN(len(hot))] })
		b.ReportMetric(scan.rps, "scan_req/s")
		b.ReportMetric(scan.p99.Seconds()*1000, "scan_p99_ms")
		b.ReportMetric(triv.rps, "trivial_req/s")
		b.ReportMetric(triv.p99.Seconds()*1000, "trivial_p99_ms")
		b.ReportMetric(scan.rps/triv.rps, "scan_vs_trivial")
		b.ReportMetric(scan.rps/bareR.rps, "scan_vs_bare_nethttp")
		b.ReportMetric(float64(res.Plates), "plates")
		b.ReportMetric(float64(len(urls)), "plates_scanned_uniformly")
		b.ReportMetric(tPre.Seconds(), "preload_s")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(nPre), "preload_B/plate")
		b.ReportMetric(hotR.rps, "scan_hot_req/s")
		b.ReportMetric(hotR.p99.Seconds()*1000, "scan_hot_p99_ms")
		b.ReportMetric(hotR.rps/triv.rps, "scan_hot_vs_trivial")
		b.ReportMetric(coldR.rps, "scan_uncached_req/s")
		b.ReportMetric(coldR.p99.Seconds()*1000, "scan_uncached_p99_ms")
		b.Logf("hot-set scan (1,000 plates, cached) %.0f req/s p50 %v p99 %v errors %d", hotR.rps, hotR.p50, hotR.p99, hotR.errors)
		b.Logf("uncached scan %.0f req/s p50 %v p99 %v errors %d", coldR.rps, coldR.p50, coldR.p99, coldR.errors)
		b.Logf("scan %.0f req/s p50 %v p99 %v errors %d; trivial (echo /healthz) %.0f req/s p99 %v; bare net/http %.0f req/s p99 %v",
			scan.rps, scan.p50, scan.p99, scan.errors, triv.rps, triv.p99, bareR.rps, bareR.p99)
		if scan.errors+hotR.errors+coldR.errors > 0 {
			b.Errorf("%d scan requests failed", scan.errors+hotR.errors+coldR.errors)
		}
	}
}

type loadResult struct {
	lat      []time.Duration // sorted
	elapsed  time.Duration
	rps      float64
	p50, p99 time.Duration
	errors   int
}

// add merges two loads' results (rounds of the same load).
func (l loadResult) add(m loadResult) loadResult {
	return summarize(slices.Concat(l.lat, m.lat), l.elapsed+m.elapsed, l.errors+m.errors)
}

func summarize(lat []time.Duration, el time.Duration, errs int) loadResult {
	slices.Sort(lat)
	if len(lat) == 0 {
		return loadResult{errors: errs}
	}
	return loadResult{lat: lat, elapsed: el, rps: float64(len(lat)) / el.Seconds(), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100], errors: errs}
}

// load runs clients goroutines for dur, each issuing GETs back to back on
// keep-alive connections, and returns throughput and latency percentiles.
func load(clients int, dur time.Duration, next func(*rand.Rand) string) loadResult {
	tr := &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2, DisableCompression: true}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr}
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(dur)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 99))
			lat := make([]time.Duration, 0, 4096)
			bad := 0
			for time.Now().Before(deadline) {
				t := time.Now()
				res, err := cl.Get(next(rng))
				if err != nil {
					bad++
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					bad++
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			all, errs = append(all, lat...), errs+bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	return summarize(all, time.Since(start), errs)
}

func mustSampleURLs(tb testing.TB, db *data.DB, svc *doorplate.Service, n int) []string {
	tb.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT public_id, key_id FROM plates WHERE status='active' ORDER BY random() LIMIT $1`, n)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var urls []string
	for rows.Next() {
		var pid, kid string
		_ = rows.Scan(&pid, &kid)
		u, err := svc.URL(pid, kid)
		if err != nil {
			tb.Fatal(err)
		}
		urls = append(urls, u)
	}
	return urls
}

// mustLoadShaoxing loads the six county polygons of 绍兴市 (GCJ-02 in the
// source, converted to CGCS2000 here), one generated town per county and
// generated communities as 0.03° cells of each county, each with contacts
// and one grid, and returns the community codes.
func mustLoadShaoxing(tb testing.TB, db *data.DB) []string {
	tb.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile(dbtest.SharedData(tb, "datav-geoatlas-v3-2024/focus_counties_shaoxing_jiaxing_sanmen_jiayu_gcj02.geojson"))
	if err != nil {
		tb.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties struct {
				Adcode json.Number `json:"adcode"`
				Name   string      `json:"name"`
			} `json:"properties"`
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates [][][][]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level, parent_code) VALUES ('330000','浙江省',1,NULL),
		('330600','绍兴市',2,'330000') ON CONFLICT DO NOTHING`); err != nil {
		tb.Fatal(err)
	}
	for _, f := range fc.Features {
		code := f.Properties.Adcode.String()
		if !strings.HasPrefix(code, "3306") || f.Geometry.Type != "MultiPolygon" {
			continue
		}
		for _, poly := range f.Geometry.Coordinates {
			for _, ring := range poly {
				for _, p := range ring {
					w := boundaries.GCJ02ToWGS84(orb.Point{p[0], p[1]})
					p[0], p[1] = w[0], w[1]
				}
			}
		}
		gj, _ := json.Marshal(map[string]any{"type": "MultiPolygon", "coordinates": f.Geometry.Coordinates})
		if _, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level, parent_code, geom) VALUES
			($1, $2, 3, '330600', ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON($3),4490)),3)))`,
			code, f.Properties.Name, string(gj)); err != nil {
			tb.Fatalf("county %s: %v", code, err)
		}
		town := code + "900"
		if _, err := db.Pool.Exec(ctx, `INSERT INTO divisions (code, name, level, parent_code, generated) VALUES ($1, $2, 4, $3, true)`,
			town, f.Properties.Name+"生成街道", code); err != nil {
			tb.Fatal(err)
		}
		if _, err := db.Pool.Exec(ctx, `
			WITH c AS (SELECT geom FROM divisions WHERE code = $1),
			cells AS (SELECT ST_Multi(ST_CollectionExtract(ST_Intersection(c.geom, ST_SetSRID(g.geom,4490)),3)) AS geom
			            FROM c, ST_SquareGrid(0.03, c.geom) g WHERE ST_Intersects(c.geom, ST_SetSRID(g.geom,4490))),
			numbered AS (SELECT row_number() OVER (ORDER BY ST_XMin(geom), ST_YMin(geom)) AS n, geom FROM cells
			              WHERE NOT ST_IsEmpty(geom) AND ST_Area(geom) > 1e-5)
			INSERT INTO divisions (code, name, level, parent_code, geom, generated)
			SELECT $2 || lpad(n::text, 3, '0'), '第' || n || '社区', 5, $2, geom, true FROM numbered WHERE n < 1000`, code, town); err != nil {
			tb.Fatalf("cells of %s: %v", code, err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `
		INSERT INTO community_info (community_code, office_name, service_phone, police_name, police_unit, police_phone)
		SELECT code, name || '居委会', '0575-8' || lpad((row_number() OVER ())::text, 7, '0'), '民警' || right(code, 3), '生成派出所', '0575-110'
		  FROM divisions WHERE code LIKE '3306%' AND level = 5 AND generated;
		INSERT INTO grids (community_code, name, geom, worker_name, worker_phone, worker_phone_kind, generated)
		SELECT code, '第一网格', geom, '网格员' || right(code, 3), '1380000' || right(code, 4), 'personal', true
		  FROM divisions WHERE code LIKE '3306%' AND level = 5 AND generated`); err != nil {
		tb.Fatal(err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT code FROM divisions WHERE code LIKE '3306%' AND level = 5 AND generated ORDER BY code`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		_ = rows.Scan(&c)
		out = append(out, c)
	}
	if len(out) == 0 {
		tb.Fatal("no communities generated")
	}
	return out
}
