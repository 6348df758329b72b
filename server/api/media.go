package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
	"wemart/server/media"
)

// serveMedia is GET /media/<key>: a picture from the media store. Keys
// are content addressed, so the answer is cacheable for ever (immutable)
// and its ETag is the hash; anything that is not a key (a path climbing out
// with "..", an encoded slash, another extension) is simply not found, and
// never reaches the store.
func (h *mediaAPI) serveMedia(c echo.Context) error {
	key := c.Param("key")
	if !media.ValidKey(key) {
		return errs.E(errs.NotFound, "no such picture")
	}
	obj, err := h.Store.Get(c.Request().Context(), key)
	if errors.Is(err, media.ErrNotFound) {
		return errs.E(errs.NotFound, "no such picture")
	}
	if err != nil {
		return errs.Wrap(err, errs.Unavailable, "the picture store did not answer; try again")
	}
	defer obj.Body.Close()
	etag := `"` + media.Hash(key) + `"`
	hdr := c.Response().Header()
	hdr.Set("Cache-Control", media.CacheControl)
	hdr.Set("ETag", etag)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	hdr.Set(echo.HeaderContentType, media.ContentTypeOf(key))
	hdr.Set(echo.HeaderContentLength, strconv.FormatInt(obj.Size, 10))
	if c.Request().Method == http.MethodHead {
		return c.NoContent(http.StatusOK)
	}
	return c.Stream(http.StatusOK, media.ContentTypeOf(key), obj.Body)
}

// etagMatches reports whether an If-None-Match header names etag (weakly
// compared, as RFC 9110 has it for If-None-Match), or is "*".
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
