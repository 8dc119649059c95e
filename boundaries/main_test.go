package boundaries_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// national is the shared database with the real data imported once: the
// NBS five levels (all 620,573 villages), the MCA history and the county,
// prefecture and province polygons. Tests use it read-only or with codes
// of their own.
type national struct {
	db      *data.DB
	svc     *boundaries.Service
	nbs     *boundaries.ImportReport
	mca     *boundaries.ImportReport
	polys   *boundaries.ImportReport
	prefect *boundaries.ImportReport
	provs   *boundaries.ImportReport
}

var (
	nationalOnce sync.Once
	nationalData national
	nationalErr  error
)

func mustNational(t testing.TB) national {
	t.Helper()
	db := dbtest.Open(t)
	dir := dbtest.SharedData(t, "nbs-2023-divisions")
	mca := dbtest.SharedData(t, "mca-gbt2260-areacodes/result.csv")
	counties := dbtest.SharedData(t, "datav-geoatlas-v3-2024/china_county_level_gcj02.geojson.gz")
	prefs := dbtest.SharedData(t, "datav-geoatlas-v3-2024/zhejiang_prefectures_gcj02.geojson")
	provs := dbtest.SharedData(t, "datav-geoatlas-v3-2024/china_provinces_gcj02.geojson")
	nationalOnce.Do(func() {
		ctx := context.Background()
		n := national{db: db, svc: boundaries.New(db)}
		if n.nbs, nationalErr = n.svc.ImportNBS(ctx, []string{dir}, nil); nationalErr != nil {
			return
		}
		if n.mca, nationalErr = n.svc.ImportMCAHistory(ctx, []string{mca}, nil); nationalErr != nil {
			return
		}
		// Provinces and the prefectures of the prefecture file first: the
		// counties then derive only the prefectures that have no polygon
		// (deriving every province from its counties takes minutes).
		if n.provs, nationalErr = n.svc.ImportPolygons(ctx, []string{provs}, boundaries.PolygonOptions{CRS: boundaries.GCJ02}, nil); nationalErr != nil {
			return
		}
		if n.prefect, nationalErr = n.svc.ImportPolygons(ctx, []string{prefs}, boundaries.PolygonOptions{CRS: boundaries.GCJ02}, nil); nationalErr != nil {
			return
		}
		n.polys, nationalErr = n.svc.ImportPolygons(ctx, []string{counties}, boundaries.PolygonOptions{CRS: boundaries.GCJ02}, nil)
		nationalData = n
	})
	if nationalErr != nil {
		t.Fatalf("import the national data: %v", nationalErr)
	}
	return nationalData
}
