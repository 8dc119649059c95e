package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

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
