package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
)

// bindJSON decodes the request body into dst strictly: one JSON object, no
// unknown fields (names match exactly, case included), no key twice, no
// trailing data, every string valid UTF-8 without NUL, every type mismatch
// named by its field (echo's binder, and encoding/json, are lenient on all
// of these). The body is read as JSON whatever Content-Type says, so
// `curl -d '{...}'` works; a form or other non-JSON body fails to decode and
// is a 400 like any malformed JSON.
func bindJSON(c echo.Context, dst any) error {
	raw, err := readBody(c)
	if err != nil {
		return err
	}
	return decodeJSON(raw, dst)
}

// bindOptionalJSON is bindJSON for endpoints whose body may be left out.
func bindOptionalJSON(c echo.Context, dst any) error {
	raw, err := readBody(c)
	if err != nil || len(raw) == 0 {
		return err
	}
	return decodeJSON(raw, dst)
}

// readBody reads the whole body. Only a body over the limit (the BodyLimit
// middleware cuts it off) is payload_too_large; a read that fails otherwise
// (the client went away mid-body, say) is invalid_argument. Decoding works
// on the bytes read, so no later error is about the size.
func readBody(c echo.Context) ([]byte, error) {
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		if tooLarge(err) {
			return nil, errs.E(errs.TooLarge, "the request body is larger than the 1 MiB limit")
		}
		return nil, errs.Wrap(err, errs.Invalid, "the request body could not be read")
	}
	return raw, nil
}

// decodeJSON is bindJSON's decoding of a body already read.
func decodeJSON(raw []byte, dst any) error {
	body := bufio.NewReader(bytes.NewReader(raw))
	if err := expectObject(body); err != nil {
		return err
	}
	if err := checkJSON(raw, reflect.TypeOf(dst)); err != nil {
		return err
	}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		// The decoder's offsets count from the "{", after the white space
		// expectObject skipped.
		return decodeError(err, bytes.TrimLeft(raw, " \t\r\n"))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.E(errs.Invalid, "the body must be a single JSON object with nothing after it")
	}
	return nil
}

// expectObject peeks past leading white space: a body must start with "{"
// (encoding/json would silently accept null for a struct).
func expectObject(r *bufio.Reader) error {
	for {
		b, err := r.Peek(1)
		switch {
		case err != nil:
			return errs.E(errs.Invalid, "the request body is empty; send a JSON object")
		case b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n':
			_, _ = r.ReadByte()
		case b[0] == '{':
			return nil
		default:
			return errs.E(errs.Invalid, "the body must be a JSON object")
		}
	}
}

func tooLarge(err error) bool {
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	return (errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge) || errors.As(err, &mbe)
}

// decodeError turns a decoding error of body into a client error naming the
// field.
func decodeError(err error, body []byte) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errs.E(errs.Invalid, "the request body is empty; send a JSON object")
	case errors.As(err, &syntax):
		return errs.E(errs.Invalid, "the body is not valid JSON (error at byte %d)", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.E(errs.Invalid, "the body is not valid JSON (it ends too early)")
	case errors.As(err, &typ):
		field := jsonPathAt(body, typ.Offset)
		if field == "" { // every request body is an object
			return errs.E(errs.Invalid, "the body must be a JSON object, not a JSON %s", typ.Value)
		}
		return errs.InvalidField(field, "must be %s, not a JSON %s", kindName(typ.Type), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return errs.InvalidField(name, "is not a field of this request")
	}
	return errs.E(errs.Invalid, "the body could not be read as JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func kindName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a " + t.Kind().String()
}

// reply answers status with dto(v), or hands err to the error handler.
func reply[T, D any](c echo.Context, status int, v T, err error, dto func(T) D) error {
	if err != nil {
		return err
	}
	return c.JSON(status, dto(v))
}

// pathID reads a positive integer path parameter.
func pathID(c echo.Context, name string) (int, error) {
	v, err := strconv.Atoi(c.Param(name))
	if err != nil || v <= 0 {
		return 0, errs.InvalidField(name, "must be a positive integer")
	}
	return v, nil
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(c echo.Context, name string, def, lo, hi int64) (int64, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return def, nil
	}
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, errs.InvalidField(name, "must be an integer from %d to %d", lo, hi)
	}
	return v, nil
}

// queryID reads a required positive integer query parameter (an id).
func queryID(c echo.Context, name string) (int, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return 0, errs.InvalidField(name, "is required")
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v <= 0 {
		return 0, errs.InvalidField(name, "must be a positive integer")
	}
	return v, nil
}

// queryOptInt reads an optional integer query parameter; absent is nil.
func queryOptInt(c echo.Context, name string, lo, hi int64) (*int64, error) {
	if c.QueryParam(name) == "" {
		return nil, nil
	}
	v, err := queryInt(c, name, 0, lo, hi)
	return &v, err
}

// queryBool reads an optional boolean query parameter.
func queryBool(c echo.Context, name string) (bool, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return false, nil
	}
	v, err := strconv.ParseBool(raw)
	if err != nil {
		return false, errs.InvalidField(name, "must be true or false")
	}
	return v, nil
}

// maxQueryText bounds free-text query parameters.
const maxQueryText = 100

// queryText reads an optional free-text query parameter.
func queryText(c echo.Context, name string) (string, error) {
	v := strings.TrimSpace(c.QueryParam(name))
	if !utf8.ValidString(v) {
		return "", errs.InvalidField(name, "must be text (valid UTF-8)")
	}
	if utf8.RuneCountInString(v) > maxQueryText {
		return "", errs.InvalidField(name, "must be at most %d characters", maxQueryText)
	}
	return v, nil
}

// Page is the paging of a list request: page is 1-based.
type Page struct {
	Page, Size int
}

// Paging limits.
const (
	defaultPageSize = 20
	maxPageSize     = 100
	maxPage         = 10000
)

func queryPage(c echo.Context) (Page, error) {
	p, err := queryInt(c, "page", 1, 1, maxPage)
	if err != nil {
		return Page{}, err
	}
	s, err := queryInt(c, "page_size", defaultPageSize, 1, maxPageSize)
	if err != nil {
		return Page{}, err
	}
	return Page{Page: int(p), Size: int(s)}, nil
}

// Offset is the number of rows before the page.
func (p Page) Offset() int { return (p.Page - 1) * p.Size }

// List is the shape of every list response.
type List[T any] struct {
	Items    []T `json:"items"`
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
	Total    int `json:"total"`
}

func listOf[T any, S any](items []S, total int, p Page, conv func(S) T) List[T] {
	return List[T]{Items: itemsOf(conv)(items).Items, Page: p.Page, PageSize: p.Size, Total: total}
}

// itemsOf makes a whole list's answer of its items, each through conv
// (for reply).
func itemsOf[T any, S any](conv func(S) T) func([]S) Items[T] {
	return func(items []S) Items[T] {
		out := make([]T, len(items))
		for i, it := range items {
			out[i] = conv(it)
		}
		return Items[T]{Items: out}
	}
}
