package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"wemart/server/logistics"
	"wemart/server/orders"
)

// trackingNotifyAPI answers the parcel tracking provider's pushes.
type trackingNotifyAPI struct {
	core
	Orders   *orders.Service
	Provider logistics.Provider
}

// ParcelTracking adds the route Kuaidi100 pushes parcel updates to (none
// when parcels are not tracked).
func (r *Router) ParcelTracking(o *orders.Service, p logistics.Provider) {
	if p == nil {
		return
	}
	h := &trackingNotifyAPI{core: core{Log: r.opt.Log}, Orders: o, Provider: p}
	r.e.POST("/logistics/kuaidi100/notify", h.kuaidi100Notify)
}

// kuaidi100Notify is POST /logistics/kuaidi100/notify: the sign is checked
// before anything is read, the track is stored (duplicates change nothing),
// then Kuaidi100's success answer goes back. Every refusal is a 4xx or 5xx
// with Kuaidi100's result:false fields beside our error envelope, so
// Kuaidi100 retries what might succeed later and a forgery changes nothing.
func (h *trackingNotifyAPI) kuaidi100Notify(c echo.Context) error {
	t, ack, err := h.Provider.ParsePush(c.Request())
	if err == nil {
		err = h.Orders.ApplyParcelTrack(c.Request().Context(), t)
	}
	if err != nil {
		e := classify(err)
		status := statusOf[e.Code]
		if status >= 500 {
			h.Log.Error("kuaidi100 push not stored", "request_id", requestIDOf(c), "error", err)
		} else {
			h.Log.Warn("kuaidi100 push refused", "request_id", requestIDOf(c), "remote", c.RealIP(), "error", err)
		}
		return c.JSON(status, map[string]any{"result": false, "returnCode": strconv.Itoa(status), "message": e.Message,
			"error": &ErrorDetail{Code: e.Code, Message: e.Message, Field: e.Field, RequestID: requestIDOf(c)}})
	}
	return c.JSONBlob(http.StatusOK, ack)
}
