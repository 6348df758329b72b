// Package wechat is everything wemart asks of WeChat, behind small interfaces
// of our own so handlers and services never see SDK types: the mini program
// server API (login, phone numbers, mini program codes, subscribe messages,
// the shipping-info API) and WeChat Pay API v3 (prepay, query, close,
// refunds, the wx.requestPayment parameters, and verified notifications).
//
// The live implementation (client.go, pay.go) uses PowerWeChat and covers its
// gaps: response and notification signatures are verified here (package
// wxpay), HTTP failures become typed errors, every call has a timeout, and no
// SDK default writes files. In sandbox mode the same code talks to the local
// simulator (package sandbox) through its base URLs.
package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Session is who logged in with a wx.login code. The session_key WeChat also
// returns is dropped on purpose: wemart needs no encrypted user data, so it
// never stores or forwards it.
type Session struct {
	OpenID  string
	UnionID string // empty unless the mini program is bound to an open platform account
}

// Phone is a shopper's phone number from a getPhoneNumber code.
type Phone struct {
	Number      string // with country code when not +86
	PureNumber  string
	CountryCode string
}

// WXACode asks for a mini program code (getwxacodeunlimit).
type WXACode struct {
	// Scene is at most 32 visible characters; the page receives it as options.scene.
	Scene string
	// Page is the page to open ("pages/store/store"), no leading slash.
	Page string
	// CheckPage asks WeChat to check the page exists in the released version.
	CheckPage bool
	// Env is "release", "trial" or "develop".
	Env   string
	Width int
}

// SubscribeMessage is a one-time subscribe message to a shopper.
type SubscribeMessage struct {
	OpenID     string
	TemplateID string
	Page       string
	// Data maps template keys ("thing1", "amount2") to values.
	Data map[string]string
	// State is developer, trial or formal (the mini program version to open).
	State string
}

// Logistics types of the shipping-info API.
const (
	LogisticsExpress  = 1 // 实体物流 (a carrier with a tracking number)
	LogisticsSameCity = 2 // 同城配送 (the store's riders)
	LogisticsVirtual  = 3
	LogisticsPickup   = 4 // 用户自提
)

// Shipment is what the shipping-info API is told when an order leaves.
type Shipment struct {
	TransactionID string
	OpenID        string
	LogisticsType int
	// Split reports the goods as several parcels (delivery_mode 2, express
	// only) rather than one (delivery_mode 1); a split upload always says
	// every parcel has left (is_all_delivered).
	Split bool
	Items []ShipmentItem
	At    time.Time
}

// ShipmentItem is one parcel.
type ShipmentItem struct {
	TrackingNo     string
	ExpressCompany string // WeChat's delivery_id, e.g. "SF"
	Description    string // what is inside, ≤ 120 characters
	// ReceiverPhoneMasked is required by WeChat for SF Express ("189****1234").
	ReceiverPhoneMasked string
}

// ShippingOrder is the shipping-info API's view of a paid order.
type ShippingOrder struct {
	TransactionID string
	OutTradeNo    string
	// State: 1 waiting to ship, 2 shipped, 3 receipt confirmed, 4 done, 5 refunded.
	State int
}

// MiniProgram is the mini program server API.
type MiniProgram interface {
	Code2Session(ctx context.Context, code string) (Session, error)
	PhoneNumber(ctx context.Context, code string) (Phone, error)
	// WXACode returns the image of a mini program code (PNG or JPEG).
	WXACode(ctx context.Context, req WXACode) ([]byte, error)
	SendSubscribe(ctx context.Context, msg SubscribeMessage) error
	UploadShipping(ctx context.Context, s Shipment) error
	ConfirmReceive(ctx context.Context, transactionID string, at time.Time) error
	ShippingOrder(ctx context.Context, transactionID string) (ShippingOrder, error)
}

// Prepay asks WeChat Pay for a JSAPI payment.
type Prepay struct {
	OutTradeNo  string
	Description string
	AmountFen   int64
	OpenID      string
	// Expires is when WeChat stops accepting the payment (the order's expiry).
	Expires time.Time
}

