package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/server/wechat/wxpay"
)

// Trade states of a transaction, as WeChat Pay names them.
const (
	StateNotPay  = "NOTPAY"
	StateSuccess = "SUCCESS"
	StateClosed  = "CLOSED"
	StateRefund  = "REFUND"
)

// prepayTTL is how long a prepay_id can start a payment at WeChat.
const prepayTTL = 2 * time.Hour

// minPayWindow is the least time WeChat Pay leaves a shopper to pay: an
// earlier time_expire is moved to now + 1 minute.
const minPayWindow = time.Minute

type transaction struct {
	AppID       string `json:"appid"`
	MchID       string `json:"mchid"`
	OutTradeNo  string `json:"out_trade_no"`
	Description string `json:"description"`
	NotifyURL   string `json:"notify_url"`
	OpenID      string `json:"openid"`
	Total       int64  `json:"total"`
	// TimeExpire is when the transaction stops accepting payment;
	// RequestedExpire is the time_expire the merchant asked for (zero: none),
	// which a repeated prepay must match.
	TimeExpire      time.Time `json:"time_expire"`
	RequestedExpire time.Time `json:"requested_expire"`
	PrepayID        string    `json:"prepay_id"`
	PrepayAt        time.Time `json:"prepay_at"`
	State           string    `json:"state"`
	TransactionID   string    `json:"transaction_id,omitempty"`
	SuccessTime     time.Time `json:"success_time"`
	// Notification is the TRANSACTION.SUCCESS notification body, made when paid.
	Notification []byte `json:"notification,omitempty"`
	Refunded     int64  `json:"refunded"`
	// Shipping is what the shipping-info API was told about this payment.
	Shipping *shippingRecord `json:"shipping,omitempty"`
}

// payError is WeChat Pay's error body.
type payError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// respond writes a signed WeChat Pay response (v may be nil for 204).
func (s *Sandbox) respond(c echo.Context, status int, v any) error {
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			return err
		}
	}
	h, err := s.signer.Headers(body)
	if err != nil {
		return err
	}
	for k, vs := range h {
		c.Response().Header()[k] = vs
	}
	c.Response().Header().Set("Request-ID", "sandbox-"+randHex(8))
	if v == nil {
		return c.NoContent(status)
	}
	return c.Blob(status, echo.MIMEApplicationJSON, body)
}

func (s *Sandbox) payFail(c echo.Context, status int, code, format string, args ...any) error {
	return s.respond(c, status, payError{Code: code, Message: fmt.Sprintf(format, args...)})
}

// verifyMerchant checks the Authorization header of every pay request as
// WeChat Pay does: our merchant, its certificate serial, a fresh timestamp and
// a valid SHA256-RSA signature over method, URL, timestamp, nonce and body.
func (s *Sandbox) verifyMerchant(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		if err != nil {
			return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "could not read the request body")
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		auth, err := wxpay.ParseAuthorization(req.Header.Get(echo.HeaderAuthorization))
		if err != nil {
			return s.payFail(c, http.StatusUnauthorized, "SIGN_ERROR", "签名错误: %v", err)
		}
		if auth.MchID != s.id.MchID {
			return s.payFail(c, http.StatusUnauthorized, "SIGN_ERROR", "签名错误: mchid %s is not the sandbox merchant", auth.MchID)
		}
		if auth.Serial != s.id.MchSerial {
			return s.payFail(c, http.StatusUnauthorized, "SIGN_ERROR", "签名错误: serial_no %s is not the merchant certificate", auth.Serial)
		}
		ts, err := strconv.ParseInt(auth.Timestamp, 10, 64)
		if err != nil || s.now().Sub(time.Unix(ts, 0)).Abs() > wxpay.MaxClockSkew {
			return s.payFail(c, http.StatusUnauthorized, "SIGN_ERROR", "签名错误: timestamp is missing or more than 5 minutes off")
		}
		// The merchant signs the URL as WeChat sees it: without our mount prefix.
		signed := strings.TrimPrefix(req.URL.Path, MchPrefix)
		if req.URL.RawQuery != "" {
			signed += "?" + req.URL.RawQuery
		}
		msg := wxpay.RequestMessage(req.Method, signed, auth.Timestamp, auth.Nonce, string(body))
		if err := wxpay.Verify(&s.id.MchKey.PublicKey, msg, auth.Signature); err != nil {
			return s.payFail(c, http.StatusUnauthorized, "SIGN_ERROR", "签名错误: %v", err)
		}
		return next(c)
	}
}

