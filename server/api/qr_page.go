package api

import (
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/qr"
)

var qrPage = template.Must(template.New("qr").Parse(`<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>wemart</title></head><body style="font-family:sans-serif;text-align:center;padding:2em">
<h1>wemart</h1>
{{if .Name}}<p>{{.Name}}</p><p>{{.Address}}</p>{{end}}
<p>请用微信扫一扫打开 wemart 小程序。<br>Scan this code with WeChat to open the wemart mini program.</p>
</body></html>`))

// qrLanding is GET /qr?scene=...: where a plain in-store QR code points. In
// WeChat the mini program opens instead (its "scan ordinary QR codes" rule
// matches this URL); any other scanner lands here.
func (h *qrAPI) qrLanding(c echo.Context) error {
	var data struct{ Name, Address string }
	if s, err := qr.ParseScene(c.QueryParam("scene")); err == nil {
		if e, err := h.Stores.Index().Get(c.Request().Context(), s.StoreID); err == nil && e != nil {
			data.Name, data.Address = e.Name, e.Address
		}
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(http.StatusOK)
	return qrPage.Execute(c.Response(), data)
}