// PaymentParams are exactly what the mini program passes to wx.requestPayment.
type PaymentParams struct {
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// Trade states of a WeChat Pay transaction.
const (
	TradeSuccess  = "SUCCESS"
	TradeNotPay   = "NOTPAY"
	TradeClosed   = "CLOSED"
	TradeRefund   = "REFUND"
	TradeRevoked  = "REVOKED"
	TradePaying   = "USERPAYING"
	TradePayError = "PAYERROR"
)

// Transaction is a WeChat Pay transaction as query or a notification tells it.
type Transaction struct {
	AppID         string
	MchID         string
	OutTradeNo    string
	TransactionID string
	TradeState    string
	TotalFen      int64
	OpenID        string
	SuccessTime   time.Time
}

// RefundRequest asks for money back.
type RefundRequest struct {
	OutTradeNo  string
	OutRefundNo string
	RefundFen   int64
	TotalFen    int64
	Reason      string
}

// Refund statuses.
const (
	RefundSuccess    = "SUCCESS"
	RefundProcessing = "PROCESSING"
	RefundClosed     = "CLOSED"
	RefundAbnormal   = "ABNORMAL"
)

// Refund is a refund as WeChat Pay reports it.
type Refund struct {
	OutRefundNo   string
	RefundID      string
	OutTradeNo    string
	TransactionID string
	Status        string
	RefundFen     int64
	TotalFen      int64
	SuccessTime   time.Time
}

// Pay is WeChat Pay API v3.
type Pay interface {
	// Prepay creates (or, for the same order and amount, repeats) a JSAPI
	// payment and returns its prepay_id.
	Prepay(ctx context.Context, p Prepay) (string, error)
	// Params signs the wx.requestPayment parameters for a prepay_id.
	Params(prepayID string) (PaymentParams, error)
	Query(ctx context.Context, outTradeNo string) (Transaction, error)
	Close(ctx context.Context, outTradeNo string) error
	Refund(ctx context.Context, r RefundRequest) (Refund, error)
	QueryRefund(ctx context.Context, outRefundNo string) (Refund, error)
}

// Error is a failure on the way to WeChat or reported by it.
type Error struct {
	// Op is the call, e.g. "jscode2session" or "jsapi prepay".
	Op string
	// Code is WeChat's: an errcode ("40029") or a pay code ("ORDER_NOT_EXIST");
	// empty when WeChat did not answer.
	Code string
	// Message is WeChat's errmsg or message.
	Message string
	// Status is the HTTP status of a pay answer.
	Status int
	// Err is the transport failure when WeChat did not answer.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	// failed scrubbed Err already; WeChat's own message is scrubbed too, in
	// case an errmsg ever echoes a request.
	if e.Err != nil {
		return fmt.Sprintf("wechat %s: %v", e.Op, e.Err)
	}
	return redactText(fmt.Sprintf("wechat %s: %s %s", e.Op, e.Code, e.Message))
}

// Unwrap exposes the transport cause.
func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether trying again later may succeed: no answer,
// a timeout, a 5xx, WeChat saying it is busy, or a signed answer that could
// not be read (the outcome is unknown).
func (e *Error) Temporary() bool {
	switch {
	case e.Err != nil, e.Status >= 500:
		return true
	case e.Code == "-1", e.Code == "SYSTEM_ERROR", e.Code == "FREQUENCY_LIMITED", e.Code == "45009", e.Code == "10060012":
		return true
	case e.Code == "MALFORMED_ANSWER":
		// A signed answer we could not read: the call's outcome is
		// unknown, so it is retried (queries and refunds are repeatable
		// with the same numbers), never taken as a refusal.
		return true
	}
	return false
}

// CodeOf returns WeChat's code carried by err, or "".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsTemporary reports whether err is a WeChat failure worth retrying.
func IsTemporary(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Temporary()
}

func decode(b []byte, v any) error { return json.Unmarshal(b, v) }