var outTradeNo = regexp.MustCompile(`^[0-9A-Za-z_\-|*]{6,32}$`)

type prepayRequest struct {
	AppID       string `json:"appid"`
	MchID       string `json:"mchid"`
	Description string `json:"description"`
	OutTradeNo  string `json:"out_trade_no"`
	TimeExpire  string `json:"time_expire"`
	NotifyURL   string `json:"notify_url"`
	Amount      struct {
		Total    int64  `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
	Payer struct {
		OpenID string `json:"openid"`
	} `json:"payer"`
}

func (s *Sandbox) prepay(c echo.Context) error {
	var req prepayRequest
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
		return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "输入源“/body”映射到值字段失败")
	}
	now := s.now()
	var requested, expire time.Time
	if req.TimeExpire != "" {
		var err error
		if requested, err = time.Parse(time.RFC3339, req.TimeExpire); err != nil {
			return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "time_expire 格式错误")
		}
		// WeChat Pay does not refuse a deadline too close (or past): it
		// gives the shopper at least a minute.
		expire = requested
		if minimum := now.Add(minPayWindow); expire.Before(minimum) {
			expire = minimum
		}
	}
	u, uerr := url.Parse(req.NotifyURL)
	switch {
	case req.MchID != s.id.MchID:
		return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "mchid 与请求商户号不一致")
	case req.AppID != s.id.AppID:
		return s.payFail(c, http.StatusBadRequest, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
	case req.Description == "" || len(req.Description) > 127:
		return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "description 长度须为1-127字节")
	case !outTradeNo.MatchString(req.OutTradeNo):
		return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "out_trade_no 须为6-32位字母、数字、_-|*")
	case uerr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "notify_url 格式错误")
	case req.Amount.Total < 1:
		return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "amount.total 须大于0")
	case req.Amount.Currency != "" && req.Amount.Currency != "CNY":
		return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "amount.currency 仅支持CNY")
	case !s.knownOpenID(req.Payer.OpenID):
		return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "openid 与 appid 不匹配")
	}
	a := s.recordPrepay(req, requested, expire, now)
	return s.respond(c, a.status, a.body)
}

// payAnswer is a WeChat Pay answer worked out under the sandbox's lock and
// sent after it is released (sending waits for the journal).
type payAnswer struct {
	status int
	body   any
}

func payRefusal(status int, code, msg string) payAnswer {
	return payAnswer{status, payError{Code: code, Message: msg}}
}

// recordPrepay creates the transaction of a checked prepay request, or
// repeats the prepay_id of the same order asked for again.
func (s *Sandbox) recordPrepay(req prepayRequest, requested, expire, now time.Time) payAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.st.Transactions[req.OutTradeNo]; ok {
		switch {
		case t.State == StateSuccess || t.State == StateRefund:
			return payRefusal(http.StatusBadRequest, "ORDERPAID", "该订单已支付")
		case t.State == StateClosed:
			return payRefusal(http.StatusBadRequest, "ORDER_CLOSED", "订单已关闭")
		case t.Total != req.Amount.Total || t.OpenID != req.Payer.OpenID || !t.RequestedExpire.Equal(requested):
			return payRefusal(http.StatusForbidden, "OUT_TRADE_NO_USED", "商户订单号重复")
		}
		if now.Sub(t.PrepayAt) >= prepayTTL { // the old prepay_id has lapsed: issue another
			t.PrepayID, t.PrepayAt = newPrepayID(now), now
			s.st.Prepays[t.PrepayID] = t.OutTradeNo
			s.put(recPrepay, t.PrepayID, t.OutTradeNo)
			s.put(recTransaction, t.OutTradeNo, t)
		}
		return payAnswer{http.StatusOK, map[string]string{"prepay_id": t.PrepayID}}
	}
	t := &transaction{
		AppID: req.AppID, MchID: req.MchID, OutTradeNo: req.OutTradeNo, Description: req.Description,
		NotifyURL: req.NotifyURL, OpenID: req.Payer.OpenID, Total: req.Amount.Total, TimeExpire: expire,
		RequestedExpire: requested, PrepayID: newPrepayID(now), PrepayAt: now, State: StateNotPay,
	}
	s.st.Transactions[t.OutTradeNo] = t
	s.st.Prepays[t.PrepayID] = t.OutTradeNo
	s.put(recTransaction, t.OutTradeNo, t)
	s.put(recPrepay, t.PrepayID, t.OutTradeNo)
	return payAnswer{http.StatusOK, map[string]string{"prepay_id": t.PrepayID}}
}

func newPrepayID(now time.Time) string {
	return "wx" + now.In(beijing).Format("20060102150405") + randHex(11)
}

// transactionJSON is a transaction as query and notifications describe it.
func (t *transaction) json() map[string]any {
	m := map[string]any{
		"appid": t.AppID, "mchid": t.MchID, "out_trade_no": t.OutTradeNo,
		"trade_type": "JSAPI", "trade_state": t.State, "trade_state_desc": stateDesc[t.State],
		"attach": "", "payer": map[string]string{"openid": t.OpenID},
		"amount": map[string]any{"total": t.Total, "currency": "CNY"},
	}
	if t.TransactionID != "" {
		m["transaction_id"] = t.TransactionID
		m["bank_type"] = "OTHERS"
		m["success_time"] = wxTime(t.SuccessTime)
		m["amount"] = map[string]any{"total": t.Total, "payer_total": t.Total, "currency": "CNY", "payer_currency": "CNY"}
	}
	return m
}

var stateDesc = map[string]string{
	StateNotPay: "订单未支付", StateSuccess: "支付成功", StateClosed: "订单已关闭", StateRefund: "订单发生过退款",
}

func (s *Sandbox) queryTransaction(c echo.Context) error {
	if c.QueryParam("mchid") != s.id.MchID {
		return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "mchid 与请求商户号不一致")
	}
	s.mu.Lock()
	t, ok := s.st.Transactions[c.Param("no")]
	var body map[string]any
	if ok {
		body = t.json()
	}
	s.mu.Unlock()
	if !ok {
		return s.payFail(c, http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
	}
	return s.respond(c, http.StatusOK, body)
}

func (s *Sandbox) closeTransaction(c echo.Context) error {
	var req struct {
		MchID string `json:"mchid"`
	}
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil || req.MchID != s.id.MchID {
		return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "mchid 与请求商户号不一致")
	}
	a := func() payAnswer {
		s.mu.Lock()
		defer s.mu.Unlock()
		t, ok := s.st.Transactions[c.Param("no")]
		switch {
		case !ok:
			return payRefusal(http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
		case t.State == StateSuccess || t.State == StateRefund:
			return payRefusal(http.StatusBadRequest, "ORDERPAID", "该订单已支付")
		}
		if t.State != StateClosed {
			t.State = StateClosed
			s.put(recTransaction, t.OutTradeNo, t)
		}
		return payAnswer{http.StatusNoContent, nil}
	}()
	return s.respond(c, a.status, a.body)
}

// Transaction reports a transaction's trade state and transaction id.
func (s *Sandbox) Transaction(outTradeNo string) (state, transactionID string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.st.Transactions[outTradeNo]
	if !ok {
		return "", "", false
	}
	return t.State, t.TransactionID, true
}
