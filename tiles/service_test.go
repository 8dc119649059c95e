package tiles_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/diming/diming"
	"github.com/diming/diming/tiles"
	"github.com/paulmach/orb/maptile"
)

// fakeSource records what the service asked for.
type fakeSource struct {
	RenderTileFn func(ctx context.Context, t maptile.Tile, layers []tiles.Layer) ([]byte, error)
	calls        int
	layers       []string
}

func (f *fakeSource) RenderTile(ctx context.Context, t maptile.Tile, layers []tiles.Layer) ([]byte, error) {
	f.calls++
	f.layers = f.layers[:0]
	for _, l := range layers {
		f.layers = append(f.layers, l.Name)
	}
	if f.RenderTileFn != nil {
		return f.RenderTileFn(ctx, t, layers)
	}
	return []byte{1}, nil
}

func mustService(t *testing.T, src tiles.Source, layers ...tiles.Layer) *tiles.Service {
	t.Helper()
	s, err := tiles.NewService(src, tiles.Options{}, layers...)
	if err != nil {
		t.Fatalf("NewService() = %v", err)
	}
	return s
}

func TestTileValidation(t *testing.T) {
	src := &fakeSource{}
	svc := mustService(t, src, tiles.Registry()...)
	tests := []struct {
		name    string
		layer   string
		z, x, y int
		kind    diming.Kind
	}{
		{"unknown layer", "roads", 3, 1, 1, diming.NotFound},
		{"x beyond zoom", "divisions", 3, 8, 1, diming.Invalid},
		{"y beyond zoom", "all", 3, 1, 8, diming.Invalid},
		{"negative", "divisions", 3, -1, 1, diming.Invalid},
		{"zoom too deep", "divisions", 23, 0, 0, diming.Invalid},
		{"negative zoom", "divisions", -1, 0, 0, diming.Invalid},
		{"huge x", "divisions", 22, 1 << 40, 0, diming.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Tile(t.Context(), tt.layer, tt.z, tt.x, tt.y)
			if diming.KindOf(err) != tt.kind {
				t.Errorf("Tile(%s, %d/%d/%d) = %v, want kind %v", tt.layer, tt.z, tt.x, tt.y, err, tt.kind)
			}
		})
	}
	if src.calls != 0 {
		t.Errorf("source called %d times for invalid requests", src.calls)
	}
}

func TestTileLayersByZoom(t *testing.T) {
	src := &fakeSource{}
	svc := mustService(t, src, tiles.Registry()...)
	tests := []struct {
		z    int
		want []string // nil: no query at all
	}{
		{0, []string{"divisions", "boundary_lines"}},
		{1, []string{"divisions", "boundary_lines"}},
		{2, []string{"divisions", "division_labels", "boundary_lines"}},
		{12, []string{"divisions", "division_labels", "boundary_lines", "boundary_markers", "streets", "places"}},
		{22, []string{"divisions", "division_labels", "boundary_lines", "boundary_markers", "streets", "places", "addresses"}},
	}
	for _, tt := range tests {
		src.calls = 0
		b, err := svc.Tile(t.Context(), tiles.AllLayers, tt.z, 0, 0)
		if err != nil || len(b) != 1 {
			t.Fatalf("Tile(all, %d/0/0) = %v, %v", tt.z, b, err)
		}
		if !reflect.DeepEqual(src.layers, tt.want) {
			t.Errorf("Tile(all, z%d) rendered %v, want %v", tt.z, src.layers, tt.want)
		}
	}
	src.calls = 0
	if b, err := svc.Tile(t.Context(), "division_labels", 1, 0, 0); err != nil || b != nil || src.calls != 0 {
		t.Errorf("Tile(division_labels, z1) = %v, %v with %d queries; want empty without a query", b, err, src.calls)
	}
}

func TestZoomValues(t *testing.T) {
	l := tiles.Divisions()
	tests := []struct {
		z    int
		want []int32
	}{
		{0, []int32{1}},
		{5, []int32{1, 2}},
		{9, []int32{1, 2, 3, 4}},
		{11, []int32{1, 2, 3, 4, 5}},
		{13, []int32{2, 3, 4, 5}},
		{18, []int32{3, 4, 5}},
	}
	for _, tt := range tests {
		if got := l.ZoomValues(tt.z); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Divisions().ZoomValues(%d) = %v, want %v", tt.z, got, tt.want)
		}
	}
}

func TestSourceErrors(t *testing.T) {
	slow := diming.E("data.RenderTile", diming.Unavailable, "the database took too long; try again", context.DeadlineExceeded)
	svc := mustService(t, &fakeSource{RenderTileFn: func(context.Context, maptile.Tile, []tiles.Layer) ([]byte, error) {
		return nil, slow
	}}, tiles.Registry()...)
	_, err := svc.Tile(t.Context(), "divisions", 4, 13, 6)
	if diming.KindOf(err) != diming.Unavailable || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Tile() = %v, want Unavailable wrapping the deadline", err)
	}
}

func TestRegistryChecks(t *testing.T) {
	good := tiles.Divisions()
	tests := []struct {
		name   string
		mutate func(l *tiles.Layer)
	}{
		{"bad name", func(l *tiles.Layer) { l.Name = "Divisions; DROP" }},
		{"reserved name", func(l *tiles.Layer) { l.Name = tiles.AllLayers }},
		{"no table", func(l *tiles.Layer) { l.Table = "" }},
		{"no geometry", func(l *tiles.Layer) { l.Geometry = "" }},
		{"zooms reversed", func(l *tiles.Layer) { l.MinZoom, l.MaxZoom = 9, 3 }},
		{"zoom beyond service", func(l *tiles.Layer) { l.MaxZoom = 25 }},
		{"bad attribute type", func(l *tiles.Layer) { l.Attributes = []tiles.Attribute{{Column: "name", Type: "Text"}} }},
		{"empty zoom bands", func(l *tiles.Layer) { l.ZoomBy = &tiles.ZoomBy{Column: "level"} }},
	}
	for _, tt := range tests {
		l := good
		tt.mutate(&l)
		if _, err := tiles.NewService(&fakeSource{}, tiles.Options{}, l); err == nil {
			t.Errorf("NewService(%s) = nil error", tt.name)
		}
	}
	if _, err := tiles.NewService(&fakeSource{}, tiles.Options{}, good, good); err == nil {
		t.Errorf("NewService(duplicate layers) = nil error")
	}
}

func TestCacheControl(t *testing.T) {
	staff := tiles.BoundaryMarkers()
	staff.Name, staff.Staff = "all_markers", true
	svc, err := tiles.NewService(&fakeSource{}, tiles.Options{MaxAge: 5 * time.Minute, StaleWhileRevalidate: time.Hour},
		tiles.Divisions(), staff)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ layer, want string }{
		{"divisions", "public, max-age=300, stale-while-revalidate=3600"},
		{"all_markers", "private, max-age=300, stale-while-revalidate=3600"},
		{tiles.AllLayers, "private, max-age=300, stale-while-revalidate=3600"},
	}
	for _, tt := range tests {
		r, err := svc.Parse(tt.layer, 3, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := svc.CacheControl(r); got != tt.want {
			t.Errorf("CacheControl(%s) = %q, want %q", tt.layer, got, tt.want)
		}
	}
}
