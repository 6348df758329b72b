package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
	"wemart/server/wechat"
	"wemart/server/wechat/wxpay"
)

// notifyAnswer is WeChat Pay's answer format ({"code","message"}), with our
// error envelope alongside on failures so the API-wide rule holds too.
type notifyAnswer struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Error   *ErrorDetail `json:"error,omitempty"`
}

// payNotify is POST /wechat/pay/notify, for payment and refund notifications
// alike: verify the signature before anything else, decrypt, check the
// appid/mchid, then record it by compare-and-set. A duplicate is answered 200
// and changes nothing; every refusal is a non-2xx, so WeChat retries what
// might succeed later (a database outage) and a forgery changes nothing.
func (h *notifyAPI) payNotify(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		// Too large (413), or the read failed (400): WeChat retries either.
		e := classify(err)
		h.Log.Warn("pay notification not read", "request_id", requestIDOf(c), "remote", c.RealIP(), "error", err)
		return h.notifyFail(c, statusOf[e.Code], e.Code, e.Message)
	}
	ev, err := h.Notifications.Open(c.Request().Header, body)
	if r, ok := wxpay.IsRejection(err); ok {
		h.Log.Warn("pay notification refused", "request_id", requestIDOf(c), "reason", r.Reason, "remote", c.RealIP())
		h.Metrics.NotificationRejected(r.Kind)
		code := errs.Invalid
		if r.Status == http.StatusUnauthorized {
			code = errs.Unauthenticated
		}
		return h.notifyFail(c, r.Status, code, r.Reason)
	}
	if err == nil {
		ctx := c.Request().Context()
		switch {
		case ev.Payment != nil:
			err = h.Payments.Paid(ctx, *ev.Payment)
		case ev.Refund != nil:
			err = h.Payments.Refunded(ctx, *ev.Refund)
		}
	}
	if err != nil {
		return h.notRecorded(c, ev, err)
	}
	h.Log.Info("pay notification recorded", "id", ev.ID, "type", ev.Type)
	return c.JSON(http.StatusOK, notifyAnswer{Code: "SUCCESS", Message: "成功"})
}

// notRecorded answers a verified notification that was not recorded: a
// 5xx (WeChat retries it) logged with the error behind it, or a refusal
// by payments (an unknown trade, a mismatch), counted.
func (h *notifyAPI) notRecorded(c echo.Context, ev wechat.Event, err error) error {
	e := classify(err)
	status := statusOf[e.Code]
	if status >= 500 {
		h.Log.Error("pay notification not recorded", "request_id", requestIDOf(c), "id", ev.ID, "type", ev.Type,
			"code", e.Code, "error", err)
	} else {
		h.Log.Warn("pay notification refused", "request_id", requestIDOf(c), "id", ev.ID, "type", ev.Type, "error", err)
		h.Metrics.NotificationRejected(rejectionOf(e.Code))
	}
	return h.notifyFail(c, status, e.Code, e.Message)
}

func (h *notifyAPI) notifyFail(c echo.Context, status int, code errs.Code, msg string) error {
	return c.JSON(status, notifyAnswer{Code: "FAIL", Message: msg, Error: &ErrorDetail{
		Code: code, Message: msg, RequestID: requestIDOf(c),
	}})
}

// rejectionOf is the metrics reason of a verified notification that
// payments refused: a trade we never sent, a trade that differs from ours
// (amount, payer, state), or else the error's code (a small fixed set).
func rejectionOf(code errs.Code) string {
	switch code {
	case errs.NotFound:
		return "unknown_trade"
	case errs.Invalid:
		return "mismatch"
	}
	return string(code)
}
