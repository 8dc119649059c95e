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
		return v, &diming.Error{Op: "web.decode", Kind: diming.Invalid, Msg: "some fields need fixing", Fields: problems}
	}
	return v, nil
}

// decodeJSON decodes the request body strictly into v.
func decodeJSON(c echo.Context, v any) error {
	const op = "web.decode"
	r := c.Request()
	if ct := r.Header.Get(echo.HeaderContentType); ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return diming.E(op, diming.Invalid, "send the body as application/json")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return diming.E(op, diming.Invalid, "the body has data after the JSON object; send one object")
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
		return diming.E(op, diming.TooLarge, fmt.Sprintf("the body is larger than the limit of %d bytes", mbe.Limit))
	case errors.As(err, &syn):
		return diming.E(op, diming.Invalid, fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn))
	case errors.As(err, &typ):
		field := typ.Field
		return diming.E(op, diming.Invalid, fmt.Sprintf("field %q must be %s, not %s", field, jsonType(typ.Type.Kind().String()), typ.Value),
			map[string]string{field: "must be " + jsonType(typ.Type.Kind().String())})
	case errors.Is(err, io.EOF):
		return diming.E(op, diming.Invalid, "the request body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return diming.E(op, diming.Invalid, "the JSON body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for unknown fields.
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return diming.E(op, diming.Invalid, fmt.Sprintf("unknown field %q; check the spelling against the API", name),
			map[string]string{name: "unknown field"})
	}
	return diming.E(op, diming.Invalid, "could not read the JSON body", err)
}

func jsonType(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "ptr":
		return "a value"
	}
	return "a number"
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
			if err := checkParam("查询参数", name, append(vs, name)...); err != nil {
				return err
			}
		}
		return next(c)
	}
}

func checkParam(what, name string, values ...string) error {
	for _, v := range values {
		if !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0 {
			if !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
				name = strconv.QuoteToASCII(name)
			}
			return diming.E("web.checkParams", diming.Invalid,
				fmt.Sprintf("%s %s 含有无效字符（不是 UTF-8 文本，或含有空字符等控制字符）", what, name))
		}
	}
	return nil
}
