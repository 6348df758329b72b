package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
)

// riderNotify is POST /logistics/dada/notify, the rider service's status
// callback: the signature is verified before anything else (a forgery is
// a 4xx and changes nothing), then the event is applied (a replay or a
// late report changes nothing and is answered 200 like any other), and
// the service's own acknowledgement is the answer. A 5xx makes the
// service retry.
func (h *riderNotifyAPI) riderNotify(c echo.Context) error {
	if h.Carrier == nil {
		return errs.E(errs.Unavailable, "no rider service is configured (WEMART_RIDER_URL and its keys)")
	}
	ev, ack, err := h.Carrier.ParseCallback(c.Request())
	if err != nil {
		h.Log.Warn("rider callback refused", "request_id", requestIDOf(c), "remote", c.RealIP(), "error", err)
		return err
	}
	if err := h.Orders.ApplyRiderEvent(c.Request().Context(), ev); err != nil {
		return err
	}
	h.Log.Info("rider callback applied", "out_no", ev.OutNo, "tracking_no", ev.TrackingNo, "status", ev.Status)
	return c.JSONBlob(http.StatusOK, ack)
}
