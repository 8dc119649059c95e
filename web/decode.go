package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/diming/diming"
	"github.com/labstack/echo/v4"
)

// validator is implemented by request DTOs: Valid returns the problems per
// field, empty when the request can go on.
type validator interface {
	Valid(ctx context.Context) map[string]string
}

// decodeValid decodes a JSON body into T, refusing unknown fields, wrong
// types, trailing data and oversized bodies with a message that says what
// to fix, then runs T's validation.
func decodeValid[T validator](c echo.Context) (T, error) {
	var v T
	if err := decodeJSON(c, &v); err != nil {
		return v, err
	}
	if problems := v.Valid(c.Request().Context()); len(problems) > 0 {
		return v, &diming.Error{Op: "web.decode", Kind: diming.Invalid, Msg: "有字段需要修改", Fields: problems}
	}
	return v, nil
}

// parser is implemented by request DTOs that turn into a typed command:
// Parse checks every field once and returns the command with the problems
// per field (empty when the request can go on), so a handler never parses
// a field again after validating it.
type parser[C any] interface {
	Parse(ctx context.Context) (C, map[string]string)
}

// decodeCommand decodes a JSON body into the request DTO R as decodeValid
// does and returns the command R parses into.
func decodeCommand[R parser[C], C any](c echo.Context) (C, error) {
	var r R
	var zero C
	if err := decodeJSON(c, &r); err != nil {
		return zero, err
	}
	cmd, problems := r.Parse(c.Request().Context())
	if len(problems) > 0 {
		return zero, &diming.Error{Op: "web.decode", Kind: diming.Invalid, Msg: "有字段需要修改", Fields: problems}
	}
	return cmd, nil
}

// decodeJSON decodes the request body strictly into v.
func decodeJSON(c echo.Context, v any) error {
	const op = "web.decode"
	r := c.Request()
	if ct := r.Header.Get(echo.HeaderContentType); ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return diming.E(op, diming.Invalid, "请以 application/json 格式提交")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return diming.E(op, diming.Invalid, "JSON 对象之后还有多余内容；请只提交一个对象")
	}
	return nil
}

func decodeError(err error) error {
	const op = "web.decode"
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return diming.E(op, diming.TooLarge, fmt.Sprintf("提交的内容超过 %d 字节的上限", mbe.Limit))
	case errors.As(err, &syn):
		return diming.E(op, diming.Invalid, fmt.Sprintf("JSON 格式有误（第 %d 字节）：%v", syn.Offset, syn))
	case errors.As(err, &typ):
		field := typ.Field
		return diming.E(op, diming.Invalid, fmt.Sprintf("字段 %q 应为%s，而不是 %s", field, jsonType(typ.Type.Kind().String()), typ.Value),
			map[string]string{field: "应为" + jsonType(typ.Type.Kind().String())})
	case errors.Is(err, io.EOF):
		return diming.E(op, diming.Invalid, "请求内容为空；请提交一个 JSON 对象")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return diming.E(op, diming.Invalid, "JSON 内容不完整")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for unknown fields.
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return diming.E(op, diming.Invalid, fmt.Sprintf("未知字段 %q；请对照接口文档检查拼写", name),
			map[string]string{name: "未知字段"})
	}
	return diming.E(op, diming.Invalid, "无法读取 JSON 内容", err)
}

func jsonType(goKind string) string {
	switch goKind {
	case "string":
		return "字符串"
	case "bool":
		return "true 或 false"
	case "slice", "array":
		return "数组"
	case "map", "struct":
		return "对象"
	case "ptr":
		return "值"
	}
	return "数字"
}

// checkParams refuses, before any handler runs, query parameters that are
// not text: bytes that are not UTF-8 (q=%ff) or control characters such as
// NUL (q=%00). The answer is 400 naming the parameter; nothing reaches the
// database. Path parameters are the handlers' to parse (a garbled doorplate
// code gets the scan page's own answer); one that reaches the database
// anyway is refused there as Invalid.
func checkParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for name, vs := range c.QueryParams() {
			for _, v := range append(vs, name) {
				if !isText(v) {
					if !isText(name) {
						name = strconv.QuoteToASCII(name)
					}
					return diming.E("web.checkParams", diming.Invalid,
						fmt.Sprintf("查询参数 %s 含有无效字符（不是 UTF-8 文本，或含有空字符等控制字符）", name))
				}
			}
		}
		return next(c)
	}
}

// isText reports whether s is UTF-8 without control characters.
func isText(s string) bool { return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0 }

// queryLimit reads the optional "limit" parameter of a list: 0 when
// absent (the service's default applies), else a whole number from 1 to
// max, refused with a message naming the parameter.
func queryLimit(c echo.Context, max int) (int, error) {
	n, problem := parseLimit(c.QueryParam("limit"), max)
	if problem != "" {
		return 0, diming.E("web.queryLimit", diming.Invalid, "查询条件有误：limit "+problem, map[string]string{"limit": problem})
	}
	return n, nil
}

// parseLimit reads a limit v (0 when empty) and says what is wrong with
// it, for handlers that gather the problems of several parameters.
func parseLimit(v string, max int) (int, string) {
	if v == "" {
		return 0, ""
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, fmt.Sprintf("应为 1 至 %d 的整数", max)
	}
	return n, ""
}
