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

type refund struct {
	OutRefundNo   string    `json:"out_refund_no"`
	RefundID      string    `json:"refund_id"`
	OutTradeNo    string    `json:"out_trade_no"`
	TransactionID string    `json:"transaction_id"`
	Refund        int64     `json:"refund"`
	Total         int64     `json:"total"`
	Reason        string    `json:"reason"`
	NotifyURL     string    `json:"notify_url"`
	Status        string    `json:"status"` // PROCESSING, SUCCESS
	CreateTime    time.Time `json:"create_time"`
	SuccessTime   time.Time `json:"success_time"`
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
	if r.Status == "SUCCESS" {
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
		return s.payFail(c, http.StatusNotFound, "RESOURCE_NOT_EXISTS", "订单不存在")
	case t.State != StateSuccess && t.State != StateRefund:
		return s.payFail(c, http.StatusBadRequest, "INVALID_REQUEST", "订单未支付，不能退款")
	case req.Amount.Total != t.Total:
		return s.payFail(c, http.StatusBadRequest, "PARAM_ERROR", "订单金额与原订单不一致")
	}
	if r, ok := s.st.Refunds[req.OutRefundNo]; ok {
		if r.OutTradeNo != t.OutTradeNo || r.Refund != req.Amount.Refund {
			return s.payFail(c, http.StatusBadRequest, "INVALID_REQUEST", "退款单号重复，但退款参数不一致")
		}
		return s.respond(c, http.StatusOK, r.json())
	}
	if req.Amount.Refund < 1 || t.Refunded+req.Amount.Refund > t.Total {
		return s.payFail(c, http.StatusBadRequest, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
	}
	now := s.now()
	r := &refund{
		OutRefundNo: req.OutRefundNo, RefundID: "50" + randDigits(27), OutTradeNo: t.OutTradeNo,
		TransactionID: t.TransactionID, Refund: req.Amount.Refund, Total: t.Total, Reason: req.Reason,
		NotifyURL: req.NotifyURL, Status: "PROCESSING", CreateTime: now,
	}
	t.Refunded += r.Refund // reserved now, so two refunds cannot together exceed the total
	s.st.Refunds[r.OutRefundNo] = r
	s.save()
	s.settleLater(r.OutRefundNo)
	return s.respond(c, http.StatusOK, r.json())
}

// settleLater completes a refund after refundDelay and notifies the merchant.
func (s *Sandbox) settleLater(outRefundNo string) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if !s.sleep(refundDelay) {
			return
		}
		s.mu.Lock()
		r := s.st.Refunds[outRefundNo]
		if r == nil || r.Status != "PROCESSING" {
			s.mu.Unlock()
			return
		}
		r.Status, r.SuccessTime = "SUCCESS", s.now()
		if t := s.st.Transactions[r.OutTradeNo]; t != nil {
			t.State = StateRefund
		}
		plain := map[string]any{
			"mchid": s.id.MchID, "out_trade_no": r.OutTradeNo, "transaction_id": r.TransactionID,
			"out_refund_no": r.OutRefundNo, "refund_id": r.RefundID, "refund_status": "SUCCESS",
			"success_time": wxTime(r.SuccessTime), "user_received_account": "支付用户零钱",
			"amount": map[string]any{"total": r.Total, "refund": r.Refund, "payer_total": r.Total, "payer_refund": r.Refund},
		}
		s.save()
		url := r.NotifyURL
		s.mu.Unlock()
		if url != "" {
			n := s.notification("REFUND.SUCCESS", "退款成功", "refund", "EV-"+randDigits(20), plain)
			s.deliverWithRetries(url, n)
		}
	}()
}

// resumeRefunds restarts the settlement of refunds left processing by a restart.
func (s *Sandbox) resumeRefunds() {
	for no, r := range s.st.Refunds {
		if r.Status == "PROCESSING" {
			s.settleLater(no)
		}
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
