package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/diming/diming/data"
	"github.com/diming/diming/web"
)

const usage = `diming — place names, divisions, boundaries and digital doorplates

Usage:
  diming [flags] serve             serve the web map, API and scan pages (default)
  diming [flags] db start|stop|status|url   manage the private PostgreSQL cluster
  diming [flags] migrate           apply database migrations
  diming [flags] user add -username NAME -roles admin[,..] [-scope CODE]
  diming [flags] token add -username NAME -name PURPOSE
  diming [flags] token list [-username NAME]
  diming [flags] token revoke -id ID
  diming [flags] import KIND FILE  import official data (see README)
  diming [flags] demo              load the generated demo data (idempotent)
  diming [flags] romanize          re-spell every stored name, street and address (one audited step)
  diming [flags] readings list|add -word W -pinyin "P P" -source S   place-name readings admins add
  diming [flags] export -collection ID [-division CODE] [-format geojson|geojsonseq|ndjson|kml|csv] [-o FILE]
                                   stream a collection's features to a file, with a progress bar
  diming [flags] tiles seed -zoom 0-8 [-within CODE]   warm the running server's tile cache
  diming [flags] tiles purge       empty the tile cache of every running server
  diming [flags] changes pull -out FILE [-url URL]   append the change feed to FILE (NDJSON; token in DIMING_TOKEN)

Flags (each falls back to the environment variable shown):
`

// Config is everything the command needs, from flags and the environment.
type Config struct {
	Addr       string // DIMING_ADDR
	DBURL      string // DATABASE_URL: the server's own, ordinary role
	DBOwnerURL string // DATABASE_OWNER_URL: the schema owner, for migrations
	// DBReplica is a streaming replica of -db (same role) that takes reads
	// that may lag: scans missing memory, tiles, search (DATABASE_REPLICA_URL).
	DBReplica  string
	PublicURL  string // DIMING_PUBLIC_URL
	LogFormat  string // DIMING_LOG_FORMAT
	Migrate    bool   // DIMING_MIGRATE
	Demo       bool   // DIMING_DEMO
	WebDir     string // DIMING_WEB_DIR
	PGDir      string // DIMING_PG_DIR
	PGPort     int    // DIMING_PG_PORT
	PGFast     bool   // DIMING_PG_FAST
	PGDatabase string // DIMING_PG_DATABASE

	MapReviewNumber string // DIMING_MAP_REVIEW_NUMBER: the 审图号 on the public web map
	// BaseTiles is an optional raster base map URL template ({z} {x} {y},
	// and {key} for BaseTilesKey); off when empty.
	BaseTiles       string // DIMING_BASE_TILES
	BaseTilesKey    string // DIMING_BASE_TILES_KEY (env only)
	BaseAttribution string // DIMING_BASE_ATTRIBUTION
	// PlateKeys is the doorplate signing key ring, "id:base64,id:base64"
	// (env only, it is a secret); the first key signs new plates.
	PlateKeys   string // DIMING_PLATE_KEYS
	PhonePolicy string // DIMING_PHONE_POLICY: mask, hide or full
	// TrustedProxies is the CIDR list of reverse proxies whose
	// X-Forwarded-For names the client (DIMING_TRUSTED_PROXIES).
	TrustedProxies string
	ScanPreload    bool   // DIMING_SCAN_PRELOAD: hold every plate's scan record in memory
	TileCacheMB    int    // DIMING_TILE_CACHE_MB: memory for gzipped tiles
	TileDiskDir    string // DIMING_TILE_CACHE_DIR: disk tier for tiles memory evicts
}

