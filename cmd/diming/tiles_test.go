package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/diming/diming/data/dbtest"
)

// TestTilesSeedAndPurge runs the real server, seeds its tile cache with
// `diming tiles seed`, sees the second seed answered from the cache, and
// empties it with `diming tiles purge`.
func TestTilesSeedAndPurge(t *testing.T) {
	db, url := dbtest.Fresh(t, true)
	fixture, err := os.ReadFile("../../data/testdata/tiles_divisions.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(t.Context(), string(fixture)); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		switch k {
		case "DATABASE_URL":
			return url
		case "DIMING_PLATE_KEYS":
			return "k1:c2VjcmV0LWtleS1mb3ItdGhlLXRlc3QtcnVuLW9mLWRpbWluZw=="
		}
		return ""
	}
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "serve"}, getenv, strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() { cancel(); <-done })
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the serving line: %v", err)
	}
	base := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "diming is serving on "), "/")
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	waitMetric(t, base, "diming_tiles_cache_listening 1")

	tiles := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(t.Context(), append([]string{"tiles"}, args...), getenv, strings.NewReader(""), &out, io.Discard)
		return out.String(), err
	}
	seed := []string{"seed", "-zoom", "6-10", "-within", "330600", "-url", base}
	out, err := tiles(seed...)
	if err != nil || !strings.Contains(out, "缓存命中 0") || strings.Contains(out, "新生成 0") {
		t.Fatalf("first seed = %q, %v; want every tile rendered", out, err)
	}
	if out, err = tiles(seed...); err != nil || !strings.Contains(out, "新生成 0") || strings.Contains(out, "缓存命中 0") {
		t.Errorf("second seed = %q, %v; want every tile from the cache", out, err)
	}
	if out, err = tiles("purge"); err != nil || !strings.Contains(out, "清空") {
		t.Fatalf("purge = %q, %v", out, err)
	}
	waitMetric(t, base, `diming_tiles_cached_tiles{tier="memory"} 0`)
	if out, err = tiles(seed...); err != nil || !strings.Contains(out, "缓存命中 0") {
		t.Errorf("seed after purge = %q, %v; want every tile rendered again", out, err)
	}
	for _, bad := range [][]string{{"seed", "-zoom", "9-3"}, {"seed", "-within", "999999", "-url", base}} {
		if _, err := tiles(bad...); err == nil || !strings.ContainsAny(err.Error(), "级区") {
			t.Errorf("tiles %v = %v, want a Chinese error", bad, err)
		}
	}
}

func waitMetric(t *testing.T, base, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		res, err := http.Get(base + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if strings.Contains(string(b), want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics never showed %s", want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
