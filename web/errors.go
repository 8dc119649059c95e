package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/diming/diming"
	"github.com/diming/diming/boundaries"
	"github.com/diming/diming/doorplate"
	"github.com/diming/diming/gazetteer"
	"github.com/labstack/echo/v4"
)

// statusOf maps error kinds to HTTP statuses; the one table for the API.
var statusOf = map[diming.Kind]int{
	diming.Internal:     http.StatusInternalServerError,
	diming.Invalid:      http.StatusBadRequest,
	diming.NotFound:     http.StatusNotFound,
	diming.Conflict:     http.StatusConflict,
	diming.Unauthorized: http.StatusUnauthorized,
	diming.Forbidden:    http.StatusForbidden,
	diming.Unavailable:  http.StatusServiceUnavailable,
	diming.TooLarge:     http.StatusRequestEntityTooLarge,
	diming.TooMany:      http.StatusTooManyRequests,
}

// errorBody is the one JSON error shape: {"error":{kind,message,fields}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Kind      string            `json:"kind"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Current   any               `json:"current,omitempty"`
}

// httpErrorHandler renders every error as the one JSON shape (or a small
// page for HTML routes). It logs Internal errors once, and client
// cancellations as 499.
func httpErrorHandler(logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, body := errorResponse(err)
		body.Error.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
		switch {
		case errors.Is(err, context.Canceled):
			status = 499
			logger.Info("client went away", "request_id", body.Error.RequestID, "route", c.Path())
		case status >= 500:
			logger.Error("request failed", "request_id", body.Error.RequestID, "route", c.Path(), "err", err)
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		if wantsHTML(c) {
			_ = renderErrorPage(c, status, body.Error.Message)
			return
		}
		_ = c.JSON(status, body)
	}
}

func errorResponse(err error) (int, errorBody) {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		// echo's own errors: unknown route, wrong method, body too large.
		kind := diming.Internal
		msg := http.StatusText(he.Code)
		switch he.Code {
		case http.StatusNotFound:
			kind, msg = diming.NotFound, "没有这个页面或资源"
		case http.StatusMethodNotAllowed:
			kind, msg = diming.Invalid, "此处不允许这种请求方法"
		case http.StatusRequestEntityTooLarge:
			kind, msg = diming.TooLarge, "提交的内容太大"
		case http.StatusBadRequest:
			kind, msg = diming.Invalid, "请求有误"
		case http.StatusUnauthorized:
			kind, msg = diming.Unauthorized, "请先登录"
		case http.StatusForbidden:
			kind, msg = diming.Forbidden, "没有权限"
		case http.StatusServiceUnavailable:
			kind, msg = diming.Unavailable, "服务繁忙，请稍后再试"
		}
		if m, ok := he.Message.(string); ok && he.Code < 500 && m != "" && m != http.StatusText(he.Code) {
			msg = m
		}
		return he.Code, errorBody{errorDetail{Kind: kind.String(), Message: msg}}
	}
	var de *diming.Error
	if !errors.As(err, &de) {
		return 500, errorBody{errorDetail{Kind: "internal", Message: "内部错误；报告问题时请提供请求编号（request_id）"}}
	}
	status := statusOf[de.Kind]
	msg := de.Msg
	if de.Kind == diming.Internal || msg == "" {
		msg = "内部错误；报告问题时请提供请求编号（request_id）"
	}
	if de.Kind == diming.Invalid && len(de.Fields) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return status, errorBody{errorDetail{Kind: de.Kind.String(), Message: msg, Fields: de.Fields, Current: currentDTO(de.Current)}}
}

// wantsHTML reports whether an error should render as a page: the client
// did not ask for JSON, and the route serves people (marked with
// htmlRouteKey) or no route matched a browser's navigation outside the
// API (a mistyped or stale link to a page).
func wantsHTML(c echo.Context) bool {
	accept := c.Request().Header.Get(echo.HeaderAccept)
	if strings.Contains(accept, echo.MIMEApplicationJSON) {
		return false
	}
	if c.Get(htmlRouteKey) != nil {
		return true
	}
	return strings.Contains(accept, echo.MIMETextHTML) && !strings.HasPrefix(c.Request().URL.Path, "/api/")
}

const htmlRouteKey = "diming.html"

// currentDTO renders the current record carried by a version conflict in
// the API's own shape.
func currentDTO(v any) any {
	switch x := v.(type) {
	case diming.UserRecord:
		return toUserRecordDTO(x)
	case gazetteer.Place:
		return toPlaceDTO(x)
	case gazetteer.Application:
		return toApplicationDTO(x)
	case boundaries.Division:
		return toDivisionDTO(x)
	case boundaries.Line:
		return toLineDTO(x, false)
	case boundaries.Marker:
		return toMarkerDTO(x)
	case boundaries.Inspection:
		return toInspectionDTO(x)
	case doorplate.Address:
		return toAddressDTO(x)
	case doorplate.Grid:
		return toGridDTO(x)
	case doorplate.CommunityInfo:
		return toCommunityDTO(x)
	}
	return v
}
