package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// BenchmarkGradedJSON: what grading costs a JSON answer, as a ratio of
// echo's plain serializer writing the same answer: an autocomplete
// answer (10 hits with their division chains, anonymous) and a page of
// 200 divisions. Best of three alternating rounds of 2,000 answers each.
func BenchmarkGradedJSON(b *testing.B) {
	hits := make([]hitDTO, 10)
	for i := range hits {
		p, bb := [2]float64{120.58, 30.0}, [4]float64{120.5, 29.9, 120.6, 30.1}
		hits[i] = hitDTO{placeRefDTO: placeRefDTO{ID: int64(i + 1), Name: "和平路", Romanization: "Heping Lu", Category: 5, DivisionCode: "330602001", Status: "current"},
			CategoryName: "道路街巷", Match: "pinyin", locusDTO: locusDTO{Point: &p, BBox: &bb,
				Chain: []chainLinkDTO{{"330000", "浙江省", 1}, {"330600", "绍兴市", 2}, {"330602", "越城区", 3}, {"330602001", "塔山街道", 4}}}}
	}
	divs := make([]divisionDTO, 200)
	for i := range divs {
		divs[i] = divisionDTO{Code: "330602001", Name: "塔山街道", Level: 4, LevelName: "乡级", Kind: "街道", ParentCode: "330602", HasGeom: true, Version: 1}
	}
	answers := []struct {
		name string
		v    any
	}{{"autocomplete", map[string]any{"places": hits}}, {"divisions", map[string]any{"divisions": divs}}}
	e := echo.New()
	graded := gradedJSON{logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	plain := echo.DefaultJSONSerializer{}
	run := func(s echo.JSONSerializer, v any) time.Duration {
		t0 := time.Now()
		for range 2000 {
			c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
			c.Response().Status = http.StatusOK
			if err := s.Serialize(c, v, ""); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(t0)
	}
	for range b.N {
		for _, a := range answers {
			g, p := time.Duration(1<<62), time.Duration(1<<62)
			for range 3 {
				g, p = min(g, run(graded, a.v)), min(p, run(plain, a.v))
			}
			b.ReportMetric(p.Seconds()/g.Seconds(), a.name+"_graded_vs_plain")
			b.Logf("%s: graded %v, plain %v per answer: graded_vs_plain %.2f", a.name, g/2000, p/2000, p.Seconds()/g.Seconds())
		}
	}
}
