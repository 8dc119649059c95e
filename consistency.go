package diming

import "context"

type readAfterKey struct{}

// WithReadAfter returns a context whose reads must see the database at
// least as of WAL position lsn (a byte offset, as PostgreSQL's pg_lsn
// minus '0/0'): the position of the caller's own last write, so that a
// user who just wrote reads it back even when reads go to a replica.
func WithReadAfter(ctx context.Context, lsn uint64) context.Context {
	if lsn == 0 {
		return ctx
	}
	return context.WithValue(ctx, readAfterKey{}, lsn)
}

// ReadAfter returns the WAL position reads in ctx must have seen, or 0.
func ReadAfter(ctx context.Context) uint64 {
	v, _ := ctx.Value(readAfterKey{}).(uint64)
	return v
}