// Validate reports configuration mistakes before anything starts.
func (c Config) Validate() error {
	var errs []string
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, "-log-format must be json or text")
	}
	if msg := c.baseLayerProblem(); msg != "" {
		errs = append(errs, msg)
	}
	if c.PGPort <= 0 || c.PGPort > 65535 {
		errs = append(errs, "-pg-port must be a TCP port")
	}
	if c.TileCacheMB <= 0 {
		errs = append(errs, "-tile-cache-mb must be a positive number of MiB")
	}
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		errs = append(errs, "-public-url must start with http:// or https://")
	}
	if _, err := web.ParseTrustedProxies(c.TrustedProxies); err != nil {
		errs = append(errs, "-trusted-proxies: a comma-separated list of CIDRs such as 10.0.0.0/8")
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, []string, error) {
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	// A variable that is set but does not parse is an operator's mistake:
	// it is reported by name rather than replaced by the default.
	var envErrs []string
	envBool := func(k string, def bool) bool {
		b, err := strconv.ParseBool(env(k, strconv.FormatBool(def)))
		if err != nil {
			envErrs = append(envErrs, k+"="+getenv(k)+": want true or false")
			return def
		}
		return b
	}
	envInt := func(k string, def int) int {
		n, err := strconv.Atoi(env(k, strconv.Itoa(def)))
		if err != nil {
			envErrs = append(envErrs, k+"="+getenv(k)+": want a whole number")
			return def
		}
		return n
	}
	port := envInt("DIMING_PG_PORT", 15329)
	var c Config
	fs := flag.NewFlagSet("diming", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	fs.StringVar(&c.Addr, "addr", env("DIMING_ADDR", "127.0.0.1:8080"), "listen address (DIMING_ADDR)")
	fs.StringVar(&c.DBURL, "db", env("DATABASE_URL", ""), "PostgreSQL URL the server connects with, as an ordinary role; empty uses the private cluster (DATABASE_URL)")
	fs.StringVar(&c.DBOwnerURL, "db-owner", env("DATABASE_OWNER_URL", ""),
		"PostgreSQL URL of the role that owns the schema; migrations run with it and grant -db's role its privileges (DATABASE_OWNER_URL)")
	fs.StringVar(&c.DBReplica, "db-replica", env("DATABASE_REPLICA_URL", ""),
		"PostgreSQL URL of a streaming replica of -db, as the same role; scans that miss memory, tiles and search read from it, writes and the writer's next reads go to -db (DATABASE_REPLICA_URL)")
	fs.StringVar(&c.PublicURL, "public-url", env("DIMING_PUBLIC_URL", ""), "external base URL for links and QR codes (DIMING_PUBLIC_URL)")
	fs.StringVar(&c.LogFormat, "log-format", env("DIMING_LOG_FORMAT", "json"), "json or text (DIMING_LOG_FORMAT)")
	fs.BoolVar(&c.Migrate, "migrate", envBool("DIMING_MIGRATE", true), "apply migrations at start-up (DIMING_MIGRATE)")
	fs.BoolVar(&c.Demo, "demo", envBool("DIMING_DEMO", false), "load the generated demo data at start-up when missing (DIMING_DEMO)")
	fs.StringVar(&c.WebDir, "web-dir", env("DIMING_WEB_DIR", ""), "serve the web map from this folder (development) (DIMING_WEB_DIR)")
	fs.StringVar(&c.MapReviewNumber, "map-review-number", env("DIMING_MAP_REVIEW_NUMBER", ""), "审图号 shown on the public web map, e.g. 浙S(2024)12号 (DIMING_MAP_REVIEW_NUMBER)")
	fs.StringVar(&c.PGDir, "pg-dir", env("DIMING_PG_DIR", ".data/pg"), "private cluster folder (DIMING_PG_DIR)")
	fs.IntVar(&c.PGPort, "pg-port", port, "private cluster port (DIMING_PG_PORT)")
	fs.BoolVar(&c.PGFast, "pg-fast", envBool("DIMING_PG_FAST", false), "run the private cluster without fsync; tests only (DIMING_PG_FAST)")
	fs.StringVar(&c.PGDatabase, "pg-database", env("DIMING_PG_DATABASE", "diming"), "database name on the private cluster (DIMING_PG_DATABASE)")
	fs.StringVar(&c.PhonePolicy, "phone-policy", env("DIMING_PHONE_POLICY", "mask"), "how scan pages show personal phone numbers: mask, hide or full (DIMING_PHONE_POLICY)")
	fs.BoolVar(&c.ScanPreload, "scan-preload", envBool("DIMING_SCAN_PRELOAD", true),
		"hold every plate's scan record in memory (about 0.5 KB a plate) so no scan waits for the database; false keeps the 20,000 most recent (DIMING_SCAN_PRELOAD)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", env("DIMING_TRUSTED_PROXIES", ""),
		"comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed; empty: the direct peer is the client and forwarding headers are ignored (DIMING_TRUSTED_PROXIES)")
	fs.StringVar(&c.BaseTiles, "base-tiles", env("DIMING_BASE_TILES", ""),
		"raster base map URL template with {z} {x} {y} (and {key}, filled from DIMING_BASE_TILES_KEY), e.g. Tianditu WMTS; off when empty (DIMING_BASE_TILES)")
	fs.StringVar(&c.BaseAttribution, "base-attribution", env("DIMING_BASE_ATTRIBUTION", ""), "attribution shown for the base map, e.g. 天地图 (DIMING_BASE_ATTRIBUTION)")
	tileMB := envInt("DIMING_TILE_CACHE_MB", 256)
	fs.IntVar(&c.TileCacheMB, "tile-cache-mb", tileMB, "memory for gzipped vector tiles, in MiB (DIMING_TILE_CACHE_MB)")
	fs.StringVar(&c.TileDiskDir, "tile-cache-dir", env("DIMING_TILE_CACHE_DIR", ""),
		"folder for a disk tier holding the tiles memory evicts; empty keeps tiles in memory only (DIMING_TILE_CACHE_DIR)")
	c.PlateKeys = getenv("DIMING_PLATE_KEYS")
	c.BaseTilesKey = getenv("DIMING_BASE_TILES_KEY")
	if len(envErrs) > 0 {
		return c, nil, errors.New("environment: " + strings.Join(envErrs, "; "))
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	}
	return c, fs.Args(), c.Validate()
}

// baseLayerProblem says what is wrong with the base map settings, or "".
func (c Config) baseLayerProblem() string {
	if c.BaseTiles == "" {
		return ""
	}
	u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0", "{key}", "k").Replace(c.BaseTiles))
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return "-base-tiles must be an http(s) URL template"
	case !strings.Contains(c.BaseTiles, "{z}") || !strings.Contains(c.BaseTiles, "{x}") || !strings.Contains(c.BaseTiles, "{y}"):
		return "-base-tiles must contain {z}, {x} and {y}"
	case strings.Contains(c.BaseTiles, "{key}") && c.BaseTilesKey == "":
		return "-base-tiles has {key}: set DIMING_BASE_TILES_KEY"
	case c.BaseAttribution == "":
		return "-base-attribution is required with -base-tiles (the base map's licence asks for it)"
	}
	return ""
}

