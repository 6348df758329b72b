package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
)

// encoding/json is looser than wemart's contract: it takes the last of two
// duplicate keys, matches field names case-insensitively, turns invalid
// UTF-8 into U+FFFD and passes U+0000 on (which PostgreSQL refuses with an
// error, after WeChat may already have been called). checkJSON walks the
// body's tokens against the request type first and refuses all of these
// with a 400 naming the field, so nothing odd gets past the edge.

// checkJSON checks body (one JSON object) against the request type t.
// Syntax errors are left to the decoder that runs after it.
func checkJSON(body []byte, t reflect.Type) error {
	w := &jsonWalker{dec: json.NewDecoder(bytes.NewReader(body)), bad: -1}
	if !utf8.Valid(body) {
		w.bad = firstInvalidUTF8(body)
	}
	w.dec.UseNumber()
	err := w.value(t, "")
	var coded *errs.Error
	if errors.As(err, &coded) {
		return coded
	}
	if w.bad >= 0 { // invalid bytes outside any string: not JSON at all
		return errs.E(errs.Invalid, "the body is not valid UTF-8 (at byte %d)", w.bad)
	}
	return nil // a syntax error: the decoder reports it
}

type jsonWalker struct {
	dec   *json.Decoder
	bad   int // offset of the first invalid UTF-8 byte, -1 if none
	depth int
}

// maxDepth bounds how deeply a request body may nest. wemart's requests
// are a few levels deep; without a bound, a 20 KB body of brackets costs
// the walk (and encoding/json) memory quadratic in its depth.
const maxDepth = 32

func (w *jsonWalker) value(t reflect.Type, path string) error {
	t = requestType(t)
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		if w.depth++; w.depth > maxDepth {
			return errs.E(errs.Invalid, "the body nests deeper than %d levels", maxDepth)
		}
		defer func() { w.depth-- }()
		if v == '{' {
			return w.object(t, path)
		}
		if v == '[' {
			return w.array(t, path)
		}
	case string:
		return w.text(v, path)
	}
	return nil
}

func (w *jsonWalker) object(t reflect.Type, path string) error {
	fields := fieldsOf(t)
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		at := key
		if path != "" {
			at = path + "." + key
		}
		if err := w.text(key, at); err != nil {
			return err
		}
		if seen[key] {
			return errs.InvalidField(at, "appears twice in the object; send each field once")
		}
		seen[key] = true
		var ft reflect.Type
		switch {
		case fields != nil:
			var ok bool
			if ft, ok = fields[key]; !ok {
				return errs.InvalidField(at, "is not a field of this request (field names are case-sensitive)")
			}
		case t != nil && t.Kind() == reflect.Map:
			ft = t.Elem()
		}
		if err := w.value(ft, at); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // }
	return err
}

func (w *jsonWalker) array(t reflect.Type, path string) error {
	var elem reflect.Type
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		elem = t.Elem()
	}
	for i := 0; w.dec.More(); i++ {
		if err := w.value(elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // ]
	return err
}

// text checks a string (a key or a value) that ends at the decoder's offset.
func (w *jsonWalker) text(s, path string) error {
	name := path
	if name == "" {
		name = "body"
	}
	if w.bad >= 0 && w.dec.InputOffset() > int64(w.bad) {
		return errs.InvalidField(name, "is not valid UTF-8")
	}
	if strings.ContainsRune(s, 0) {
		return errs.InvalidField(name, "must not contain the NUL character (U+0000)")
	}
	return nil
}

// elemTyper is a field type that decodes as its element type (patch.Nullable).
type elemTyper interface{ ElemType() reflect.Type }

var (
	elemTyperType   = reflect.TypeFor[elemTyper]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// requestType is the type a JSON value decodes into, through pointers and
// wrappers; nil when any shape is fine (an interface, a custom decoder).
func requestType(t reflect.Type) reflect.Type {
	for t != nil {
		switch {
		case t.Kind() == reflect.Pointer:
			t = t.Elem()
		case t.Implements(elemTyperType):
			t = reflect.Zero(t).Interface().(elemTyper).ElemType()
		case reflect.PointerTo(t).Implements(elemTyperType):
			t = reflect.Zero(t).Interface().(elemTyper).ElemType()
		case t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType), t.Kind() == reflect.Interface:
			return nil
		default:
			return t
		}
	}
	return nil
}

// fieldsOf maps the exact JSON names of struct t's fields to their types
// (embedded structs' fields promoted, as encoding/json does); nil for a
// type that is not a struct.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			for k, v := range fieldsOf(ft) {
				if _, shadowed := out[k]; !shadowed {
					out[k] = v
				}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// firstInvalidUTF8 is the offset of the first byte that is not UTF-8.
func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

// strictParams refuses query and path parameters that are not valid UTF-8
// or hold a NUL (PostgreSQL refuses both, with an error that would be a 500)
// before any handler sees them.
func strictParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for name, values := range c.QueryParams() {
			if err := cleanParam(name, name); err != nil {
				return err
			}
			for _, v := range values {
				if err := cleanParam(name, v); err != nil {
					return err
				}
			}
		}
		for i, name := range c.ParamNames() {
			if i < len(c.ParamValues()) {
				if err := cleanParam(name, c.ParamValues()[i]); err != nil {
					return err
				}
			}
		}
		return next(c)
	}
}

func cleanParam(name, v string) error {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "\uFFFD")
	}
	switch {
	case !utf8.ValidString(v):
		return errs.InvalidField(name, "is not valid UTF-8")
	case strings.ContainsRune(v, 0):
		return errs.InvalidField(name, "must not contain the NUL character (U+0000)")
	}
	return nil
}
