package api

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
	"wemart/server/storage"
)

// codeMethodNotAllowed extends the API's error table for echo's 405 (the table has no
// entry for it; the envelope shape is the same).
const codeMethodNotAllowed errs.Code = "method_not_allowed"

// statusOf is the API's code → HTTP status table, in one place.
var statusOf = map[errs.Code]int{
	errs.Invalid:          http.StatusBadRequest,
	errs.Unauthenticated:  http.StatusUnauthorized,
	errs.PermissionDenied: http.StatusForbidden,
	errs.NotFound:         http.StatusNotFound,
	errs.Conflict:         http.StatusConflict,
	errs.OutOfStock:       http.StatusConflict,
	errs.TooLarge:         http.StatusRequestEntityTooLarge,
	errs.RateLimited:      http.StatusTooManyRequests,
	errs.Internal:         http.StatusInternalServerError,
	errs.Unavailable:      http.StatusServiceUnavailable,
	codeMethodNotAllowed:  http.StatusMethodNotAllowed,
}

// ErrorBody is the envelope of every non-2xx response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of the envelope.
type ErrorDetail struct {
	Code      errs.Code      `json:"code"`
	Message   string         `json:"message"`
	Field     string         `json:"field,omitempty"`
	Details   map[string]any `json:"details,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
}

// errorHandler is echo's HTTPErrorHandler: every error, from a handler, a
// middleware or echo itself (404, 405, 413), leaves through here as the
// envelope with the status of its code.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		e := classify(err)
		status := statusOf[e.Code]
		if status == 0 {
			status = http.StatusInternalServerError
		}
		rid := requestIDOf(c)
		if status >= 500 {
			log.Error("request failed", "request_id", rid, "method", c.Request().Method,
				"path", c.Request().URL.Path, "code", e.Code, "error", err)
		}
		details := e.Details
		if e.RetryAfter > 0 {
			// Whole seconds, rounded up: a client waiting that long is let in.
			secs := int64(math.Ceil(e.RetryAfter.Seconds()))
			c.Response().Header().Set("Retry-After", strconv.FormatInt(secs, 10))
			details = maps.Clone(details)
			if details == nil {
				details = map[string]any{}
			}
			details["retry_after_s"] = secs
		}
		if status == http.StatusMethodNotAllowed {
			// echo put the Allow header on the response already; keep it.
			c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		}
		body := ErrorBody{Error: ErrorDetail{Code: e.Code, Message: e.Message, Field: e.Field, Details: details, RequestID: rid}}
		var werr error
		if c.Request().Method == http.MethodHead {
			werr = c.NoContent(status)
		} else {
			werr = c.JSON(status, body)
		}
		if werr != nil {
			log.Warn("writing error response", "request_id", rid, "error", werr)
		}
	}
}

// classify turns any error into a coded one. Coded errors pass through;
// echo's own HTTP errors and the storage layer's (as package storage
// recognises them) are mapped to codes here, at the boundary; anything else
// is internal and its text never reaches the client.
func classify(err error) *errs.Error {
	var e *errs.Error
	if errors.As(err, &e) {
		if e.Code == errs.Internal {
			return &errs.Error{Code: errs.Internal, Message: "internal error"}
		}
		return e
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return fromEcho(he)
	}
	reason, invalid := storage.Invalid(err)
	switch {
	case errors.Is(err, context.DeadlineExceeded), storage.IsUnavailable(err):
		return &errs.Error{Code: errs.Unavailable, Message: "a backing service did not answer in time; try again"}
	case errors.Is(err, context.Canceled):
		return &errs.Error{Code: errs.Unavailable, Message: "the request was cancelled"}
	case invalid:
		return &errs.Error{Code: errs.Invalid, Message: "a field is out of range: " + reason}
	case storage.IsConflict(err):
		return &errs.Error{Code: errs.Conflict, Message: "the change conflicts with existing data"}
	case storage.IsNotFound(err):
		return &errs.Error{Code: errs.NotFound, Message: "not found"}
	}
	return &errs.Error{Code: errs.Internal, Message: "internal error"}
}

func fromEcho(he *echo.HTTPError) *errs.Error {
	msg := http.StatusText(he.Code)
	if m, ok := he.Message.(string); ok && m != "" {
		msg = m
	}
	switch he.Code {
	case http.StatusNotFound:
		return &errs.Error{Code: errs.NotFound, Message: "no such endpoint"}
	case http.StatusMethodNotAllowed:
		return &errs.Error{Code: codeMethodNotAllowed, Message: "this endpoint does not accept that method"}
	case http.StatusRequestEntityTooLarge:
		return &errs.Error{Code: errs.TooLarge, Message: "the request body is larger than the 1 MiB limit"}
	case http.StatusUnauthorized:
		return &errs.Error{Code: errs.Unauthenticated, Message: msg}
	case http.StatusForbidden:
		return &errs.Error{Code: errs.PermissionDenied, Message: msg}
	case http.StatusTooManyRequests:
		return &errs.Error{Code: errs.RateLimited, Message: "too many requests; slow down"}
	case http.StatusServiceUnavailable:
		return &errs.Error{Code: errs.Unavailable, Message: msg}
	}
	if he.Code >= 400 && he.Code < 500 {
		return &errs.Error{Code: errs.Invalid, Message: msg}
	}
	return &errs.Error{Code: errs.Internal, Message: "internal error"}
}
