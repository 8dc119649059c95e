package dbtest

// Template databases. Each is built once on the test cluster and copied
// (CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY, a file copy taking
// about a second) for every test database made from it:
//
//   - the schema template: every migration applied, no rows; Open and
//     Fresh(tb, true) copy it instead of migrating each time;
//   - one template per Set of real data, imported by the product's own
//     importers (boundaries.Service as the application role) into a copy
//     of the schema template, with the import reports: NationalSet (the
//     whole country: NBS five levels, MCA history, province, Zhejiang
//     prefecture and county polygons; National, NationalShared and
//     NationalReports), CountiesSet and TownsSet (Copy).
//
// Each template's name carries a hash of what it is built from (the
// migrations, the code of data, boundaries and dbtest, the set's input
// files), so a change to any of them builds a new one and the older ones
// of that kind are dropped. The first test binary that needs a missing
// template builds it under a PostgreSQL advisory lock of its kind; the
// binaries go test runs beside it wait for that one builder instead of
// importing the same data again. The current templates stay on the
// cluster for the next run; a new cluster (CI) builds them from scratch.
// The imports themselves are still tested: building a template runs
// them, and the import tests (report counts, failures, kill -9 in the
// middle, idempotence) import what they assert on.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/data"
	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"
)

// Template names: tplPrefix, the kind, an underscore and the hash.
const (
	tplPrefix    = "diming_tpl_"
	kindSchema   = "schema"
	kindNational = "national"
)

// A Set is real data (../shared/data) a template holds, imported by the
// product's importers into the migrated schema.
type Set struct {
	kind  string
	base  *Set // the template it starts from; nil: the schema template
	steps func(tb testing.TB) ([]step, error)
}

// step is one import of a Set: an importer ("nbs", "mca" or "polygons",
// as `diming import`) and its files; name keys its report.
type step struct {
	name, importer string
	files          []string
}

// The sets tests copy.
var (
	// NBSSet: the NBS five levels of the whole country (620,573 villages)
	// and nothing else.
	NBSSet = Set{kind: "nbs", steps: func(tb testing.TB) ([]step, error) {
		nbs, err := boundaries.ExpandNBSPaths([]string{SharedData(tb, "nbs-2023-divisions")})
		return []step{{"nbs", "nbs", nbs}}, err
	}}
	// NationalSet: NBSSet, the MCA code history since 1981, then the
	// polygons of the provinces, of Zhejiang's prefectures and of every
	// county (DataV, GCJ-02), in that order, so that the counties derive
	// only the prefectures without a polygon (deriving every province
	// from its counties takes minutes).
	NationalSet = Set{kind: kindNational, base: &NBSSet, steps: func(tb testing.TB) ([]step, error) {
		return []step{
			{"mca", "mca", []string{SharedData(tb, "mca-gbt2260-areacodes/result.csv")}},
			{"provinces", "polygons", []string{SharedData(tb, "datav-geoatlas-v3-2024/china_provinces_gcj02.geojson")}},
			{"prefectures", "polygons", []string{SharedData(tb, "datav-geoatlas-v3-2024/zhejiang_prefectures_gcj02.geojson")}},
			{"counties", "polygons", []string{SharedData(tb, "datav-geoatlas-v3-2024/china_county_level_gcj02.geojson.gz")}},
		}, nil
	}}
	// CountiesSet: the NBS provinces, prefectures and counties, the MCA
	// code history and the polygons of the 15 focus counties (绍兴, 嘉兴,
	// 三门, 嘉鱼): real neighbours to draw boundary lines between.
	CountiesSet = Set{kind: "counties", steps: func(tb testing.TB) ([]step, error) {
		return []step{
			{"nbs", "nbs", nbsFiles(tb, "provinces.csv", "cities.csv", "areas.csv")},
			{"mca", "mca", []string{SharedData(tb, "mca-gbt2260-areacodes/result.csv")}},
			{"focus", "polygons", []string{SharedData(tb, "datav-geoatlas-v3-2024/focus_counties_shaoxing_jiaxing_sanmen_jiayu_gcj02.geojson")}},
		}, nil
	}}
	// TownsSet: the NBS provinces, prefectures, counties and towns of the
	// whole country and the villages of the focus areas (3306, 3304,
	// 331022, 421221); no polygons, no history.
	TownsSet = Set{kind: "towns", steps: func(tb testing.TB) ([]step, error) {
		return []step{{"nbs", "nbs", nbsFiles(tb, "provinces.csv", "cities.csv", "areas.csv", "streets.csv",
			"villages_focus_3306_3304_331022_421221.csv")}}, nil
	}}
)

