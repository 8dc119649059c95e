package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diming/diming/data"
	"github.com/diming/diming/doorplate"
)

// TestDatabaseOutage runs the real program on a private cluster of its
// own, stops PostgreSQL under load and starts it again: API requests fail
// fast with 503 (none waits out its deadline), /readyz says not ready,
// scan pages keep answering, and everything recovers without a restart.
func TestDatabaseOutage(t *testing.T) {
	dir, err := os.MkdirTemp("", "diming-outage-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // postgres must reach its data folder
		t.Fatal(err)
	}
	cl := data.Cluster{Dir: filepath.Join(dir, "pg"), Port: freePort(t), BinDir: data.DefaultBinDir, Fast: true}
	t.Cleanup(func() {
		_ = cl.Stop(context.Background())
		_ = os.RemoveAll(dir)
	})
	base := startServer(t, "-pg-dir", cl.Dir, "-pg-port", strconv.Itoa(cl.Port), "-pg-fast", "-demo")
	scans := demoScanURLs(t, base, cl, 20)
	const api = "/api/v1/divisions/330699"
	for _, u := range append([]string{base + api, base + "/readyz"}, scans...) {
		if st := poll(t, u); st != 200 {
			t.Fatalf("GET %s = %d before the outage", u, st)
		}
	}

	load := newLoad(base, api, scans)
	defer load.stop()
	time.Sleep(500 * time.Millisecond)
	if err := cl.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	load.reset()
	time.Sleep(3 * time.Second)
	during := load.reset()
	if st, _ := get(base + "/readyz"); st != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage = %d, want 503", st)
	}
	t.Logf("outage, 3 s under load: %s", during)
	if during.api[http.StatusServiceUnavailable] == 0 || during.api[http.StatusInternalServerError] > 0 || during.api[0] > 0 {
		t.Errorf("API answers during the outage %v: want 503s, no 500s and no failures", during.api)
	}
	if during.scan[http.StatusOK] == 0 || len(during.scan) != 1 {
		t.Errorf("scan answers during the outage %v: want every one 200 (from memory)", during.scan)
	}
	// The API's context deadline is 10 s: a request near it was left to
	// hang on the dead database rather than failing fast.
	if during.slowest > 5*time.Second {
		t.Errorf("slowest API answer during the outage took %v; requests must fail fast", during.slowest)
	}

	if err := cl.Start(t.Context(), io.Discard); err != nil {
		t.Fatal(err)
	}
	t.Logf("database down for %v", time.Since(stopped).Round(time.Second))
	for _, u := range []string{base + "/readyz", base + api} {
		if st := poll(t, u); st != 200 {
			t.Fatalf("GET %s after the database returned = %d; the server must recover by itself", u, st)
		}
	}
	load.reset()
	time.Sleep(time.Second)
	after := load.reset()
	t.Logf("after recovery, 1 s: %s", after)
	if after.api[http.StatusOK] == 0 || len(after.api) != 1 {
		t.Errorf("API answers after recovery %v, want only 200s", after.api)
	}
}

// startServer runs run() with args until the test ends and returns its URL.
func startServer(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append(append([]string{"-addr", "127.0.0.1:0", "-log-format", "text"}, args...), "serve"), func(string) string { return "" }, strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("run() did not shut down")
		}
	})
	br := bufio.NewReader(pr)
	line, err := br.ReadString('\n')
	for err == nil && !strings.HasPrefix(line, "diming is serving on ") {
		line, err = br.ReadString('\n')
	}
	if err != nil {
		t.Fatalf("reading the serving line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, br) }()
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "diming is serving on "), "/")
}

// demoScanURLs signs n of the demo's plates with the development key
// kept beside the cluster, as the print sheet does.
func demoScanURLs(t testing.TB, base string, cl data.Cluster, n int) []string {
	t.Helper()
	key, err := os.ReadFile(filepath.Join(cl.Dir, "plate-keys"))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := doorplate.ParseKeys(strings.TrimSpace(string(key)))
	if err != nil {
		t.Fatal(err)
	}
	url, err := cl.URL("diming")
	if err != nil {
		t.Fatal(err)
	}
	db, err := data.Open(t.Context(), data.Config{URL: url}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Pool.Query(t.Context(), `SELECT public_id, key_id FROM plates WHERE status = 'active' ORDER BY id LIMIT $1`, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var pid, kid string
		if err := rows.Scan(&pid, &kid); err != nil {
			t.Fatal(err)
		}
		code, err := ring.Sign(pid, kid)
		if err != nil { // the demo's plates are signed with the current key, as the service does
			code, err = ring.Sign(pid, ring.Current())
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, base+"/d/"+code)
	}
	if len(out) == 0 {
		t.Fatal("the demo has no active plates")
	}
	return out
}

// freePort finds a free port below the ephemeral range, where a
// connection to a stopped server cannot meet itself.
func freePort(t testing.TB) int {
	t.Helper()
	for p := 20000 + os.Getpid()%5000; p < 32000; p += 7 {
		if l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p)); err == nil {
			l.Close()
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

func get(url string) (int, time.Duration) {
	start := time.Now()
	res, err := http.Get(url)
	if err != nil {
		return 0, time.Since(start)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, time.Since(start)
}

// load keeps 32 clients asking: 24 for an API read, 8 for scan pages.
type load struct {
	mu     sync.Mutex
	cur    tally
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type tally struct {
	api, scan map[int]int
	lat       []time.Duration
	slowest   time.Duration
}

func (t tally) String() string {
	sort.Slice(t.lat, func(i, j int) bool { return t.lat[i] < t.lat[j] })
	p99 := time.Duration(0)
	if len(t.lat) > 0 {
		p99 = t.lat[len(t.lat)*99/100]
	}
	return "api " + codes(t.api) + ", scans " + codes(t.scan) + ", api p99 " + p99.Round(time.Millisecond).String() +
		", slowest " + t.slowest.Round(time.Millisecond).String()
}

func codes(m map[int]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, strconv.Itoa(k)+"×"+strconv.Itoa(v))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func newLoad(base, api string, scans []string) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{cancel: cancel}
	l.reset()
	for i := range 32 {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				isScan := i < 8
				u := base + api
				if isScan {
					u = scans[(i+n)%len(scans)]
				}
				st, d := get(u)
				l.mu.Lock()
				if isScan {
					l.cur.scan[st]++
				} else {
					l.cur.api[st]++
					l.cur.lat = append(l.cur.lat, d)
					l.cur.slowest = max(l.cur.slowest, d)
				}
				l.mu.Unlock()
			}
		}()
	}
	return l
}

// reset returns what was counted since the last reset.
func (l *load) reset() tally {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.cur
	l.cur = tally{api: map[int]int{}, scan: map[int]int{}}
	return t
}

func (l *load) stop() { l.cancel(); l.wg.Wait() }
