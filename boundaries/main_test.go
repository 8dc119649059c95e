package boundaries_test

import (
	"os"
	"testing"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// national is the test binary's copy of the national template (see
// dbtest.National): the NBS five levels (all 620,573 villages), the MCA
// history and the county, prefecture and province polygons, imported
// once per `make test` by the product's importers, with the reports of
// those imports. Tests use it read-only or with codes of their own.
type national struct {
	db      *data.DB
	svc     *boundaries.Service
	nbs     *boundaries.ImportReport
	mca     *boundaries.ImportReport
	polys   *boundaries.ImportReport
	prefect *boundaries.ImportReport
	provs   *boundaries.ImportReport
}

func mustNational(t testing.TB) national {
	t.Helper()
	db := dbtest.NationalShared(t)
	r := dbtest.NationalReports(t)
	return national{db: db, svc: boundaries.New(db), nbs: r.NBS, mca: r.MCA, polys: r.Counties, prefect: r.Prefectures, provs: r.Provinces}
}
