package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/diming/diming/data"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// replicaDelay holds the replica back so that what a stale read would
// show is visible: every answer that must be current is asked for well
// within it.
const replicaDelay = 5 * time.Second

// TestReplicaAndTwoInstances runs two servers on one primary, both
// reading from a real streaming replica (pg_basebackup -R into a second
// private cluster) that applies changes replicaDelay late. A division
// renamed through the first server is found at once by its writer
// (read-your-writes), reaches the second server's tiles and the first's
// scan pages through the database's notifications without either cache
// ever refilling from the lagging replica, and reaches the replica.
func TestReplicaAndTwoInstances(t *testing.T) {
	p := newPrimaryAndReplica(t, replicaDelay)
	args, cl, rp, token, replicaURL := p.args, p.primary, p.replica, p.token, p.replicaURL
	ownerURL, err := rp.URL("diming")
	if err != nil {
		t.Fatal(err)
	}
	replica, err := data.Open(t.Context(), data.Config{URL: ownerURL}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	replicaName := func() string {
		var name string
		if err := replica.Pool.QueryRow(t.Context(), `SELECT name FROM divisions WHERE code = '330699'`).Scan(&name); err != nil {
			t.Fatalf("reading the replica: %v", err)
		}
		return name
	}

	a := startServer(t, append(args, "-db-replica", replicaURL)...)
	b := startServer(t, append(args, "-db-replica", replicaURL)...)

	var detail struct {
		Division struct {
			Name    string `json:"name"`
			Version int    `json:"version"`
		} `json:"division"`
	}
	getJSON(t, a+"/api/v1/divisions/330699", nil, &detail)
	county := detail.Division
	oldName, newName := county.Name, "鉴湖县"
	if replicaName() != oldName {
		t.Fatalf("the replica has %q before the rename, the primary %q", replicaName(), oldName)
	}
	tl := maptile.At(orb.Point{120.3, 29.86}, 10)
	tile := fmt.Sprintf("/tiles/divisions/%d/%d/%d.mvt", tl.Z, tl.X, tl.Y)
	scans := demoScanURLs(t, a, cl, 1)
	for _, base := range []string{a, b} {
		if body := getBody(t, base+tile, nil); !bytes.Contains(body, []byte(oldName)) {
			t.Fatalf("%s%s does not name %s before the rename", base, tile, oldName)
		}
		if !searchFinds(t, base, oldName, nil) {
			t.Fatalf("%s: division search does not find %s", base, oldName)
		}
	}
	const revoked = "这块门牌已注销"
	if body := getBody(t, b+scans[0][len(a):], nil); bytes.Contains(body, []byte(revoked)) {
		t.Fatal("the plate's scan page says revoked before it is")
	}
	var plate string
	if err := replica.Pool.QueryRow(t.Context(), `SELECT public_id FROM plates WHERE status = 'active' ORDER BY id LIMIT 1`).Scan(&plate); err != nil {
		t.Fatal(err)
	}

	// Rename a division and revoke a plate through the first server.
	post(t, a+"/api/v1/plates/"+plate+"/revoke", token, map[string]any{"reason": "副本测试"})
	h := post(t, a+"/api/v1/divisions/330699/rename", token, map[string]any{"name": newName, "on": time.Now().Format(time.DateOnly), "version": county.Version})
	wrote := time.Now()
	after := h.Get("Diming-Read-After")
	if after == "" {
		t.Fatal("a write through a server with a replica answers no Diming-Read-After position")
	}

	// The writer reads its own write back, on either server.
	mine := http.Header{"Diming-Read-After": {after}}
	for _, base := range []string{a, b} {
		if !searchFinds(t, base, newName, mine) {
			t.Errorf("%s: the writer's own search does not find %s right after renaming", base, newName)
		}
	}
	// Someone else, at once, reads the replica, which has not applied it.
	if !searchFinds(t, b, newName, nil) && time.Since(wrote) < replicaDelay/2 {
		t.Logf("search without the position still finds the old name %v after the write: it read the replica", time.Since(wrote).Round(time.Millisecond))
	} else if time.Since(wrote) < replicaDelay/2 {
		t.Errorf("search without the write's position found the new name on a replica held %v back: reads are not going to the replica", replicaDelay)
	}

	// Both servers' tile and scan caches follow the notifications, and
	// never refill with the replica's old state.
	type watch struct{ url, want string }
	watches := map[string]watch{
		"tile on the second server":      {b + tile, newName},
		"tile on the first server":       {a + tile, newName},
		"scan page on the second server": {b + scans[0][len(a):], revoked},
		"scan page on the first server":  {scans[0], revoked},
	}
	seen := map[string]time.Duration{}
	deadline := time.Now().Add(2*replicaDelay + 5*time.Second)
	for time.Now().Before(deadline) && len(seen) < len(watches) {
		for name, w := range watches {
			if _, ok := seen[name]; !ok && bytes.Contains(getBody(t, w.url, nil), []byte(w.want)) {
				seen[name] = time.Since(wrote)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	for name, w := range watches {
		d, ok := seen[name]
		if !ok {
			t.Errorf("the %s never showed %s", name, w.want)
			continue
		}
		t.Logf("%s showed the change %v after the write", name, d.Round(time.Millisecond))
		if d >= replicaDelay {
			t.Errorf("the %s waited for the replica (%v) instead of following the notification", name, d.Round(time.Millisecond))
		}
	}
	for time.Since(wrote) < replicaDelay+time.Second {
		for name, w := range watches {
			if !bytes.Contains(getBody(t, w.url, nil), []byte(w.want)) {
				t.Fatalf("the %s went back to before the change %v after the write: a cache refilled from the lagging replica", name, time.Since(wrote).Round(time.Millisecond))
			}
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The replica has it now, and everyone's search reads it there.
	for replicaName() != newName && time.Since(wrote) < replicaDelay+10*time.Second {
		time.Sleep(100 * time.Millisecond)
	}
	if got := replicaName(); got != newName {
		t.Fatalf("the replica still has %q", got)
	}
	if !searchFinds(t, b, newName, nil) {
		t.Errorf("search without the position does not find %s once the replica has it", newName)
	}
	m := regexp.MustCompile(`diming_db_reads_total\{to="replica"\} (\d+)`).FindSubmatch(getBody(t, b+"/metrics", nil))
	if m == nil || string(m[1]) == "0" {
		t.Errorf("the second server counted no reads on the replica: %q", m)
	}
}

// post sends body as JSON with the bearer token and returns the answer's
// headers; anything but 200 fails the test.
func post(t testing.TB, u, token string, body any) http.Header {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST %s = %d: %s", u, res.StatusCode, msg)
	}
	return res.Header
}

// primaryAndReplica is a private primary with the demo data and an
// admin's API token, and a streaming replica of it applying changes delay
// late (0: at once).
type primaryAndReplica struct {
	args             []string // the flags that run diming on the primary
	primary, replica data.Cluster
	token            string
	replicaURL       string // the application role on the replica
}

func newPrimaryAndReplica(t testing.TB, delay time.Duration) primaryAndReplica {
	t.Helper()
	dir, err := os.MkdirTemp("", "diming-replica-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cl := data.Cluster{Dir: filepath.Join(dir, "pg"), Port: freePort(t), BinDir: data.DefaultBinDir, Fast: true}
	rp := data.Cluster{Dir: filepath.Join(dir, "replica"), BinDir: data.DefaultBinDir, Fast: true}
	if delay > 0 {
		rp.Options = fmt.Sprintf("-c recovery_min_apply_delay=%dms", delay.Milliseconds())
	}
	t.Cleanup(func() {
		_ = rp.Stop(context.Background())
		_ = cl.Stop(context.Background())
		_ = os.RemoveAll(dir)
	})
	args := []string{"-pg-dir", cl.Dir, "-pg-port", strconv.Itoa(cl.Port), "-pg-fast"}
	command(t, args, "", "demo")
	command(t, args, "replica-test-password\n", "user", "add", "-username", "admin", "-roles", "admin,approver")
	token := strings.TrimSpace(command(t, args, "", "token", "add", "-username", "admin", "-name", "replica-test"))
	rp.Port = freePort(t)
	if err := rp.Replicate(t.Context(), cl); err != nil {
		t.Fatal(err)
	}
	if err := rp.Start(t.Context(), io.Discard); err != nil {
		t.Fatal(err)
	}
	replicaURL, err := rp.AppURL("diming")
	if err != nil {
		t.Fatal(err)
	}
	return primaryAndReplica{args: args, primary: cl, replica: rp, token: token, replicaURL: replicaURL}
}

// command runs one diming command with args and returns what it printed.
func command(t testing.TB, args []string, stdin string, cmd ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(t.Context(), append(append([]string{"-log-format", "text"}, args...), cmd...), func(string) string { return "" },
		strings.NewReader(stdin), &out, &errOut); err != nil {
		t.Fatalf("diming %s: %v\n%s", strings.Join(cmd, " "), err, errOut.String())
	}
	return out.String()
}

func getBody(t testing.TB, u string, h http.Header) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusGone { // 410: a revoked plate's page
		t.Fatalf("GET %s = %d: %s", u, res.StatusCode, b)
	}
	return b
}

func getJSON(t *testing.T, u string, h http.Header, v any) {
	t.Helper()
	if err := json.Unmarshal(getBody(t, u, h), v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// searchFinds reports whether the division search for name finds 330699.
func searchFinds(t *testing.T, base, name string, h http.Header) bool {
	t.Helper()
	return bytes.Contains(getBody(t, base+"/api/v1/divisions?q="+url.QueryEscape(name), h), []byte(`"330699"`))
}