func nbsFiles(tb testing.TB, names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, SharedData(tb, filepath.Join("nbs-2023-divisions", n)))
	}
	return out
}

// lockKey is the advisory-lock key of a kind: a binary that needs one
// template never waits for another's build.
func lockKey(kind string) int64 {
	h := fnv.New64a()
	h.Write([]byte("diming template " + kind))
	return int64(h.Sum64())
}

// NationalImports are the reports of the imports that filled the national
// template, read back from it.
type NationalImports struct {
	NBS         *boundaries.ImportReport // nbs-2023-divisions, all five levels
	MCA         *boundaries.ImportReport // mca-gbt2260-areacodes/result.csv
	Provinces   *boundaries.ImportReport // china_provinces_gcj02.geojson
	Prefectures *boundaries.ImportReport // zhejiang_prefectures_gcj02.geojson
	Counties    *boundaries.ImportReport // china_county_level_gcj02.geojson.gz
}

var (
	tplMu    sync.Mutex
	tplNames = map[string]string{} // kind → ready template name

	reportsMu sync.Mutex
	reports   = map[string]map[string]*boundaries.ImportReport{} // kind → step → report

	sharedNationalOnce sync.Once
	sharedNational     *data.DB
	sharedNationalName string
	sharedNationalErr  error
)

// Copy returns a copy of set's template of its own for tb, as the
// application role, and the copy's owner URL; it is dropped when tb ends.
// The first call on a cluster without the current template builds it.
func Copy(tb testing.TB, set Set) (db *data.DB, url string) {
	tb.Helper()
	db, n, err := setCopy(tb, set)
	if err != nil {
		tb.Fatalf("%s test database: %v", set.kind, err)
	}
	tb.Cleanup(func() {
		db.Close()
		_ = data.DropDatabase(context.Background(), adminURL(), n)
	})
	v, _ := owners.Load(db)
	return db, v.(string)
}

// National returns a copy of the national database (NationalSet) of its
// own for tb; see Copy. The first call of a `make test` run on a cluster
// without the current template imports the national data into it
// (minutes); later calls copy it (seconds).
func National(tb testing.TB) (db *data.DB, url string) {
	tb.Helper()
	return Copy(tb, NationalSet)
}

// NationalShared returns the test binary's one copy of the national
// database, as the application role, made on first use and dropped by
// Main. Tests share it, so they only read, or write with codes of their
// own.
func NationalShared(tb testing.TB) *data.DB {
	tb.Helper()
	sharedNationalOnce.Do(func() {
		sharedNational, sharedNationalName, sharedNationalErr = setCopy(tb, NationalSet)
	})
	if sharedNationalErr != nil {
		tb.Fatalf("national test database: %v", sharedNationalErr)
	}
	return sharedNational
}

// NationalReports returns the reports of the imports that built the
// national template.
func NationalReports(tb testing.TB) NationalImports {
	tb.Helper()
	reportsMu.Lock()
	r, ok := reports[kindNational]
	reportsMu.Unlock()
	if !ok {
		NationalShared(tb)
		reportsMu.Lock()
		r, ok = reports[kindNational]
		reportsMu.Unlock()
	}
	if !ok {
		tb.Fatal("the national template holds no import reports")
	}
	return NationalImports{NBS: r["nbs"], MCA: r["mca"], Provinces: r["provinces"], Prefectures: r["prefectures"], Counties: r["counties"]}
}

