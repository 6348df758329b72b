package wechat

import (
	"context"
	"errors"
	"time"
)

// CallObserver is told about every call to WeChat: the operation, how it
// ended (see Outcome) and how long it took. package metrics implements it;
// this package stays free of any metrics library.
type CallObserver interface {
	ObserveWeChatCall(api, outcome string, took time.Duration)
}

// Outcomes of a call to WeChat, a small fixed set (a metrics label).
const (
	// OutcomeOK: WeChat answered and the call succeeded.
	OutcomeOK = "ok"
	// OutcomeTransport: no usable answer (connection refused, our timeout,
	// a response whose signature did not verify).
	OutcomeTransport = "transport_error"
	// OutcomeBusy: WeChat answered that it is busy or failing (5xx,
	// SYSTEM_ERROR, rate limits, errcode -1): worth retrying.
	OutcomeBusy = "wechat_busy"
	// OutcomeRefused: WeChat answered with an error code that retrying will
	// not change (a bad code, an order not found, a closed order).
	OutcomeRefused = "wechat_refused"
	// OutcomeCancelled: our caller gave up (its context was cancelled).
	OutcomeCancelled = "cancelled"
	// OutcomeError: any other failure on our side.
	OutcomeError = "error"
)

// Outcome classifies the result of a call to WeChat for metrics.
func Outcome(err error) string {
	var e *Error
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, context.Canceled):
		return OutcomeCancelled
	case errors.As(err, &e):
		switch {
		case e.Code == "" && e.Status == 0:
			return OutcomeTransport // including our timeout: WeChat too slow
		case e.Temporary():
			return OutcomeBusy
		}
		return OutcomeRefused
	}
	return OutcomeError
}

// Metered returns mp and pay with every call to WeChat reported to obs.
// (Pay.Params only signs locally and is passed through unobserved.)
func Metered(mp MiniProgram, pay Pay, obs CallObserver) (MiniProgram, Pay) {
	return meteredMiniProgram{mp, obs}, meteredPay{pay, obs}
}

// observe reports a call that started at start and ended with err, and returns err.
func observe(obs CallObserver, api string, start time.Time, err error) error {
	obs.ObserveWeChatCall(api, Outcome(err), time.Since(start))
	return err
}

type meteredMiniProgram struct {
	next MiniProgram
	obs  CallObserver
}

// Code2Session implements MiniProgram.
func (m meteredMiniProgram) Code2Session(ctx context.Context, code string) (Session, error) {
	start := time.Now()
	s, err := m.next.Code2Session(ctx, code)
	return s, observe(m.obs, "code2session", start, err)
}

// PhoneNumber implements MiniProgram.
func (m meteredMiniProgram) PhoneNumber(ctx context.Context, code string) (Phone, error) {
	start := time.Now()
	p, err := m.next.PhoneNumber(ctx, code)
	return p, observe(m.obs, "phone_number", start, err)
}

// WXACode implements MiniProgram.
func (m meteredMiniProgram) WXACode(ctx context.Context, req WXACode) ([]byte, error) {
	start := time.Now()
	b, err := m.next.WXACode(ctx, req)
	return b, observe(m.obs, "wxacode", start, err)
}

// SendSubscribe implements MiniProgram.
func (m meteredMiniProgram) SendSubscribe(ctx context.Context, msg SubscribeMessage) error {
	start := time.Now()
	return observe(m.obs, "send_subscribe", start, m.next.SendSubscribe(ctx, msg))
}

// UploadShipping implements MiniProgram.
func (m meteredMiniProgram) UploadShipping(ctx context.Context, s Shipment) error {
	start := time.Now()
	return observe(m.obs, "upload_shipping", start, m.next.UploadShipping(ctx, s))
}

// ConfirmReceive implements MiniProgram.
func (m meteredMiniProgram) ConfirmReceive(ctx context.Context, transactionID string, at time.Time) error {
	start := time.Now()
	return observe(m.obs, "confirm_receive", start, m.next.ConfirmReceive(ctx, transactionID, at))
}

// ShippingOrder implements MiniProgram.
func (m meteredMiniProgram) ShippingOrder(ctx context.Context, transactionID string) (ShippingOrder, error) {
	start := time.Now()
	o, err := m.next.ShippingOrder(ctx, transactionID)
	return o, observe(m.obs, "shipping_order", start, err)
}

type meteredPay struct {
	next Pay
	obs  CallObserver
}

// Prepay implements Pay.
func (m meteredPay) Prepay(ctx context.Context, p Prepay) (string, error) {
	start := time.Now()
	id, err := m.next.Prepay(ctx, p)
	return id, observe(m.obs, "pay_prepay", start, err)
}

// Params implements Pay; it signs locally, so it is not observed.
func (m meteredPay) Params(prepayID string) (PaymentParams, error) { return m.next.Params(prepayID) }

// Query implements Pay.
func (m meteredPay) Query(ctx context.Context, outTradeNo string) (Transaction, error) {
	start := time.Now()
	t, err := m.next.Query(ctx, outTradeNo)
	return t, observe(m.obs, "pay_query", start, err)
}

// Close implements Pay.
func (m meteredPay) Close(ctx context.Context, outTradeNo string) error {
	start := time.Now()
	return observe(m.obs, "pay_close", start, m.next.Close(ctx, outTradeNo))
}

// Refund implements Pay.
func (m meteredPay) Refund(ctx context.Context, r RefundRequest) (Refund, error) {
	start := time.Now()
	out, err := m.next.Refund(ctx, r)
	return out, observe(m.obs, "pay_refund", start, err)
}

// QueryRefund implements Pay.
func (m meteredPay) QueryRefund(ctx context.Context, outRefundNo string) (Refund, error) {
	start := time.Now()
	out, err := m.next.QueryRefund(ctx, outRefundNo)
	return out, observe(m.obs, "pay_query_refund", start, err)
}
