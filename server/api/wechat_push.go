package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
	"wemart/server/shipping"
	"wemart/server/wechat/wxpush"
)

// pushAPI answers the mini program's message push.
type pushAPI struct {
	Log *slog.Logger
	// Push is nil when no push token is configured: every push is refused.
	Push     *wxpush.Codec
	Shipping *shipping.Service
}

// pushCodec is the configured codec, or the refusal of an unconfigured push.
func (h *pushAPI) pushCodec() (*wxpush.Codec, error) {
	if h.Push == nil {
		return nil, errs.E(errs.NotFound, "message push is not configured on this server (WEMART_WECHAT_PUSH_TOKEN)")
	}
	return h.Push, nil
}

// verifyPushURL is GET /wechat/push: WeChat checking the URL when the
// push is configured; a right signature is answered with echostr.
func (h *pushAPI) verifyPushURL(c echo.Context) error {
	codec, err := h.pushCodec()
	if err != nil {
		return err
	}
	echostr, err := codec.VerifyURL(c.QueryParams())
	if err != nil {
		return errs.E(errs.Unauthenticated, "the signature does not match the push token")
	}
	return c.String(http.StatusOK, echostr)
}

// push is POST /wechat/push: a message push, plain or safe mode, XML or
// JSON. It is verified, then only enqueued (nothing is asked of WeChat
// while it waits): the shipping-info events schedule a get_order of their
// payment; anything else is acknowledged and ignored.
func (h *pushAPI) push(c echo.Context) error {
	codec, err := h.pushCodec()
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	m, err := codec.Open(c.QueryParams(), body)
	switch {
	case errors.Is(err, wxpush.ErrSignature):
		h.Log.Warn("message push refused: bad signature", "request_id", requestIDOf(c), "remote", c.RealIP())
		return errs.E(errs.Unauthenticated, "the signature does not match the push token")
	case err != nil:
		h.Log.Warn("message push refused", "request_id", requestIDOf(c), "error", err)
		return errs.Wrap(err, errs.Invalid, "the push cannot be read")
	}
	err = h.Shipping.Pushed(c.Request().Context(), m.Event, m.TransactionID, m.CreateTime)
	switch {
	case errors.Is(err, shipping.ErrIgnored):
		h.Log.Info("message push ignored", "event", m.Event, "msg_type", m.MsgType)
	case err != nil:
		return err
	default:
		h.Log.Info("message push taken", "event", m.Event, "transaction_id", m.TransactionID)
	}
	return c.String(http.StatusOK, "success")
}
