package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/tiles"
	"github.com/diming/diming/web"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// TestUnpublishedMarkersStayPrivate: a marker that is not public is in no
// anonymous answer (marker API, GeoJSON and KML export, tiles); the line's
// inspectors see it, an inspector of another county does not. Publishing
// it (the database's public column) puts it on every public path at once.
func TestUnpublishedMarkersStayPrivate(t *testing.T) {
	db := dbtest.Open(t)
	svc := boundaries.New(db)
	if _, err := svc.LoadDemo(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	tileSvc, err := tiles.NewService(db, tiles.Options{}, tiles.Registry()...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{PublicURL: "http://test"},
		web.Deps{Accounts: db, Health: db, Boundaries: svc, Tiles: tileSvc}))
	t.Cleanup(srv.Close)
	mustUser(t, db, "pub-inspector", "330699", diming.RoleInspector)
	mustUser(t, db, "pub-outsider", "330100", diming.RoleInspector)
	insp, outsider, anon := newClient(t, srv.URL), newClient(t, srv.URL), newClient(t, srv.URL)
	insp.login("pub-inspector")
	outsider.login("pub-outsider")

	lines, err := svc.Lines(t.Context(), boundaries.LineFilter{Code: "330699", Level: boundaries.Township})
	if err != nil || len(lines) == 0 {
		t.Fatalf("demo lines: %v", err)
	}
	l := lines[len(lines)-1]
	a, b := l.Geom[0][0], l.Geom[0][len(l.Geom[0])-1]
	pos := orb.Point{a[0] + (b[0]-a[0])*0.8, a[1] + (b[1]-a[1])*0.8}
	lineID := strconv.FormatInt(l.ID, 10)
	st, out := insp.do("POST", "/api/v1/boundary-lines/"+lineID+"/markers", map[string]any{"seq": 77, "type": "Q",
		"position": []float64{pos[0], pos[1]}, "form": "单立双面型", "material": "花岗岩", "published": false})
	if st != 201 {
		t.Fatalf("create unpublished marker = %d %v", st, out)
	}
	number, mid, version := out["number"].(string), strconv.Itoa(int(out["id"].(float64))), out["version"]
	lonText := strconv.FormatFloat(pos[0], 'f', -1, 64)

	sees := func(c *client) map[string]bool {
		t.Helper()
		got := map[string]bool{}
		_, out := c.do("GET", "/api/v1/boundary-lines/"+lineID+"/markers", nil)
		got["list"] = strings.Contains(fmt.Sprint(out), number)
		st, _ := c.do("GET", "/api/v1/boundary-markers/"+mid, nil)
		got["get"] = st == 200
		for _, f := range []string{"geojson", "kml"} {
			for _, path := range []string{"/api/v1/boundary-lines/export?division=330699&format=" + f, "/api/v1/boundary-lines/" + lineID + "/export?format=" + f} {
				_, body := c.raw(path)
				got[f] = got[f] || strings.Contains(string(body), number) || strings.Contains(string(body), lonText)
			}
		}
		got["tile"] = tileHas(t, srv.URL, pos, number)
		return got
	}
	none := map[string]bool{"list": false, "get": false, "geojson": false, "kml": false, "tile": false}
	all := map[string]bool{"list": true, "get": true, "geojson": true, "kml": true, "tile": false}
	for _, tt := range []struct {
		name string
		c    *client
		want map[string]bool
	}{{"anonymous", anon, none}, {"another county's inspector", outsider, none}, {"the line's inspector", insp, all}} {
		if got := sees(tt.c); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s sees the unpublished marker in %v, want %v", tt.name, got, tt.want)
		}
	}
	st, out = insp.do("PATCH", "/api/v1/boundary-markers/"+mid, map[string]any{"published": true, "version": version})
	if st != 200 {
		t.Fatalf("publish = %d %v", st, out)
	}
	everywhere := map[string]bool{"list": true, "get": true, "geojson": true, "kml": true, "tile": true}
	if got := sees(anon); fmt.Sprint(got) != fmt.Sprint(everywhere) {
		t.Errorf("after publishing, anonymous sees the marker in %v, want %v", got, everywhere)
	}
	st, out = insp.do("PATCH", "/api/v1/boundary-markers/"+mid, map[string]any{"status": "retired", "version": out["version"]})
	if st != 200 {
		t.Fatalf("retire = %d %v", st, out)
	}
	if got := sees(anon); fmt.Sprint(got) != fmt.Sprint(none) {
		t.Errorf("after retiring, anonymous sees the marker in %v, want %v", got, none)
	}
}

// tileHas reports whether the z16 tile at p shows a marker numbered number.
func tileHas(t *testing.T, base string, p orb.Point, number string) bool {
	t.Helper()
	tile := maptile.At(p, 16)
	res, err := http.Get(fmt.Sprintf("%s/tiles/boundary_markers/%d/%d/%d.mvt", base, tile.Z, tile.X, tile.Y))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode == 204 {
		return false
	}
	b, _ := io.ReadAll(res.Body)
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatalf("tile: %d %v", res.StatusCode, err)
	}
	for _, l := range layers {
		for _, f := range l.Features {
			if f.Properties["number"] == number {
				return true
			}
		}
	}
	return false
}