// setCopy copies set's template, reads its import reports (once) and
// takes them out of the copy, and grants the application role.
func setCopy(tb testing.TB, set Set) (*data.DB, string, error) {
	tb.Helper()
	tpl, err := template(tb, set)
	if err != nil {
		return nil, "", err
	}
	start := time.Now()
	defer func() { tb.Logf("copied %s in %v", tpl, time.Since(start).Round(time.Millisecond)) }()
	return copyTemplate(tb, tpl, func(ctx context.Context, owner *data.DB) error {
		reportsMu.Lock()
		defer reportsMu.Unlock()
		if _, ok := reports[set.kind]; !ok {
			var raw []byte
			if err := owner.Pool.QueryRow(ctx, `SELECT report FROM dbtest.import_reports WHERE name = $1`, set.kind).Scan(&raw); err != nil {
				return fmt.Errorf("read the import reports: %w", err)
			}
			var r map[string]*boundaries.ImportReport
			if err := json.Unmarshal(raw, &r); err != nil {
				return err
			}
			reports[set.kind] = r
		}
		_, err := owner.Pool.Exec(ctx, `DROP SCHEMA dbtest CASCADE`)
		return err
	})
}

// schemaCopy makes a migrated, empty database from the schema template
// and returns its name and owner URL.
func schemaCopy(tb testing.TB) (name, ownerURL string, err error) {
	tpl, err := template(tb, schemaSet)
	if err != nil {
		return "", "", err
	}
	name = randomName()
	u, err := createFrom(context.Background(), tpl, name)
	return name, u, err
}

// copyTemplate copies tpl into a new database, runs prepare on it as the
// owner, grants the application role and returns the role's handle.
func copyTemplate(tb testing.TB, tpl string, prepare func(context.Context, *data.DB) error) (*data.DB, string, error) {
	ctx := context.Background()
	n := randomName()
	u, err := createFrom(ctx, tpl, n)
	if err != nil {
		return nil, "", err
	}
	fail := func(err error) (*data.DB, string, error) {
		_ = data.DropDatabase(ctx, adminURL(), n)
		return nil, "", err
	}
	odb, err := data.Open(ctx, data.Config{URL: u, MaxConns: 2}, quiet())
	if err != nil {
		return fail(err)
	}
	if prepare != nil {
		if err := prepare(ctx, odb); err != nil {
			odb.Close()
			return fail(err)
		}
	}
	if err := ensureRole(); err != nil {
		odb.Close()
		return fail(err)
	}
	err = odb.GrantApp(ctx, role)
	odb.Close()
	if err != nil {
		return fail(err)
	}
	adb, err := openApp(ctx, u)
	if err != nil {
		return fail(err)
	}
	owners.Store(adb, u)
	return adb, n, nil
}

