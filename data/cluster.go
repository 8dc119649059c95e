package data

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is the project's private PostgreSQL cluster: its own data
// directory and port, run as the postgres user when we are root (PostgreSQL
// refuses to run as root). It is for development, the demo and the tests;
// production points DATABASE_URL at its own server.
type Cluster struct {
	Dir    string // data directory parent, e.g. ".data/pg"
	Port   int
	BinDir string // PostgreSQL server binaries
	// Fast trades durability for speed (fsync off); for test clusters only.
	Fast bool
	// Options are more server settings, "-c name=value ...".
	Options string
}

// DefaultBinDir is where Debian's postgresql-15 puts the server binaries.
const DefaultBinDir = "/usr/lib/postgresql/15/bin"

func (c Cluster) dataDir() string         { return filepath.Join(c.Dir, "data") }
func (c Cluster) passwordFile() string    { return filepath.Join(c.Dir, "password") }
func (c Cluster) appPasswordFile() string { return filepath.Join(c.Dir, "app-password") }

// AppRole is the ordinary role the server connects as on the private
// cluster; the cluster's superuser owns the schema and runs migrations.
const AppRole = "diming_app"

func (c Cluster) logFile() string { return filepath.Join(c.Dir, "data", "server.log") }

// URL returns the connection URL of database name on the cluster.
func (c Cluster) URL(name string) (string, error) {
	pw, err := os.ReadFile(c.passwordFile())
	if err != nil {
		return "", fmt.Errorf("the private cluster in %s is not set up (run `diming db start`): %w", c.Dir, err)
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword("postgres", strings.TrimSpace(string(pw))),
		Host: "127.0.0.1:" + strconv.Itoa(c.Port), Path: "/" + name, RawQuery: "sslmode=disable"}
	return u.String(), nil
}

// AppURL returns the URL of database name on the cluster as the
// application role (see Setup).
func (c Cluster) AppURL(name string) (string, error) {
	pw, err := os.ReadFile(c.appPasswordFile())
	if err != nil {
		return "", fmt.Errorf("the application role of the private cluster in %s is not set up (run `diming db start`): %w", c.Dir, err)
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(AppRole, strings.TrimSpace(string(pw))),
		Host: "127.0.0.1:" + strconv.Itoa(c.Port), Path: "/" + name, RawQuery: "sslmode=disable"}
	return u.String(), nil
}

// Setup ensures database name and the application role on the running
// cluster and returns the owner's URL (for migrations) and the
// application role's URL (for the server). The role's password is
// generated on first use and kept beside the cluster's.
func (c Cluster) Setup(ctx context.Context, name string) (ownerURL, appURL string, err error) {
	admin, err := c.URL("postgres")
	if err != nil {
		return "", "", err
	}
	if ownerURL, err = EnsureDatabase(ctx, admin, name); err != nil {
		return "", "", err
	}
	pw, err := os.ReadFile(c.appPasswordFile())
	if errors.Is(err, os.ErrNotExist) {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		pw = []byte(hex.EncodeToString(b))
		err = os.WriteFile(c.appPasswordFile(), append(pw, '\n'), 0o600)
	}
	if err != nil {
		return "", "", err
	}
	if err := EnsureAppRole(ctx, admin, AppRole, strings.TrimSpace(string(pw))); err != nil {
		return "", "", err
	}
	appURL, err = c.AppURL(name)
	return ownerURL, appURL, err
}

// command builds a command that runs as the postgres user when we are root.
func (c Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	bin := filepath.Join(c.BinDir, name)
	if os.Geteuid() == 0 {
		return exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
	}
	return exec.CommandContext(ctx, bin, args...)
}

// Running reports whether the cluster's server is up.
func (c Cluster) Running(ctx context.Context) bool {
	if _, err := os.Stat(filepath.Join(c.dataDir(), "PG_VERSION")); err != nil {
		return false
	}
	return c.command(ctx, "pg_ctl", "status", "-D", c.absDataDir()).Run() == nil
}

func (c Cluster) absDataDir() string {
	d, err := filepath.Abs(c.dataDir())
	if err != nil {
		return c.dataDir()
	}
	return d
}