// baseLayer is the base map for the web layer, its key filled in.
func (c Config) baseLayer() web.BaseLayer {
	if c.BaseTiles == "" {
		return web.BaseLayer{}
	}
	return web.BaseLayer{Tiles: strings.ReplaceAll(c.BaseTiles, "{key}", url.QueryEscape(c.BaseTilesKey)), Attribution: c.BaseAttribution}
}

func (c Config) cluster() data.Cluster {
	return data.Cluster{Dir: c.PGDir, Port: c.PGPort, BinDir: data.DefaultBinDir, Fast: c.PGFast}
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// run is the whole program; main only calls it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, rest, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	logger := newLogger(cfg.LogFormat, stderr)
	cmd := "serve"
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, logger, stdout)
	case "db":
		return dbCommand(ctx, cfg, rest, stdout)
	case "migrate":
		owner, app, err := databaseURLs(ctx, cfg, io.Discard)
		if err != nil {
			return err
		}
		if owner == "" {
			// An operator who asks to migrate without naming the owner
			// means DATABASE_URL's role.
			owner = app
		}
		if err := migrateAs(ctx, owner, app, logger); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrations applied")
		return nil
	case "user":
		return userCommand(ctx, cfg, logger, rest, stdin, stdout, stderr)
	case "token":
		return tokenCommand(ctx, cfg, logger, rest, stdout, stderr)
	case "import":
		return importCommand(ctx, cfg, logger, rest, stdout, stderr)
	case "export":
		return exportCommand(ctx, cfg, logger, rest, stdout, stderr)
	case "tiles":
		return tilesCommand(ctx, cfg, logger, rest, stdout, stderr)
	case "changes":
		return changesCommand(ctx, cfg, rest, getenv("DIMING_TOKEN"), stdout, stderr)
	case "demo":
		db, err := openDB(ctx, cfg, logger)
		if err != nil {
			return err
		}
		defer db.Close()
		return loadDemo(ctx, db, logger, stdout)
	case "romanize":
		return romanizeCommand(ctx, cfg, logger, stdout)
	case "readings":
		return readingsCommand(ctx, cfg, logger, rest, stdout, stderr)
	case "help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q; run `diming help`", cmd)
}

