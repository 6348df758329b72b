package api

import (
	"log/slog"

	"github.com/labstack/echo/v4"
)

// ErrorHandler is errorHandler, for the external tests that read the log
// of a failed request through the real app.
func ErrorHandler(log *slog.Logger) echo.HTTPErrorHandler { return errorHandler(log) }
