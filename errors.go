// Package diming holds what every part of the gazetteer shares: the closed
// set of error kinds and the acting user. It has no dependencies.
package diming

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error so that the web layer can choose a status and
// the logger can tell user mistakes from operator problems. The set is
// closed and append-only.
type Kind uint8

// The kinds, in the order they were added. Never renumber.
const (
	Internal     Kind = iota // something went wrong that the user cannot fix
	Invalid                  // the request or data breaks a rule; Fields says where
	NotFound                 // the thing asked for does not exist (or is not visible)
	Conflict                 // a unique rule or a stale version
	Unauthorized             // no or bad credentials
	Forbidden                // credentials fine, but not allowed here
	Unavailable              // a dependency is down or too slow; try again
	TooLarge                 // the request body or upload is over the limit
	TooMany                  // too many attempts (sign-in lock-out); wait and retry
)

var kindNames = [...]string{"internal", "invalid", "not_found", "conflict", "unauthorized", "forbidden", "unavailable", "too_large", "too_many_requests"}

// String returns the kind's snake_case name as it appears in JSON errors.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "internal"
}

// Error is the error type of the whole module. Msg is safe to show to a
// user; Err is for operators and never leaves the server.
type Error struct {
	Op     string            // operation, e.g. "data.CreatePlate"
	Kind   Kind              // class of problem
	Msg    string            // message for the user
	Fields map[string]string // per-field problems, for Invalid
	Err    error             // underlying cause
	// Current carries the current state of a record for Conflict errors
	// caused by a stale version, so a client can merge and retry.
	Current any
}

// E builds an *Error from its arguments in any order: an Op (string that
// looks like "pkg.Func"), a Kind, a message (any other string), a
// map[string]string of field problems, or an underlying error.
func E(args ...any) error {
	e := &Error{}
	for _, a := range args {
		switch v := a.(type) {
		case Kind:
			e.Kind = v
		case string:
			if e.Op == "" && isOp(v) {
				e.Op = v
			} else {
				e.Msg = v
			}
		case map[string]string:
			e.Fields = v
		case error:
			e.Err = v
		}
	}
	// Inherit the kind and message of a wrapped *Error so that wrapping
	// only adds context.
	var inner *Error
	if e.Err != nil && errors.As(e.Err, &inner) {
		if e.Kind == Internal {
			e.Kind = inner.Kind
		}
		if e.Msg == "" {
			e.Msg = inner.Msg
		}
		if e.Fields == nil {
			e.Fields = inner.Fields
		}
		if e.Current == nil {
			e.Current = inner.Current
		}
	}
	return e
}

// Errorf is E(kind, fmt.Sprintf(format, args...)) for user messages.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

func isOp(s string) bool {
	i := strings.IndexByte(s, '.')
	return i > 0 && i < len(s)-1 && !strings.ContainsAny(s, " \t\n")
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Msg != "" {
		b.WriteString(e.Msg)
	} else {
		b.WriteString(e.Kind.String())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause so errors.Is and errors.As work.
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// MessageOf returns the user-safe message of err, or "" when it has none.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return ""
}

// FieldErrors collects per-field problems while validating input.
type FieldErrors map[string]string

// Add records a problem for a field; the first problem per field wins.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns an Invalid *Error for op when any problem was recorded.
func (f FieldErrors) Err(op string) error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Op: op, Kind: Invalid, Msg: "some fields need fixing", Fields: map[string]string(f)}
}

// MsgVersion is the one message for a write that does not say which
// version of the record it read (optimistic locking: without it, one
// person's save would silently overwrite another's).
const MsgVersion = "请提交读取时的版本号，以免覆盖他人同时所做的修改"
