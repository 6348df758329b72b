package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
	"wemart/server/logistics"
)

// riderNotify is POST /logistics/dada/notify, the rider service's status
// callback: the signature is verified before anything else (a forgery is
// a 4xx and changes nothing), then the service is asked where the delivery
// is (Dada's signature does not cover the status, so the body is a hint
// and the service's answer is what is applied), then the event is applied (a replay or a
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
	// What the callback says is a hint: the service's own answer is applied.
	snap, err := h.Carrier.Get(c.Request().Context(), logistics.Ref{OutNo: ev.OutNo, TrackingNo: ev.TrackingNo})
	if err != nil {
		h.Log.Warn("rider callback: the rider service could not confirm it", "out_no", ev.OutNo, "error", err)
		return errs.Wrap(err, errs.Unavailable, "the rider service could not confirm the callback; send it again")
	}
	ev = ev.Confirmed(snap)
	err = h.Orders.ApplyRiderEvent(c.Request().Context(), ev)
	if errs.Is(err, errs.NotFound) { // not ours: acknowledged, or the service retries it for ever
		h.Log.Warn("rider callback about a delivery wemart does not know", "out_no", ev.OutNo, "tracking_no", ev.TrackingNo)
		return c.JSONBlob(http.StatusOK, ack)
	}
	if err != nil {
		return err
	}
	h.Log.Info("rider callback applied", "out_no", ev.OutNo, "tracking_no", ev.TrackingNo, "status", ev.Status)
	return c.JSONBlob(http.StatusOK, ack)
}
