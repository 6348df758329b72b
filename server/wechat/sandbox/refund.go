package sandbox

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// refundDelay is how long WeChat Pay takes to settle a refund to the
// shopper's balance (seconds in practice; scaled like every delay).
const refundDelay = 3 * time.Second

// Refund statuses, as WeChat Pay names them.
const (
	refundProcessing = "PROCESSING"
	refundSuccess    = "SUCCESS"
	refundClosed     = "CLOSED"
	refundAbnormal   = "ABNORMAL"
)

type refund struct {
	OutRefundNo   string    `json:"out_refund_no"`
	RefundID      string    `json:"refund_id"`
	OutTradeNo    string    `json:"out_trade_no"`
	TransactionID string    `json:"transaction_id"`
	Refund        int64     `json:"refund"`
	Total         int64     `json:"total"`
	Reason        string    `json:"reason"`
	NotifyURL     string    `json:"notify_url"`
	Status        string    `json:"status"` // PROCESSING, SUCCESS, CLOSED, ABNORMAL
	CreateTime    time.Time `json:"create_time"`
	SuccessTime   time.Time `json:"success_time"`
	// Outcome is how the refund will end (SUCCESS unless a fault said
	// CLOSED or ABNORMAL when it was accepted).
	Outcome string `json:"outcome,omitempty"`
}

func (r *refund) json() map[string]any {
	m := map[string]any{
		"refund_id": r.RefundID, "out_refund_no": r.OutRefundNo, "transaction_id": r.TransactionID,
		"out_trade_no": r.OutTradeNo, "channel": "ORIGINAL", "user_received_account": "支付用户零钱",
		"create_time": wxTime(r.CreateTime), "status": r.Status, "funds_account": "AVAILABLE",
		"amount": map[string]any{
			"total": r.Total, "refund": r.Refund, "payer_total": r.Total, "payer_refund": r.Refund,
			"settlement_total": r.Total, "settlement_refund": r.Refund, "discount_refund": 0, "currency": "CNY",
		},
	}
	if r.Status == refundSuccess {
		m["success_time"] = wxTime(r.SuccessTime)
	}
	return m
}

