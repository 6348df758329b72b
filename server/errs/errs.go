// Package errs is wemart's error vocabulary: errors are values carrying a Code
// from the API's error table (see openapi.yaml). Services return them, handlers pass them up, and one
// HTTP error handler (package api) maps the code to a status and writes the
// envelope. An error without a code is internal by definition: it is logged
// with the request id and the client only hears "internal error".
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error for clients. The set is the API's error table (openapi.yaml).
type Code string

// The codes of the API's error table.
const (
	Invalid          Code = "invalid_argument"
	Unauthenticated  Code = "unauthenticated"
	PermissionDenied Code = "permission_denied"
	NotFound         Code = "not_found"
	Conflict         Code = "conflict"
	OutOfStock       Code = "out_of_stock"
	TooLarge         Code = "payload_too_large"
	RateLimited      Code = "rate_limited"
	Internal         Code = "internal"
	Unavailable      Code = "unavailable"
)

// Error is an error with a code and a message fit for the client.
type Error struct {
	Code Code
	// Message is one human sentence, safe to show to the client.
	Message string
	// Field names the request field at fault, when there is one.
	Field string
	// Details carries extra machine-readable facts (for example the SKU that ran out).
	Details map[string]any
	// Err is the underlying cause, logged but never shown to the client.
	Err error
	// RetryAfter, when set, is how long the client should wait before trying
	// again (the Retry-After header of a 429 or 503).
	RetryAfter time.Duration
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap exposes the cause to errors.Is/As.
func (e *Error) Unwrap() error { return e.Err }

// E returns a new coded error with a formatted message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns a coded error whose cause is err (logged, not shown).
func Wrap(err error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// InvalidField returns an invalid_argument error that names field.
func InvalidField(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: field + " " + fmt.Sprintf(format, args...)}
}

// TooMany returns a rate_limited error that tells the client to wait after
// before trying again.
func TooMany(after time.Duration, format string, args ...any) *Error {
	return &Error{Code: RateLimited, Message: fmt.Sprintf(format, args...), RetryAfter: after}
}

// With returns e with one more detail; it changes e.
func (e *Error) With(key string, value any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[key] = value
	return e
}

// CodeOf returns the code of err, or Internal when err carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// Op names the operation a failure came out of, for the log. Deferred at
// the top of a service's exported method with a named error result,
//
//	defer errs.Op(&err, "orders.Create")
//
// it prefixes a failure with "orders.Create: ", so the log line of a 500
// reads as the chain of calls down to the cause
// ("orders.Create: inventory.Reserve: sql: ..."). A coded error for the
// client (any code but Internal) passes untouched: its code and message
// already say what happened. The prefix hides nothing from errors.Is and
// errors.As, so codes, ent.IsNotFound and the storage predicates still see
// the cause.
func Op(err *error, op string) {
	if *err == nil || CodeOf(*err) != Internal {
		return
	}
	*err = fmt.Errorf("%s: %w", op, *err)
}
