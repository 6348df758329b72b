package wechat

import (
	"bytes"
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	plcontract "github.com/ArtisanCloud/PowerLibs/v3/http/contract"
	"github.com/ArtisanCloud/PowerLibs/v3/logger/drivers"
	kresponse "github.com/ArtisanCloud/PowerWeChat/v3/src/kernel/response"
	"github.com/ArtisanCloud/PowerWeChat/v3/src/payment"
	orderrequest "github.com/ArtisanCloud/PowerWeChat/v3/src/payment/order/request"
	refundrequest "github.com/ArtisanCloud/PowerWeChat/v3/src/payment/refund/request"
	refundresponse "github.com/ArtisanCloud/PowerWeChat/v3/src/payment/refund/response"

	"wemart/server/wechat/wxpay"
)

// payClient implements Pay with PowerWeChat, through mchHTTP.
type payClient struct {
	app       *payment.Payment
	key       *rsa.PrivateKey // the merchant's, for wx.requestPayment's paySign
	appID     string
	mchID     string
	notifyURL string
}

// NewPay returns the WeChat Pay client for creds at ep.
func NewPay(creds Credentials, ep Endpoints) (Pay, error) {
	if err := creds.validate(); err != nil {
		return nil, err
	}
	app, err := payment.NewPayment(&payment.UserConfig{
		AppID:       creds.AppID,
		MchID:       creds.MchID,
		MchApiV3Key: creds.APIv3Key,
		KeyPath:     string(creds.MchKeyPEM), // PEM content, so nothing is read at call time
		SerialNo:    creds.MchSerial,
		NotifyURL:   ep.NotifyURL,
		Cache:       newMemCache(),
		Log:         payment.Log{Driver: &drivers.DummyLogger{}},
		Http:        payment.Http{BaseURI: ep.MchBase},
	})
	if err != nil {
		return nil, fmt.Errorf("wechat pay client: %w", err)
	}
	// PowerWeChat's pay clients ignore Http.Timeout and Transport and keep a
	// path prefix out of the URL; each sub-client gets our client instead.
	hc := &mchHTTP{client: httpClient(), prefix: ep.MchPrefix, serial: creds.PlatformKeyID, key: creds.PlatformKey}
	app.Order.HttpHelper.SetClient(hc)
	app.Refund.HttpHelper.SetClient(hc)
	// PowerWeChat parses the merchant key on a signer's first use, writing
	// it into the signer unguarded: concurrent first requests race. Parse
	// it once here instead.
	key, err := wxpay.ParsePrivateKey(creds.MchKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("merchant private key: %w", err)
	}
	app.Order.Signer.PrivateKey = key
	app.Refund.Signer.PrivateKey = key
	return &payClient{app: app, key: key, appID: creds.AppID, mchID: creds.MchID, notifyURL: ep.NotifyURL}, nil
}

// mchHTTP sends pay requests for PowerWeChat: with a timeout, under the
// sandbox's path prefix when there is one, and verifying WeChat Pay's
// signature on every answer (PowerWeChat verifies none): a 2xx answer must be
// signed by the platform key, and any answer that claims a signature must
// carry a valid one.
type mchHTTP struct {
	client *http.Client
	prefix string
	serial string
	key    *rsa.PublicKey
	conf   plcontract.ClientConfig
}

// SetConfig implements PowerLibs' ClientInterface.
func (h *mchHTTP) SetConfig(cfg *plcontract.ClientConfig) {
	if cfg != nil {
		h.conf = *cfg
	}
}

// GetConfig implements PowerLibs' ClientInterface.
func (h *mchHTTP) GetConfig() plcontract.ClientConfig { return h.conf }

// DoRequest implements PowerLibs' ClientInterface.
func (h *mchHTTP) DoRequest(req *http.Request) (*http.Response, error) {
	if h.prefix != "" && !strings.HasPrefix(req.URL.Path, h.prefix+"/") {
		req.URL.Path = h.prefix + req.URL.Path
		req.URL.RawPath = ""
	}
	res, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	signed := res.Header.Get(wxpay.HeaderSignature) != ""
	if signed || (res.StatusCode >= 200 && res.StatusCode < 300) {
		v := wxpay.Verifier{Keys: map[string]*rsa.PublicKey{h.serial: h.key}}
		if err := v.VerifySignature(res.Header, body); err != nil {
			return nil, fmt.Errorf("answer from WeChat Pay failed verification (status %d): %w", res.StatusCode, err)
		}
	}
	return res, nil
}

// payErr turns PowerWeChat's two failure channels (a Go error, or an error
// body decoded into Code/Message with a nil error) into one *Error.
func payErr(op string, err error, r kresponse.ResponsePayment) error {
	switch {
	case err != nil:
		return failed(op, err)
	case r.Code != "":
		return &Error{Op: op, Code: r.Code, Message: r.Message}
	}
	return nil
}