type refundRequest struct {
	TransactionID string `json:"transaction_id"`
	OutTradeNo    string `json:"out_trade_no"`
	OutRefundNo   string `json:"out_refund_no"`
	Reason        string `json:"reason"`
	NotifyURL     string `json:"notify_url"`
	Amount        struct {
		Refund   int64  `json:"refund"`
		Total    int64  `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
}

func (s *Sandbox) createRefund(c echo.Context) error {
	var req refundRequest
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
		return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "输入源“/body”映射到值字段失败")
	}
	if req.OutRefundNo == "" || len(req.OutRefundNo) > 64 {
		return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "out_refund_no 须为1-64位")
	}
	a := s.recordRefund(req)
	return s.respond(c, a.status, a.body)
}

// recordRefund accepts a refund (PROCESSING) and has it settle later, or
// repeats the answer for the same out_refund_no.
func (s *Sandbox) recordRefund(req refundRequest) payAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	var t *transaction
	if req.TransactionID != "" {
		for _, x := range s.st.Transactions {
			if x.TransactionID == req.TransactionID {
				t = x
			}
		}
	} else {
		t = s.st.Transactions[req.OutTradeNo]
	}
	switch {
	case t == nil:
		return payRefusal(http.StatusNotFound, "RESOURCE_NOT_EXISTS", "订单不存在")
	case t.State != StateSuccess && t.State != StateRefund:
		return payRefusal(http.StatusBadRequest, "INVALID_REQUEST", "订单未支付，不能退款")
	case req.Amount.Total != t.Total:
		return payRefusal(http.StatusBadRequest, "PARAM_ERROR", "订单金额与原订单不一致")
	}
	if r, ok := s.st.Refunds[req.OutRefundNo]; ok {
		if r.OutTradeNo != t.OutTradeNo || r.Refund != req.Amount.Refund {
			return payRefusal(http.StatusBadRequest, "INVALID_REQUEST", "退款单号重复，但退款参数不一致")
		}
		return payAnswer{http.StatusOK, r.json()}
	}
	if req.Amount.Refund < 1 || t.Refunded+req.Amount.Refund > t.Total {
		return payRefusal(http.StatusBadRequest, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
	}
	now := s.now()
	r := &refund{
		OutRefundNo: req.OutRefundNo, RefundID: "50" + randDigits(27), OutTradeNo: t.OutTradeNo,
		TransactionID: t.TransactionID, Refund: req.Amount.Refund, Total: t.Total, Reason: req.Reason,
		NotifyURL: req.NotifyURL, Status: refundProcessing, CreateTime: now, Outcome: refundSuccess,
	}
	switch {
	case s.takeFault(OpRefundClosed) != nil:
		r.Outcome = refundClosed
	case s.takeFault(OpRefundAbnormal) != nil:
		r.Outcome = refundAbnormal
	}
	t.Refunded += r.Refund // reserved now, so two refunds cannot together exceed the total
	s.st.Refunds[r.OutRefundNo] = r
	s.put(recRefund, r.OutRefundNo, r)
	s.put(recTransaction, t.OutTradeNo, t)
	s.start(func() { s.settle(r.OutRefundNo) })
	return payAnswer{http.StatusOK, r.json()}
}

// settle ends a refund refundDelay (scaled) after it was accepted: SUCCESS,
// or CLOSED or ABNORMAL when a fault asked for it (the amount is then free
// to refund again), and notifies the merchant with REFUND.SUCCESS,
// REFUND.CLOSED or REFUND.ABNORMAL. The new status and the notification to
// deliver are journaled together.
func (s *Sandbox) settle(outRefundNo string) {
	s.mu.Lock()
	r := s.st.Refunds[outRefundNo]
	var due time.Time
	if r != nil {
		due = r.CreateTime.Add(s.scaled(refundDelay))
	}
	s.mu.Unlock()
	if r == nil || !s.sleepUntil(due) {
		return
	}
	s.mu.Lock()
	if r = s.st.Refunds[outRefundNo]; r == nil || r.Status != refundProcessing {
		s.mu.Unlock()
		return
	}
	r.Status = r.Outcome
	if r.Status == "" {
		r.Status = refundSuccess
	}
	t := s.st.Transactions[r.OutTradeNo]
	event, summary := "REFUND.SUCCESS", "退款成功"
	switch r.Status {
	case refundSuccess:
		r.SuccessTime = s.now()
		if t != nil {
			t.State = StateRefund
		}
	case refundClosed:
		event, summary = "REFUND.CLOSED", "退款关闭"
	case refundAbnormal:
		event, summary = "REFUND.ABNORMAL", "退款异常"
	}
	if t != nil && r.Status != refundSuccess {
		t.Refunded -= r.Refund
	}
	s.put(recRefund, r.OutRefundNo, r)
	if t != nil {
		s.put(recTransaction, t.OutTradeNo, t)
	}
	var id string
	if r.NotifyURL != "" {
		plain := map[string]any{
			"mchid": s.id.MchID, "out_trade_no": r.OutTradeNo, "transaction_id": r.TransactionID,
			"out_refund_no": r.OutRefundNo, "refund_id": r.RefundID, "refund_status": r.Status,
			"user_received_account": "支付用户零钱",
			"amount":                map[string]any{"total": r.Total, "refund": r.Refund, "payer_total": r.Total, "payer_refund": r.Refund},
		}
		if r.Status == refundSuccess {
			plain["success_time"] = wxTime(r.SuccessTime)
		}
		id = s.enqueue(r.NotifyURL, s.notification(event, summary, "refund", "EV-"+randDigits(20), plain))
	}
	s.mu.Unlock()
	if id != "" {
		s.deliverPending(id)
	}
}

func (s *Sandbox) queryRefund(c echo.Context) error {
	s.mu.Lock()
	r, ok := s.st.Refunds[c.Param("no")]
	var body map[string]any
	if ok {
		body = r.json()
	}
	s.mu.Unlock()
	if !ok {
		return s.payFail(c, http.StatusNotFound, "RESOURCE_NOT_EXISTS", "退款单不存在")
	}
	return s.respond(c, http.StatusOK, body)
}

// RefundStatus reports a refund's status (PROCESSING, SUCCESS, CLOSED or ABNORMAL).
func (s *Sandbox) RefundStatus(outRefundNo string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.Refunds[outRefundNo]
	if !ok {
		return "", false
	}
	return r.Status, true
}
