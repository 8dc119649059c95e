// Package data is the only package that talks to PostgreSQL. It opens the
// pool, applies the embedded migrations, and implements the stores the
// domain packages declare. Every write is audited in the same transaction,
// and nothing is hard-deleted.
package data