// databaseURLs returns the owner's URL (migrations) and the application
// role's URL (everything else). With DATABASE_URL set they are
// DATABASE_OWNER_URL (possibly empty) and DATABASE_URL; otherwise the
// private cluster is started (created on first use) and both roles set up.
func databaseURLs(ctx context.Context, cfg Config, out io.Writer) (owner, app string, err error) {
	if cfg.DBURL != "" {
		return cfg.DBOwnerURL, cfg.DBURL, nil
	}
	cl := cfg.cluster()
	if err := cl.Start(ctx, out); err != nil {
		return "", "", err
	}
	return cl.Setup(ctx, cfg.PGDatabase)
}

// openDB connects as the application role. Migrations run first, as the
// owner, when there is an owner URL and -migrate is on; without one the
// schema must already be current.
func openDB(ctx context.Context, cfg Config, logger *slog.Logger) (*data.DB, error) {
	owner, app, err := databaseURLs(ctx, cfg, io.Discard)
	if err != nil {
		return nil, err
	}
	if cfg.Migrate && owner != "" {
		if err := migrateAs(ctx, owner, app, logger); err != nil {
			return nil, err
		}
	}
	db, err := data.Open(ctx, data.Config{URL: app, MaxConns: 32, StatementTimeout: 30 * time.Minute}, logger)
	if err != nil {
		return nil, err
	}
	if err := requireMigrated(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if p, err := db.Privileges(ctx); err == nil && p.Privileged() {
		logger.Warn("the server connects as a superuser or as the owner of the schema, so the database cannot hold it to the append-only audit log and no-delete rules; give DATABASE_URL an ordinary role and DATABASE_OWNER_URL the owner (see README)",
			"role", p.Role, "superuser", p.Superuser, "owns_tables", p.OwnsTables)
	}
	return db, nil
}

// migrateAs applies the migrations on the owner's connection and grants
// the application role (the user of appURL) its privileges.
func migrateAs(ctx context.Context, ownerURL, appURL string, logger *slog.Logger) error {
	odb, err := data.Open(ctx, data.Config{URL: ownerURL, MaxConns: 2, StatementTimeout: 30 * time.Minute}, logger)
	if err != nil {
		return fmt.Errorf("connect as the schema owner (DATABASE_OWNER_URL): %w", err)
	}
	defer odb.Close()
	if err := odb.Migrate(ctx); err != nil {
		return err
	}
	ownerRole, appRole := data.URLRole(ownerURL), data.URLRole(appURL)
	if appRole == "" || appRole == ownerRole {
		return nil
	}
	return odb.GrantApp(ctx, appRole)
}

// requireMigrated refuses to go on with a schema older than this binary.
func requireMigrated(ctx context.Context, db *data.DB) error {
	applied, available, err := db.MigrationState(ctx)
	if err == nil && applied == available {
		return nil
	}
	hint := "请用拥有数据库结构的角色迁移：设置 DATABASE_OWNER_URL（或 -db-owner）后重新启动，或运行 `diming -db-owner URL migrate`"
	if err != nil {
		return fmt.Errorf("无法读取数据库迁移状态（%w）；%s", err, hint)
	}
	return fmt.Errorf("数据库结构未更新：已应用 %d 个迁移，本程序需要 %d 个；%s", applied, available, hint)
}

func dbCommand(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: diming db start|stop|status|url")
	}
	cl := cfg.cluster()
	switch args[0] {
	case "start":
		if err := cl.Start(ctx, stdout); err != nil {
			return err
		}
		_, _, err := cl.Setup(ctx, cfg.PGDatabase)
		return err
	case "stop":
		return cl.Stop(ctx)
	case "status":
		if cl.Running(ctx) {
			fmt.Fprintf(stdout, "running on 127.0.0.1:%d (data in %s)\n", cfg.PGPort, cfg.PGDir)
			return nil
		}
		fmt.Fprintf(stdout, "not running (data in %s)\n", cfg.PGDir)
		return errors.New("database cluster is not running")
	case "url":
		u, err := cl.URL(cfg.PGDatabase)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, u)
		return nil
	}
	return fmt.Errorf("unknown db command %q; use start, stop, status or url", args[0])
}
