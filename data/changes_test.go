package data_test

import (
	"context"
	"testing"

	"github.com/diming/diming/data"
	"github.com/diming/diming/data/dbtest"
	"github.com/diming/diming/sharing"
	"github.com/jackc/pgx/v5"
)

// TestChangesHoldBackLateCommits: a change written earlier by a
// transaction that commits later is not skipped. The feed holds back
// changes from the oldest running writer of the audit log.
func TestChangesHoldBackLateCommits(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	end := func() sharing.Cursor {
		t.Helper()
		var c sharing.Cursor
		for {
			page, err := db.FindChanges(ctx, c, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				return c
			}
			last := page[len(page)-1]
			c = sharing.Cursor{XID: last.XID, ID: last.ID}
		}
	}
	start := end()
	early, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Rollback(ctx)
	write := func(q data.DBTX, id string) {
		t.Helper()
		if err := data.Audit(ctx, q, data.Change{Action: "address.test", Entity: "address", EntityID: id}); err != nil {
			t.Fatal(err)
		}
	}
	write(early, "early") // the earlier transaction and row…
	if err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error { write(tx, "late"); return nil }); err != nil {
		t.Fatal(err)
	}
	// …still running: the later, committed row is held back.
	if page, err := db.FindChanges(ctx, start, 10); err != nil || len(page) != 0 {
		t.Fatalf("FindChanges while an earlier writer runs = %d changes, %v; want none yet", len(page), err)
	}
	if err := early.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	page, err := db.FindChanges(ctx, start, 10)
	if err != nil || len(page) != 2 || page[0].EntityID != "early" || page[1].EntityID != "late" {
		t.Fatalf("FindChanges after the commit = %+v, %v; want early then late", page, err)
	}
}
