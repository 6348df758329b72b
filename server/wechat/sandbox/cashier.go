package sandbox

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
)

// cashierRequest is the body of POST /sandbox/pay.
type cashierRequest struct {
	PrepayID string `json:"prepay_id"`
	// SkipNotify pays without notifying the merchant: a lost notification,
	// for trying out reconciliation by query.
	SkipNotify bool `json:"skip_notify"`
}

// cashier is POST /sandbox/pay: it plays the shopper confirming payment in
// the WeChat cashier. The transaction becomes paid and its TRANSACTION.SUCCESS
// notification is delivered to the notify URL (retried on WeChat's schedule
// while it fails); the answer carries the status the notify URL gave. Paying
// an already paid prepay_id delivers the same notification again.
func (s *Sandbox) cashier(c echo.Context) error {
	var req cashierRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.PrepayID == "" {
		return errs.InvalidField("prepay_id", "is required (the prepay_id of a JSAPI order)")
	}
	r, err := s.Pay(req.PrepayID, !req.SkipNotify)
	if err != nil {
		return err
	}
	answer := map[string]any{"transaction_id": r.TransactionID, "out_trade_no": r.OutTradeNo, "notify_status": nil}
	if r.Delivery != nil {
		answer["notify_status"] = r.Delivery.Status
		if r.Delivery.Error != "" {
			answer["notify_error"] = r.Delivery.Error
		}
	}
	return c.JSON(http.StatusOK, answer)
}

// Payment is the outcome of the shopper paying in the cashier.
type Payment struct {
	TransactionID string
	OutTradeNo    string
	// Delivery is the first delivery of the notification (nil when not notified).
	Delivery *Delivery
}

// Pay plays the shopper paying the transaction of prepayID: it becomes paid
// (if it was not already) and, with notify, its TRANSACTION.SUCCESS
// notification is delivered (and retried in the background while refused).
// It fails with not_found for an unknown prepay_id and conflict for a closed
// or expired transaction.
func (s *Sandbox) Pay(prepayID string, notify bool) (Payment, error) {
	now := s.now()
	s.mu.Lock()
	t := s.st.Transactions[s.st.Prepays[prepayID]]
	switch {
	case t == nil:
		s.mu.Unlock()
		return Payment{}, errs.E(errs.NotFound, "no transaction has prepay_id %s", prepayID)
	case t.State == StateClosed:
		s.mu.Unlock()
		return Payment{}, errs.E(errs.Conflict, "transaction %s is closed and cannot be paid", t.OutTradeNo)
	case t.State == StateNotPay && !t.TimeExpire.IsZero() && !now.Before(t.TimeExpire):
		t.State = StateClosed
		s.put(recTransaction, t.OutTradeNo, t)
		s.mu.Unlock()
		return Payment{}, errs.E(errs.Conflict, "transaction %s passed its time_expire and cannot be paid", t.OutTradeNo)
	case t.State == StateNotPay:
		t.State, t.SuccessTime = StateSuccess, now
		t.TransactionID = "42000" + now.In(beijing).Format("20060102") + randDigits(15)
		// The notification is made once; a second payment call repeats it as is.
		t.Notification = s.notification("TRANSACTION.SUCCESS", "支付成功", "transaction", "EV-"+randDigits(20), t.json())
		s.put(recTransaction, t.OutTradeNo, t)
	}
	p := Payment{TransactionID: t.TransactionID, OutTradeNo: t.OutTradeNo}
	var id string
	if notify {
		id = s.enqueue(t.NotifyURL, t.Notification)
	}
	s.mu.Unlock()
	if notify {
		d := s.deliverNow(id)
		p.Delivery = &d
	}
	return p, nil
}

// TransactionRecord is a WeChat Pay transaction as GET /sandbox/records
// lists it: what the sandbox took, for checking a merchant's books against.
type TransactionRecord struct {
	OutTradeNo string `json:"out_trade_no"`
	// TransactionID is WeChat Pay's id of the payment ("" until paid).
	TransactionID string `json:"transaction_id"`
	// TradeState is NOTPAY, SUCCESS, CLOSED or REFUND.
	TradeState string `json:"trade_state"`
	// Total is the amount in fen; Refunded what refunds accepted and not
	// failed (processing or succeeded) take back of it.
	Total       int64      `json:"total"`
	Refunded    int64      `json:"refunded"`
	SuccessTime *time.Time `json:"success_time"`
}

// RefundRecord is a refund as GET /sandbox/records lists it.
type RefundRecord struct {
	OutRefundNo string `json:"out_refund_no"`
	RefundID    string `json:"refund_id"`
	OutTradeNo  string `json:"out_trade_no"`
	// Status is PROCESSING, SUCCESS, CLOSED or ABNORMAL.
	Status string `json:"status"`
	Refund int64  `json:"refund"`
	// Reason is the reason the merchant gave (what the shopper sees).
	Reason string `json:"reason"`
}

// records is GET /sandbox/records: what the sandbox was sent and delivered,
// for developers and tests: shipping info by WeChat Pay transaction_id,
// subscribe messages, notification delivery attempts, how many
// notifications still await acknowledgement, and every transaction and
// refund (by out_trade_no and out_refund_no), so a test can check the
// merchant's books against what WeChat Pay took.
func (s *Sandbox) records(c echo.Context) error {
	s.mu.Lock()
	shipping := map[string]*shippingRecord{}
	transactions := make([]TransactionRecord, 0, len(s.st.Transactions))
	for _, no := range keys(s.st.Transactions) {
		t := s.st.Transactions[no]
		if t.Shipping != nil {
			shipping[t.TransactionID] = t.Shipping
		}
		r := TransactionRecord{OutTradeNo: t.OutTradeNo, TransactionID: t.TransactionID, TradeState: t.State,
			Total: t.Total, Refunded: t.Refunded}
		if !t.SuccessTime.IsZero() {
			at := t.SuccessTime.UTC()
			r.SuccessTime = &at
		}
		transactions = append(transactions, r)
	}
	refunds := make([]RefundRecord, 0, len(s.st.Refunds))
	for _, no := range keys(s.st.Refunds) {
		r := s.st.Refunds[no]
		refunds = append(refunds, RefundRecord{OutRefundNo: r.OutRefundNo, RefundID: r.RefundID, OutTradeNo: r.OutTradeNo,
			Status: r.Status, Refund: r.Refund, Reason: r.Reason})
	}
	body, err := json.Marshal(map[string]any{
		"subscribe": s.st.Subscribes, "shipping": shipping, "deliveries": s.st.Deliveries, "pending": len(s.st.Pending),
		"transactions": transactions, "refunds": refunds, "parcels": s.parcelRecords(), "riders": s.riderRecords(),
	})
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, body)
}