// openApp opens url's database as the test binary's application role.
// Passwords hash at bcrypt's lowest cost: at the default cost one hash
// takes over a second under the race detector, and the tests make
// hundreds of accounts and sign-ins.
func openApp(ctx context.Context, ownerURL string) (*data.DB, error) {
	if err := ensureRole(); err != nil {
		return nil, err
	}
	return data.Open(ctx, data.Config{URL: withRole(ownerURL), MaxConns: 16, PasswordCost: bcrypt.MinCost}, quiet())
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// createFrom creates database name as a copy of template tpl and returns
// its URL (as the admin, who owns it).
func createFrom(ctx context.Context, tpl, name string) (string, error) {
	conn, err := pgx.Connect(ctx, adminURL())
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	// FILE_COPY copies the template's files; the default (WAL_LOG) writes
	// every block of a 450 MB database through the WAL.
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{tpl}.Sanitize() + " STRATEGY FILE_COPY"
	if _, err := conn.Exec(ctx, sql); err != nil {
		return "", fmt.Errorf("copy template %s: %w", tpl, err)
	}
	return dbURL(name)
}

func dbURL(name string) (string, error) {
	u, err := parseURL(adminURL())
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// schemaSet is the migrated schema alone.
var schemaSet = Set{kind: kindSchema}

// template returns the name of the ready template of set, building it
// first when the cluster has none for the current hash.
func template(tb testing.TB, set Set) (string, error) {
	schema := "" // the name of the template it starts from
	if set.kind != kindSchema {
		base := schemaSet
		if set.base != nil {
			base = *set.base
		}
		var err error
		if schema, err = template(tb, base); err != nil {
			return "", err
		}
	}
	tplMu.Lock()
	defer tplMu.Unlock()
	if n, ok := tplNames[set.kind]; ok {
		return n, nil
	}
	if adminURL() == "" {
		return "", errNoURL
	}
	var steps []step
	if set.steps != nil {
		var err error
		if steps, err = set.steps(tb); err != nil {
			return "", err
		}
	}
	sum, err := templateHash(schema, steps)
	if err != nil {
		return "", err
	}
	name := tplPrefix + set.kind + "_" + sum
	ctx := context.Background()
	ready, err := templateReady(ctx, name)
	if err != nil {
		return "", err
	}
	if !ready {
		if err := buildLocked(tb, set.kind, name, schema, steps); err != nil {
			return "", fmt.Errorf("build template %s: %w", name, err)
		}
	}
	tplNames[set.kind] = name
	return name, nil
}

// templateReady reports whether name exists and was finished (a finished
// template is marked as a template and refuses connections).
func templateReady(ctx context.Context, name string) (bool, error) {
	conn, err := pgx.Connect(ctx, adminURL())
	if err != nil {
		return false, err
	}
	defer conn.Close(ctx)
	var ready bool
	err = conn.QueryRow(ctx, `SELECT coalesce((SELECT datistemplate AND NOT datallowconn FROM pg_database WHERE datname = $1), false)`, name).Scan(&ready)
	return ready, err
}

// buildLocked builds template name under the kind's advisory lock: a
// binary that finds another one building waits, then uses its template.
func buildLocked(tb testing.TB, kind, name, schema string, steps []step) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminURL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	start := time.Now()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockKey(kind)); err != nil {
		return err
	}
	defer func() { _, _ = conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, lockKey(kind)) }()
	if waited := time.Since(start); waited > time.Second {
		tb.Logf("waited %v for another test binary to build %s", waited.Round(time.Second), name)
	}
	var exists, ready bool
	err = conn.QueryRow(ctx, `SELECT count(*) > 0, coalesce(bool_and(datistemplate AND NOT datallowconn), false)
		FROM pg_database WHERE datname = $1`, name).Scan(&exists, &ready)
	if err != nil || ready {
		return err
	}
	if exists { // a builder died half-way
		if err := dropTemplate(ctx, conn, name); err != nil {
			return err
		}
	}
	start = time.Now()
	if kind == kindSchema {
		err = buildSchema(ctx, conn, name)
	} else {
		err = buildSet(kind, name, schema, steps)
	}
	if err != nil {
		_ = dropTemplate(ctx, conn, name)
		return err
	}
	tb.Logf("built template %s in %v", name, time.Since(start).Round(time.Second))
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return err
	}
	// Templates of an older hash are of no more use.
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname <> $2`, tplPrefix+kind+"_", name)
	if err != nil {
		return err
	}
	old, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, o := range old {
		_ = dropTemplate(ctx, conn, o)
	}
	return nil
}

func dropTemplate(ctx context.Context, conn *pgx.Conn, name string) error {
	id := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+id+" WITH IS_TEMPLATE false"); err != nil {
		return err
	}
	_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)")
	return err
}

// buildSchema creates name and applies every migration as the owner.
func buildSchema(ctx context.Context, conn *pgx.Conn, name string) error {
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return err
	}
	u, err := dbURL(name)
	if err != nil {
		return err
	}
	odb, err := data.Open(ctx, data.Config{URL: u, MaxConns: 2}, quiet())
	if err != nil {
		return err
	}
	defer odb.Close()
	return odb.Migrate(ctx)
}

// buildSet copies the schema template into name and runs the set's
// imports with the product's importers, as the application role (as the
// server and the CLI import), then stores the reports in a schema of
// their own that setCopy reads and drops.
func buildSet(kind, name, schema string, steps []step) error {
	ctx := context.Background()
	u, err := createFrom(ctx, schema, name)
	if err != nil {
		return err
	}
	odb, err := data.Open(ctx, data.Config{URL: u, MaxConns: 2}, quiet())
	if err != nil {
		return err
	}
	defer odb.Close()
	if err := ensureRole(); err != nil {
		return err
	}
	if err := odb.GrantApp(ctx, role); err != nil {
		return err
	}
	adb, err := openApp(ctx, u)
	if err != nil {
		return err
	}
	svc := boundaries.New(adb)
	// A set built on another starts with that one's reports.
	reps := map[string]*boundaries.ImportReport{}
	var baseReps []byte
	var fromSet bool
	err = odb.Pool.QueryRow(ctx, `SELECT to_regclass('dbtest.import_reports') IS NOT NULL`).Scan(&fromSet)
	if err == nil && fromSet {
		err = odb.Pool.QueryRow(ctx, `SELECT report FROM dbtest.import_reports`).Scan(&baseReps)
	}
	if err != nil {
		adb.Close()
		return err
	}
	if baseReps != nil {
		if err := json.Unmarshal(baseReps, &reps); err != nil {
			adb.Close()
			return err
		}
		if _, err := odb.Pool.Exec(ctx, `DROP SCHEMA dbtest CASCADE`); err != nil {
			adb.Close()
			return err
		}
	}
	for _, st := range steps {
		var rep *boundaries.ImportReport
		switch st.importer {
		case "nbs":
			rep, err = svc.ImportNBS(ctx, st.files, nil)
		case "mca":
			rep, err = svc.ImportMCAHistory(ctx, st.files, nil)
		case "polygons":
			rep, err = svc.ImportPolygons(ctx, st.files, boundaries.PolygonOptions{CRS: boundaries.GCJ02}, nil)
		default:
			err = fmt.Errorf("no importer %q", st.importer)
		}
		if err != nil {
			adb.Close()
			return fmt.Errorf("%s: %w", st.name, err)
		}
		reps[st.name] = rep
	}
	adb.Close()
	raw, err := json.Marshal(reps)
	if err != nil {
		return err
	}
	// The template keeps no privileges of this binary's role, which is
	// dropped when the binary ends; each copy grants its own.
	_, err = odb.Pool.Exec(ctx, `CREATE SCHEMA dbtest; CREATE TABLE dbtest.import_reports (name text PRIMARY KEY, report jsonb NOT NULL);
		DROP OWNED BY `+pgx.Identifier{role}.Sanitize())
	if err != nil {
		return err
	}
	if _, err = odb.Pool.Exec(ctx, `INSERT INTO dbtest.import_reports VALUES ($1, $2)`, kind, raw); err != nil {
		return err
	}
	return analyzeWritten(ctx, odb)
}

// analyzeWritten analyzes the tables the build wrote, as autovacuum would
// soon after an import. A copy starts without the activity counters that
// set autovacuum off, so without this its tables would never get
// statistics; tables the build left empty stay unanalyzed, as in a new
// database.
func analyzeWritten(ctx context.Context, odb *data.DB) error {
	rows, err := odb.Pool.Query(ctx, `SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables WHERE n_mod_since_analyze > 0`)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := odb.Pool.Exec(ctx, "ANALYZE "+t); err != nil {
			return err
		}
	}
	return nil
}

// templateHash is a hash of what a template is built from: the
// migrations and the code that applies them, and for a set also the
// importing code and the set's steps and input files.
func templateHash(base string, steps []step) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	var files []string
	add := func(dir, suffix string) error {
		es, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			return err
		}
		for _, e := range es {
			n := e.Name()
			if e.Type().IsRegular() && strings.HasSuffix(n, suffix) && !strings.HasSuffix(n, "_test.go") {
				files = append(files, filepath.Join(root, dir, n))
			}
		}
		return nil
	}
	dirs := []struct{ dir, suffix string }{{"data/migrations", ".sql"}, {"data", ".go"}, {"data/dbtest", ".go"}, {".", ".go"}}
	if len(steps) > 0 {
		dirs = append(dirs, struct{ dir, suffix string }{"boundaries", ".go"})
	}
	for _, d := range dirs {
		if err := add(d.dir, d.suffix); err != nil {
			return "", err
		}
	}
	files = append(files, filepath.Join(root, "go.sum"))
	slices.Sort(files)
	h := sha256.New()
	fmt.Fprintf(h, "base %s\n", base)
	for _, st := range steps {
		fmt.Fprintf(h, "step %s %s\n", st.name, st.importer)
		files = append(files, st.files...)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		fmt.Fprintf(h, "%s\n", filepath.ToSlash(rel))
		fh, err := os.Open(f)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// repoRoot is the folder holding go.mod, above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fs.ErrNotExist
		}
		dir = parent
	}
}