// Start creates the cluster on first use and starts it when it is not
// running; it is idempotent and prints what it does to out.
func (c Cluster) Start(ctx context.Context, out io.Writer) error {
	if _, err := os.Stat(filepath.Join(c.BinDir, "postgres")); err != nil {
		return fmt.Errorf("PostgreSQL 15 is not installed at %s (install postgresql-15-postgis-3, or run `make run` which does): %w", c.BinDir, err)
	}
	if _, err := os.Stat(filepath.Join(c.dataDir(), "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx, out); err != nil {
			return err
		}
	}
	if c.Running(ctx) {
		fmt.Fprintf(out, "database cluster already running on 127.0.0.1:%d\n", c.Port)
		return nil
	}
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200 -c shared_buffers=512MB -c work_mem=32MB -c maintenance_work_mem=512MB -c max_wal_size=4GB", c.Port)
	if c.Fast {
		opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	if c.Options != "" {
		opts += " " + c.Options
	}
	cmd := c.command(ctx, "pg_ctl", "start", "-w", "-t", "60", "-D", c.absDataDir(), "-l", c.absLogFile(), "-o", opts)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("start PostgreSQL (log: %s): %w\n%s", c.logFile(), err, b)
	}
	fmt.Fprintf(out, "database cluster started on 127.0.0.1:%d (data in %s)\n", c.Port, c.dataDir())
	return nil
}

func (c Cluster) absLogFile() string { return filepath.Join(c.absDataDir(), "server.log") }

func (c Cluster) initdb(ctx context.Context, out io.Writer) error {
	// The parent stays readable so the postgres user can reach its data
	// directory; the data directory itself is private to postgres.
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(c.Dir, 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(c.dataDir(), 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	pw := make([]byte, 18)
	_, _ = rand.Read(pw)
	secret := hex.EncodeToString(pw)
	if err := os.WriteFile(c.passwordFile(), []byte(secret+"\n"), 0o600); err != nil {
		return err
	}
	// initdb reads the password from a file the postgres user can read.
	pwfile := filepath.Join(c.absDataDir(), "..", "initdb-pw")
	if err := os.WriteFile(pwfile, []byte(secret+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(pwfile)
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("the postgres system user is missing (install postgresql-15): %w", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		for _, p := range []string{c.dataDir(), pwfile} {
			if err := os.Chown(p, uid, gid); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(out, "creating a private database cluster in %s\n", c.dataDir())
	cmd := c.command(ctx, "initdb", "-D", c.absDataDir(), "-U", "postgres", "--auth=scram-sha-256", "--pwfile="+pwfile,
		"-E", "UTF8", "--locale=C.UTF-8")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, b)
	}
	return nil
}

// Replicate makes c a streaming replica of the running cluster primary:
// pg_basebackup -R copies primary's data (roles and passwords included)
// and writes the standby settings, so the next Start runs c as a hot
// standby that follows primary. c's folder must not hold a cluster yet.
func (c Cluster) Replicate(ctx context.Context, primary Cluster) error {
	if _, err := os.Stat(filepath.Join(c.dataDir(), "PG_VERSION")); err == nil {
		return fmt.Errorf("%s already holds a cluster", c.dataDir())
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(c.Dir, 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(c.dataDir(), 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("the postgres system user is missing (install postgresql-15): %w", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(c.dataDir(), uid, gid); err != nil {
			return err
		}
	}
	for _, f := range []string{"password", "app-password", "plate-keys"} {
		b, err := os.ReadFile(filepath.Join(primary.Dir, f))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(c.Dir, f), b, 0o600); err != nil {
			return err
		}
	}
	pw, err := os.ReadFile(primary.passwordFile())
	if err != nil {
		return err
	}
	cmd := c.command(ctx, "pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(primary.Port), "-U", "postgres",
		"-D", c.absDataDir(), "-R", "-X", "stream", "-c", "fast")
	cmd.Env = append(os.Environ(), "PGPASSWORD="+strings.TrimSpace(string(pw)))
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_basebackup: %w\n%s", err, b)
	}
	return nil
}

// Stop stops the cluster's server if it runs.
func (c Cluster) Stop(ctx context.Context) error {
	if !c.Running(ctx) {
		return nil
	}
	if b, err := c.command(ctx, "pg_ctl", "stop", "-w", "-m", "fast", "-D", c.absDataDir()).CombinedOutput(); err != nil {
		return fmt.Errorf("stop PostgreSQL: %w\n%s", err, b)
	}
	return nil
}

// EnsureDatabase creates database name with PostGIS on the server behind
// adminURL (a URL of any database there) unless it exists, and returns
// the URL of the new database.
func EnsureDatabase(ctx context.Context, adminURL, name string) (string, error) {
	conn, err := connectRetry(ctx, adminURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname=$1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return "", fmt.Errorf("create database %s: %w", name, err)
		}
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// DropDatabase removes a throwaway test database.
func DropDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := connectRetry(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

func connectRetry(ctx context.Context, dsn string) (*pgx.Conn, error) {
	var err error
	for i := 0; i < 20; i++ {
		var conn *pgx.Conn
		if conn, err = pgx.Connect(ctx, dsn); err == nil {
			return conn, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("cannot reach PostgreSQL: %w", err)
}
