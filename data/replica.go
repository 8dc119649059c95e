package data

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/diming/diming"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A streaming replica (pg_basebackup -R, hot standby) takes the reads that
// may be a little behind the primary: scan records that miss memory,
// tiles, place and division search. A read goes to the replica only when
// the replica has replayed every change the reader must see:
//
//   - the reader's own last write (diming.ReadAfter, which the web layer
//     carries from the writer's cookie or header), so whoever just wrote
//     reads it back;
//   - for reads that fill a cache, every change announced on that cache's
//     channel (doorplate_changed, tiles_changed) so far: on each
//     notification the primary's WAL position is taken as a floor, and the
//     cache refills from the primary until the replica has passed it, so a
//     cache never refills with what the notification replaced.
//
// Otherwise, and whenever the replica does not answer, reads go to the
// primary. Without a replica every read goes to the primary.
type replica struct {
	pool    *pgxpool.Pool
	primary *pgxpool.Pool
	logger  *slog.Logger

	replayed atomic.Uint64 // last WAL position the replica was seen to have replayed
	healthy  atomic.Bool
	checked  atomic.Int64 // unix nanos of the last look at the replica
	mu       sync.Mutex   // one look at a time
	floors   sync.Map     // channel -> *atomic.Uint64

	toReplica, toPrimary atomic.Int64
}

// replicaPoll is how often the replica's replay position is read in the
// background; a reader that needs a newer position looks at once (at most
// every replicaRecheck).
const (
	replicaPoll    = 200 * time.Millisecond
	replicaRecheck = 2 * time.Millisecond
)

// OpenReplica connects reads to the streaming replica at url (the same
// role as the primary's connection) and watches its replay position until
// ctx ends. It returns an error only for a URL it cannot parse; a replica
// that does not answer leaves every read on the primary until it does.
func (db *DB) OpenReplica(ctx context.Context, cfg Config) error {
	pc, err := poolConfig(cfg)
	if err != nil {
		return fmt.Errorf("parse replica url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return fmt.Errorf("open replica pool: %w", err)
	}
	r := &replica{pool: pool, primary: db.Pool, logger: db.logger}
	db.replica = r
	r.look(ctx, true)
	if r.healthy.Load() {
		db.logger.Info("read replica connected", "replayed", r.replayed.Load())
	} else {
		db.logger.Warn("read replica not answering; reads go to the primary until it does")
	}
	go func() {
		t := time.NewTicker(replicaPoll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				was := r.healthy.Load()
				r.look(ctx, true)
				if now := r.healthy.Load(); now != was {
					db.logger.Info("read replica", "answering", now, "replayed", r.replayed.Load())
				}
			}
		}
	}()
	return nil
}

// look reads the replica's replay position (on a server not in recovery,
// its current position, so a replica promoted or pointed at the primary
// still counts as caught up). With wait false it returns at once when
// another look is under way, so readers never queue behind a slow replica.
func (r *replica) look(ctx context.Context, wait bool) {
	if wait {
		r.mu.Lock()
	} else if !r.mu.TryLock() {
		return
	}
	defer r.mu.Unlock()
	limit := time.Second
	if !wait {
		limit = 50 * time.Millisecond // a reader waiting: the primary is the fallback
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var lsn *int64
	err := r.pool.QueryRow(ctx, `SELECT ((CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END) - '0/0'::pg_lsn)::bigint`).Scan(&lsn)
	r.checked.Store(time.Now().UnixNano())
	if err != nil || lsn == nil {
		// Only the background look decides the replica is down; a
		// reader's quick look that ran out of time just reads the primary.
		if wait {
			r.healthy.Store(false)
		}
		return
	}
	r.replayed.Store(uint64(*lsn))
	r.healthy.Store(true)
}

// floor is the WAL position channel's last notification was taken at.
func (r *replica) floor(channel string) *atomic.Uint64 {
	v, _ := r.floors.LoadOrStore(channel, new(atomic.Uint64))
	return v.(*atomic.Uint64)
}

// reader returns the pool a read in ctx should use: the replica when it
// has replayed what the reader must see (its own last write and, for
// cache fills, the notifications of channel, "" for none), else the
// primary.
func (db *DB) reader(ctx context.Context, channel string) DBTX {
	r := db.replica
	if r == nil {
		return db.Pool
	}
	need := diming.ReadAfter(ctx)
	if channel != "" {
		need = max(need, r.floor(channel).Load())
	}
	if r.healthy.Load() && r.replayed.Load() < need && time.Now().UnixNano()-r.checked.Load() > int64(replicaRecheck) {
		r.look(ctx, false)
	}
	if r.healthy.Load() && r.replayed.Load() >= need {
		r.toReplica.Add(1)
		return r.pool
	}
	r.toPrimary.Add(1)
	return db.Pool
}

// noteChange raises channel's floor to the primary's WAL insert position,
// which is past the commit record of every change notified so far (the
// write position may not be, with synchronous_commit off).
func (db *DB) noteChange(ctx context.Context, channel string) {
	r := db.replica
	if r == nil {
		return
	}
	var lsn int64
	if err := db.Pool.QueryRow(ctx, `SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint`).Scan(&lsn); err != nil {
		// Unknown: nothing on the replica may fill the cache until the
		// primary answers again.
		r.floor(channel).Store(^uint64(0))
		return
	}
	f := r.floor(channel)
	for {
		old := f.Load()
		if old != ^uint64(0) && old >= uint64(lsn) || f.CompareAndSwap(old, uint64(lsn)) {
			return
		}
	}
}

// WritePosition returns the primary's current WAL position, taken after a
// write so the writer's next reads wait for it (see diming.WithReadAfter);
// 0 when there is no replica and so nothing to wait for.
func (db *DB) WritePosition(ctx context.Context) (uint64, error) {
	if db.replica == nil {
		return 0, nil
	}
	var lsn int64
	err := db.Pool.QueryRow(ctx, `SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint`).Scan(&lsn)
	return uint64(lsn), translate("data.WritePosition", err)
}

// ReadStats counts the reads that could go to the replica, by where they
// went; both zero without a replica.
type ReadStats struct{ Replica, Primary int64 }

// ReadStats returns the read routing counters.
func (db *DB) ReadStats() ReadStats {
	if db.replica == nil {
		return ReadStats{}
	}
	return ReadStats{Replica: db.replica.toReplica.Load(), Primary: db.replica.toPrimary.Load()}
}