// Prepay implements Pay.
func (p *payClient) Prepay(ctx context.Context, in Prepay) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req := &orderrequest.RequestJSAPIPrepay{
		PrepayBase:  orderrequest.PrepayBase{AppID: p.appID, MchID: p.mchID, NotifyUrl: p.notifyURL},
		Description: in.Description,
		OutTradeNo:  in.OutTradeNo,
		Amount:      &orderrequest.JSAPIAmount{Total: int(in.AmountFen), Currency: "CNY"},
		Payer:       &orderrequest.JSAPIPayer{OpenID: in.OpenID},
	}
	if !in.Expires.IsZero() {
		req.TimeExpire = in.Expires.In(beijing).Format(time.RFC3339)
	}
	res, err := p.app.Order.JSAPITransaction(ctx, req)
	if err := payErr("jsapi prepay", err, resp(res, func() kresponse.ResponsePayment { return res.ResponsePayment })); err != nil {
		return "", err
	}
	if res.PrepayID == "" {
		return "", &Error{Op: "jsapi prepay", Code: "NO_PREPAY_ID", Message: "the answer carries no prepay_id"}
	}
	return res.PrepayID, nil
}

// resp reads the embedded ResponsePayment of a possibly nil result.
func resp[T any](res *T, get func() kresponse.ResponsePayment) kresponse.ResponsePayment {
	if res == nil {
		return kresponse.ResponsePayment{}
	}
	return get()
}

// Params implements Pay: the wx.requestPayment parameters, signed by the
// merchant key over appId, timeStamp (seconds), nonceStr and package.
// Signed here rather than by PowerWeChat's JSSDK BridgeConfig (the same
// scheme): its nonce, a shuffle of a 2 KB string with math/rand, cost as
// much as the rest of the parameters' work apart from the signature.
func (p *payClient) Params(prepayID string) (PaymentParams, error) {
	out := PaymentParams{TimeStamp: strconv.FormatInt(time.Now().Unix(), 10), NonceStr: wxpay.Nonce(32),
		Package: "prepay_id=" + prepayID, SignType: "RSA"}
	sig, err := wxpay.Sign(p.key, p.appID+"\n"+out.TimeStamp+"\n"+out.NonceStr+"\n"+out.Package+"\n")
	if err != nil {
		return PaymentParams{}, failed("requestPayment params", err)
	}
	out.PaySign = sig
	return out, nil
}

// Query implements Pay.
func (p *payClient) Query(ctx context.Context, outTradeNo string) (Transaction, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	res, err := p.app.Order.QueryByOutTradeNumber(ctx, outTradeNo)
	if err := payErr("query", err, resp(res, func() kresponse.ResponsePayment { return res.ResponsePayment })); err != nil {
		return Transaction{}, err
	}
	t := Transaction{AppID: res.AppID, MchID: res.MchID, OutTradeNo: res.OutTradeNo, TransactionID: res.TransactionID,
		TradeState: res.TradeState}
	if res.Amount != nil {
		t.TotalFen = res.Amount.Total
	}
	if res.Payer != nil {
		t.OpenID = res.Payer.OpenID
	}
	if t.SuccessTime, err = successTime(res.SuccessTime); err != nil {
		return Transaction{}, malformed("query", err)
	}
	return t, nil
}

// Close implements Pay. Closing a closed order succeeds; closing a paid one
// fails with code ORDERPAID.
func (p *payClient) Close(ctx context.Context, outTradeNo string) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	res, err := p.app.Order.Close(ctx, outTradeNo)
	return payErr("close", err, resp(res, func() kresponse.ResponsePayment { return *res }))
}

// Refund implements Pay. Refund notifications go to the same notify URL as
// payments.
func (p *payClient) Refund(ctx context.Context, r RefundRequest) (Refund, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	res, err := p.app.Refund.Refund(ctx, &refundrequest.RequestRefund{
		OutTradeNo: r.OutTradeNo, OutRefundNo: r.OutRefundNo, Reason: r.Reason, NotifyUrl: p.notifyURL,
		Amount: &refundrequest.RefundAmount{Refund: int(r.RefundFen), Total: int(r.TotalFen), Currency: "CNY"},
	})
	if err := payErr("refund", err, resp(res, func() kresponse.ResponsePayment { return res.ResponsePayment })); err != nil {
		return Refund{}, err
	}
	return refundOf("refund", res)
}

// QueryRefund implements Pay.
func (p *payClient) QueryRefund(ctx context.Context, outRefundNo string) (Refund, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	res, err := p.app.Refund.Query(ctx, outRefundNo)
	if err := payErr("refund query", err, resp(res, func() kresponse.ResponsePayment { return res.ResponsePayment })); err != nil {
		return Refund{}, err
	}
	return refundOf("refund query", res)
}

// refundOf reads the answer of call op about a refund.
func refundOf(op string, res *refundresponse.ResponseRefund) (Refund, error) {
	r := Refund{OutRefundNo: res.OutRefundNO, RefundID: res.RefundID, OutTradeNo: res.OutTradeNO,
		TransactionID: res.TransactionID, Status: res.Status}
	if res.Amount != nil {
		r.RefundFen, r.TotalFen = int64(res.Amount.Refund), int64(res.Amount.Total)
	}
	var err error
	if r.SuccessTime, err = successTime(res.SuccessTime); err != nil {
		return Refund{}, malformed(op, err)
	}
	return r, nil
}

// malformed is an answer of call op that passed verification but does not
// say what WeChat Pay's answers say (like an unparsable time): the call
// failed, with code MALFORMED_ANSWER.
func malformed(op string, err error) *Error {
	return &Error{Op: op, Code: "MALFORMED_ANSWER", Message: err.Error()}
}
