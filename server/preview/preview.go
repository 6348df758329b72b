// Package preview serves the mini program's h5 build (the browser preview
// that stands in for WeChat on a laptop) at /shop/, and redirects / there.
// The app mounts it in sandbox mode only: the preview pays through the
// sandbox cashier, which a live server does not have.
package preview

import (
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
)

// Prefix is where the preview is served.
const Prefix = "/shop/"

// Mount serves the built preview in dir at /shop/ and redirects / there.
// When dir holds no build it says so in the log and answers /shop/ with a
// page that tells how to build it; the API is served either way.
func Mount(e *echo.Echo, dir string, log *slog.Logger) {
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		log.Warn("mini program preview not built: serving the API alone; `make run` builds it (needs Node.js 20 and npm), or run `npm ci && npm run build:h5` in miniprogram/", "dir", dir)
	} else {
		log.Info("mini program preview", "url_path", Prefix, "dir", dir)
	}
	e.GET("/", func(c echo.Context) error {
		return c.Redirect(http.StatusFound, Prefix)
	})
	e.GET(strings.TrimSuffix(Prefix, "/"), func(c echo.Context) error {
		return c.Redirect(http.StatusMovedPermanently, Prefix)
	})
	e.GET(Prefix+"*", func(c echo.Context) error {
		return serve(c, dir)
	})
	e.HEAD(Prefix+"*", func(c echo.Context) error {
		return serve(c, dir)
	})
}

// serve answers one preview file. Hashed assets (js/, css/, static/) are
// cached for a year; index.html is revalidated on every load so a rebuilt
// preview shows at once. The router is hash-based, so any other path is 404,
// and so are hidden files and anything a symbolic link would reach outside
// the folder (os.Root). Ranges and preconditions other than revalidation are
// ignored: the answer is the whole file or a 304.
func serve(c echo.Context, dir string) error {
	name := strings.TrimPrefix(path.Clean("/"+c.Param("*")), "/")
	if name == "" {
		name = "index.html"
	}
	if !fs.ValidPath(name) || hidden(name) {
		return echo.ErrNotFound
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return notBuiltAnswer(c, name)
	}
	defer root.Close()
	files := root.FS()
	st, err := fs.Stat(files, name)
	if err == nil && st.IsDir() {
		name = path.Join(name, "index.html")
		st, err = fs.Stat(files, name)
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return notBuiltAnswer(c, name)
		}
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	if name == "index.html" {
		h.Set("Cache-Control", "no-cache")
	} else if strings.HasPrefix(name, "js/") || strings.HasPrefix(name, "css/") || strings.HasPrefix(name, "static/") {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	f, err := files.Open(name)
	if err != nil {
		return echo.ErrNotFound
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		return echo.ErrNotFound
	}
	r := c.Request()
	for _, k := range []string{"Range", "If-Range", "If-Match", "If-Unmodified-Since"} {
		r.Header.Del(k)
	}
	http.ServeContent(c.Response(), r, name, st.ModTime(), rs)
	return nil
}

// hidden reports whether a path has a component starting with a dot.
func hidden(name string) bool {
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") {
			return true
		}
	}
	return false
}

// notBuiltAnswer: with no build, index.html is a page saying how to build it
// for a browser (503) and the error envelope for anything else; any other
// missing file is 404.
func notBuiltAnswer(c echo.Context, name string) error {
	if name != "index.html" {
		return echo.ErrNotFound
	}
	if strings.Contains(c.Request().Header.Get("Accept"), "text/html") {
		return c.HTML(http.StatusServiceUnavailable, notBuilt)
	}
	return errs.E(errs.Unavailable, "the mini program preview is not built: run make run, or npm ci && npm run build:h5 in miniprogram/")
}

const notBuilt = `<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>wemart preview not built</title>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto;line-height:1.6">
<h1>The mini program preview is not built</h1>
<p>This wemart serves the API, but the browser preview of the mini program has not been built.
Run <code>make run</code> from the repository (it builds the preview with Node.js 20 and npm),
or build it by hand: <code>cd miniprogram &amp;&amp; npm ci &amp;&amp; npm run build:h5</code>,
then reload this page.</p></body></html>`
