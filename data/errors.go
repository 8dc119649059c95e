package data

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/diming/diming"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Messages for the database being unreachable or overloaded. They are the
// words a person reads; the kind beside them (unavailable, 503) is the
// machine-readable part.
const (
	msgUnreachable = "数据库暂时无法连接，请稍后重试"
	msgTooSlow     = "数据库响应超时，请稍后重试或缩小查询范围"
	msgBusy        = "数据库繁忙，请稍后重试"
	msgCancelled   = "请求已取消"
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
		return diming.E(op, diming.NotFound, "未找到", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return diming.E(op, diming.Unavailable, msgTooSlow, err)
	}
	if errors.Is(err, context.Canceled) {
		return diming.E(op, diming.Unavailable, msgCancelled, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return translateSQLState(op, pe, err)
	}
	if unreachable(err) {
		return diming.E(op, diming.Unavailable, msgUnreachable, err)
	}
	return diming.E(op, err)
}

// translateSQLState is the one table from SQLSTATE to kind.
func translateSQLState(op string, pe *pgconn.PgError, err error) error {
	switch pe.Code {
	case "23505", "23P01":
		return diming.E(op, diming.Conflict, conflictMessage(pe), err)
	case "23503":
		return diming.E(op, diming.Invalid, "引用的记录不存在（"+pe.ConstraintName+"）", err)
	case "23514", "23502", "22P02", "22023", "XX000":
		return diming.E(op, diming.Invalid, invalidMessage(pe), err)
	case "57014":
		return diming.E(op, diming.Unavailable, msgTooSlow, err)
	case "55P03", "40001", "40P01", "53300", "53400":
		// Lock not available, serialization failure, deadlock, too many
		// connections, configuration limit: retrying helps.
		return diming.E(op, diming.Unavailable, msgBusy, err)
	case "57P01", "57P02", "57P03":
		// Admin shutdown, crash shutdown, cannot connect now (starting
		// up or shutting down).
		return diming.E(op, diming.Unavailable, msgUnreachable, err)
	case "22021", "22P05":
		// A NUL or a byte sequence that is not UTF-8: the edge should have
		// refused it; if it got through, it is still the client's input.
		return diming.E(op, diming.Invalid, "文本含有无效字符（空字符或不是 UTF-8 的字节）", err)
	case "P0001":
		// RAISE EXCEPTION from our own triggers carries a user message.
		return diming.E(op, diming.Invalid, pe.Message, err)
	case "42501":
		return diming.E(op, diming.Forbidden, pe.Message, err)
	}
	switch pe.Code[:min(2, len(pe.Code))] {
	case "08": // connection exception
		return diming.E(op, diming.Unavailable, msgUnreachable, err)
	case "53": // insufficient resources
		return diming.E(op, diming.Unavailable, msgBusy, err)
	}
	return diming.E(op, err)
}

// unreachable reports whether err is a failure to reach the server at all:
// a refused or failed connection, or a connection lost mid-query. pgx
// marks errors raised before anything was sent as safe to retry.
func unreachable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	return pgconn.SafeToRetry(err) || pgconn.Timeout(err)
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
		return "不符合规则 " + pe.ConstraintName
	case pe.Code == "XX000" || pe.Code == "22023":
		return "几何图形或取值无效：" + pe.Message
	case pe.ColumnName != "":
		return "字段 " + pe.ColumnName + " 缺失或取值无效"
	}
	return "取值无效"
}
