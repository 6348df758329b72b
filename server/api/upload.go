package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
)

// limitBody caps a route's request body at limit bytes: a body that says
// it is longer (Content-Length) is refused before any of it is read, and
// one that turns out longer (chunked) stops being read at the limit, so an
// oversized upload is never buffered whole. Either way: 413
// payload_too_large.
func limitBody(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > limit {
				return tooLargeError(limit)
			}
			req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
			return next(c)
		}
	}
}

func tooLargeError(limit int64) error {
	return errs.E(errs.TooLarge, "the request body is larger than the %s limit of this endpoint", mib(limit)).
		With("limit_bytes", limit)
}

func mib(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// uploadField is the multipart part that carries a picture
// (wx.uploadFile's name: 'file').
const uploadField = "file"

// readUpload reads the picture of a multipart/form-data upload, streaming
// the body (whose size limitBody bounds): the part named "file", once. Any
// other part is refused as JSON bodies refuse unknown fields. The part's
// own Content-Type and file name are ignored: what the bytes are is
// sniffed from them (media.Prepare).
func readUpload(c echo.Context, limit int64) ([]byte, error) {
	req := c.Request()
	mt, params, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEMultipartForm || params["boundary"] == "" {
		return nil, errs.E(errs.Invalid, "send the picture as multipart/form-data, in a part named %s (wx.uploadFile with name: '%s')",
			uploadField, uploadField)
	}
	mr := multipart.NewReader(req.Body, params["boundary"])
	var data []byte
	found := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, uploadReadError(err, limit)
		}
		switch name := part.FormName(); {
		case name == "":
			return nil, errs.E(errs.Invalid, "every part of the upload must be a form field with a name; send the picture in the part named %s", uploadField)
		case name != uploadField:
			return nil, errs.InvalidField(name, "is not a field of this upload (send only the picture, in the part named %s)", uploadField)
		case found:
			return nil, errs.InvalidField(uploadField, "is given twice; send one picture")
		}
		found = true
		if data, err = io.ReadAll(part); err != nil {
			return nil, uploadReadError(err, limit)
		}
	}
	switch {
	case !found:
		return nil, errs.InvalidField(uploadField, "is required: the picture, in a multipart part named %s", uploadField)
	case len(data) == 0:
		return nil, errs.InvalidField(uploadField, "is empty")
	}
	return data, nil
}

// uploadReadError: a body cut off at the limit is too large; anything
// else (a malformed body, a client gone mid-upload) is the client's.
func uploadReadError(err error, limit int64) error {
	if tooLarge(err) {
		return tooLargeError(limit)
	}
	return errs.Wrap(err, errs.Invalid, "the upload could not be read as multipart/form-data")
}
