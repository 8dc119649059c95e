package data

import (
	"context"
	"errors"

	"github.com/diming/diming"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// translate maps database errors to diming kinds by SQLSTATE, never by
// message text. The constraint name travels in Msg for Conflict and
// Invalid so that callers can say which rule broke.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *diming.Error
	if errors.As(err, &de) {
		return diming.E(op, err)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return diming.E(op, diming.NotFound, "not found", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return diming.E(op, diming.Unavailable, "the database took too long; try again", err)
	}
	if errors.Is(err, context.Canceled) {
		return diming.E(op, diming.Unavailable, "request cancelled", err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505", "23P01":
			return diming.E(op, diming.Conflict, conflictMessage(pe), err)
		case "23503":
			return diming.E(op, diming.Invalid, "refers to a record that does not exist ("+pe.ConstraintName+")", err)
		case "23514", "23502", "22P02", "22023", "XX000":
			return diming.E(op, diming.Invalid, invalidMessage(pe), err)
		case "57014", "55P03", "40001", "40P01":
			return diming.E(op, diming.Unavailable, "the database is busy; try again", err)
		case "P0001":
			// RAISE EXCEPTION from our own triggers carries a user message.
			return diming.E(op, diming.Invalid, pe.Message, err)
		case "42501":
			return diming.E(op, diming.Forbidden, pe.Message, err)
		}
		if len(pe.Code) == 2 && pe.Code[:2] == "08" {
			return diming.E(op, diming.Unavailable, "the database is unreachable", err)
		}
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return diming.E(op, diming.Unavailable, "the database is unreachable", err)
	}
	return diming.E(op, err)
}

func conflictMessage(pe *pgconn.PgError) string {
	switch pe.ConstraintName {
	case "places_naming_rule":
		return pe.Message // the naming guard says, in Chinese, which name clashes and under which rule
	case "":
		return "记录已存在"
	}
	return "记录已存在（" + pe.ConstraintName + "）"
}

func invalidMessage(pe *pgconn.PgError) string {
	switch {
	case pe.ConstraintName != "":
		return "breaks the rule " + pe.ConstraintName
	case pe.Code == "XX000" || pe.Code == "22023":
		return "invalid geometry or value: " + pe.Message
	case pe.ColumnName != "":
		return "missing or bad value for " + pe.ColumnName
	}
	return "invalid value"
}
