package boundaries_test

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// BenchmarkImportFiveLevels times the full NBS import (31 provinces …
// 620,573 villages) into a fresh database, and as its baseline a plain
// COPY of the same rows into an unindexed table, in the same run.
func BenchmarkImportFiveLevels(b *testing.B) {
	dir := dbtest.SharedData(b, "nbs-2023-divisions")
	var ours, plain time.Duration
	var rows int
	for i := 0; i < b.N; i++ {
		db, _ := dbtest.Fresh(b, true)
		start := time.Now()
		rep, err := boundaries.New(db).ImportNBS(context.Background(), []string{dir}, nil)
		if err != nil {
			b.Fatal(err)
		}
		ours += time.Since(start)
		rows = rep.Imported
		start = time.Now()
		if err := plainCopy(db, dir); err != nil {
			b.Fatal(err)
		}
		plain += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(ours.Seconds()/n, "import_s")
	b.ReportMetric(float64(rows)/(ours.Seconds()/n), "rows/s")
	b.ReportMetric(plain.Seconds()/n, "plain_copy_s")
	b.ReportMetric(ours.Seconds()/plain.Seconds(), "x_vs_plain_sql")
}

// plainCopy is the baseline: read the same files and COPY every row into
// a bare table, with no validation, parents, indexes or history.
func plainCopy(db *data.DB, dir string) error {
	ctx := context.Background()
	return db.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE plain_divisions (code text, name text, parent text) ON COMMIT DROP`); err != nil {
			return err
		}
		for _, f := range []string{"provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages_national.csv.gz"} {
			fh, err := os.Open(filepath.Join(dir, f))
			if err != nil {
				return err
			}
			var r io.Reader = fh
			if strings.HasSuffix(f, ".gz") {
				if r, err = gzip.NewReader(fh); err != nil {
					return err
				}
			}
			cr := csv.NewReader(r)
			cr.FieldsPerRecord = -1
			_, _ = cr.Read()
			_, err = tx.CopyFrom(ctx, pgx.Identifier{"plain_divisions"}, []string{"code", "name", "parent"}, pgx.CopyFromFunc(func() ([]any, error) {
				rec, err := cr.Read()
				if err == io.EOF {
					return nil, nil
				}
				if err != nil {
					return nil, err
				}
				parent := ""
				if len(rec) > 2 {
					parent = rec[2]
				}
				return []any{rec[0], rec[1], parent}, nil
			}))
			fh.Close()
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// BenchmarkReverseLookup resolves points spread over the whole national
// county layer to their division chains (province, prefecture, county,
// every column of each) in the same run as the plain SQL a DBA would
// write for the same work: the county whose whole polygon contains the
// point, joined to its parent and grandparent, read into the same
// structs. A second plain query reads the county code alone, the floor
// no chain look-up can reach.
func BenchmarkReverseLookup(b *testing.B) {
	n := mustNational(b)
	ctx := context.Background()
	rows, err := n.db.Pool.Query(ctx, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM divisions
		WHERE level = 3 AND valid_to IS NULL AND geom IS NOT NULL ORDER BY code) x`)
	if err != nil {
		b.Fatal(err)
	}
	var pts []orb.Point
	for rows.Next() {
		var p orb.Point
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			b.Fatal(err)
		}
		pts = append(pts, p)
	}
	rows.Close()
	const plainSQL = `SELECT d.code, d.name, d.level, d.kind, coalesce(d.parent_code, ''), coalesce(d.urban_rural, ''),
		d.valid_from, d.valid_to, d.geom IS NOT NULL, d.generated, d.version
	FROM divisions c JOIN divisions d ON d.code IN (c.code, c.parent_code, (SELECT p.parent_code FROM divisions p WHERE p.code = c.parent_code))
	WHERE c.level = 3 AND c.valid_to IS NULL AND ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint($1, $2), 4490))
	ORDER BY d.level`
	const codeSQL = `SELECT code FROM divisions WHERE level = 3 AND valid_to IS NULL AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint($1, $2), 4490))`
	lookupOurs := func() {
		for _, p := range pts {
			chain, err := n.svc.DivisionsAt(ctx, p)
			if err != nil || len(chain) < 3 {
				b.Fatalf("DivisionsAt(%v) = %d divisions, %v", p, len(chain), err)
			}
		}
	}
	lookupPlain := func() {
		for _, p := range pts {
			rows, _ := n.db.Pool.Query(ctx, plainSQL, p[0], p[1])
			chain, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (boundaries.Division, error) {
				var d boundaries.Division
				var level int16
				err := r.Scan(&d.Code, &d.Name, &level, &d.Kind, &d.ParentCode, &d.UrbanRural, &d.ValidFrom, &d.ValidTo,
					&d.HasGeom, &d.Generated, &d.Version)
				d.Level = boundaries.Level(level)
				return d, err
			})
			if err != nil || len(chain) < 3 {
				b.Fatalf("plain query at %v: %d divisions, %v", p, len(chain), err)
			}
		}
	}
	lookupCode := func() {
		for _, p := range pts {
			var code string
			if err := n.db.Pool.QueryRow(ctx, codeSQL, p[0], p[1]).Scan(&code); err != nil {
				b.Fatalf("code query at %v: %v", p, err)
			}
		}
	}
	// Warm the buffers and plans of all first, so none pays for another's
	// cold cache; then rotate which goes first.
	fns := []func(){lookupOurs, lookupPlain, lookupCode}
	for _, f := range fns {
		f()
	}
	took := make([]time.Duration, len(fns))
	b.ResetTimer()
	for i := 0; i < 3*b.N; i++ {
		for j := range fns {
			k := (i + j) % len(fns)
			start := time.Now()
			fns[k]()
			took[k] += time.Since(start)
		}
	}
	total := float64(3 * b.N * len(pts))
	b.ReportMetric(total/took[0].Seconds(), "lookups/s")
	b.ReportMetric(total/took[1].Seconds(), "plain_lookups/s")
	b.ReportMetric(took[0].Seconds()/took[1].Seconds(), "x_vs_plain_sql")
	b.ReportMetric(total/took[2].Seconds(), "code_only_lookups/s")
	b.ReportMetric(took[0].Seconds()/took[2].Seconds(), "x_vs_code_only_sql")
}
