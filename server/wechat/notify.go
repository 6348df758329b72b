package wechat

import (
	"crypto/rsa"
	"fmt"
	"net/http"
	"time"

	"wemart/server/wechat/wxpay"
)

// Notification event types.
const (
	EventPaid          = "TRANSACTION.SUCCESS"
	EventRefundSuccess = "REFUND.SUCCESS"
	EventRefundClosed  = "REFUND.CLOSED"
	EventRefundFailed  = "REFUND.ABNORMAL"
)

// Event is a verified, decrypted WeChat Pay notification: exactly one of
// Payment and Refund is set.
type Event struct {
	ID      string
	Type    string
	Payment *Transaction
	Refund  *Refund
}

// Notifications opens WeChat Pay notifications: signature (platform public
// key by serial), freshness, decryption, and that they are for our app and
// merchant. It is the same code in live and sandbox mode.
type Notifications struct {
	verifier wxpay.Verifier
	appID    string
	mchID    string
}

// NewNotifications returns the notification opener for creds.
func NewNotifications(creds Credentials) *Notifications {
	return &Notifications{
		verifier: wxpay.Verifier{Keys: map[string]*rsa.PublicKey{creds.PlatformKeyID: creds.PlatformKey}, APIv3Key: creds.APIv3Key},
		appID:    creds.AppID,
		mchID:    creds.MchID,
	}
}

type transactionResource struct {
	AppID         string `json:"appid"`
	MchID         string `json:"mchid"`
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	TradeState    string `json:"trade_state"`
	SuccessTime   string `json:"success_time"`
	Payer         struct {
		OpenID string `json:"openid"`
	} `json:"payer"`
	Amount struct {
		Total int64 `json:"total"`
	} `json:"amount"`
}

type refundResource struct {
	MchID         string `json:"mchid"`
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	OutRefundNo   string `json:"out_refund_no"`
	RefundID      string `json:"refund_id"`
	RefundStatus  string `json:"refund_status"`
	SuccessTime   string `json:"success_time"`
	Amount        struct {
		Total  int64 `json:"total"`
		Refund int64 `json:"refund"`
	} `json:"amount"`
}

// successTime reads WeChat Pay's success_time: RFC 3339, or empty while the
// trade or refund has not succeeded (zero then).
func successTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("success_time %q is not an RFC 3339 time", s)
	}
	return t, nil
}

// Open verifies and decrypts a notification. Failures are *wxpay.Rejection,
// carrying the status to answer WeChat with.
func (n *Notifications) Open(h http.Header, body []byte) (Event, error) {
	if err := n.verifier.VerifySignature(h, body); err != nil {
		return Event{}, err
	}
	var probe struct {
		EventType string `json:"event_type"`
		Resource  struct {
			OriginalType string `json:"original_type"`
		} `json:"resource"`
	}
	var ev Event
	switch err := decode(body, &probe); {
	case err != nil:
		return Event{}, &wxpay.Rejection{Status: http.StatusBadRequest, Kind: wxpay.RejectMalformed, Reason: "notification is not JSON"}
	case probe.Resource.OriginalType == "transaction":
		var r transactionResource
		env, err := n.verifier.Decrypt(body, &r)
		if err != nil {
			return Event{}, err
		}
		if r.AppID != n.appID || r.MchID != n.mchID {
			return Event{}, &wxpay.Rejection{Status: http.StatusBadRequest, Kind: wxpay.RejectMerchant, Reason: "notification is for another appid or mchid"}
		}
		t, err := successTime(r.SuccessTime)
		if err != nil {
			return Event{}, &wxpay.Rejection{Status: http.StatusBadRequest, Kind: wxpay.RejectMalformed, Reason: "notification's " + err.Error()}
		}
		ev = Event{ID: env.ID, Type: env.EventType, Payment: &Transaction{AppID: r.AppID, MchID: r.MchID, OutTradeNo: r.OutTradeNo,
			TransactionID: r.TransactionID, TradeState: r.TradeState, TotalFen: r.Amount.Total, OpenID: r.Payer.OpenID, SuccessTime: t}}
	case probe.Resource.OriginalType == "refund":
		var r refundResource
		env, err := n.verifier.Decrypt(body, &r)
		if err != nil {
			return Event{}, err
		}
		if r.MchID != n.mchID {
			return Event{}, &wxpay.Rejection{Status: http.StatusBadRequest, Kind: wxpay.RejectMerchant, Reason: "notification is for another mchid"}
		}
		t, err := successTime(r.SuccessTime)
		if err != nil {
			return Event{}, &wxpay.Rejection{Status: http.StatusBadRequest, Kind: wxpay.RejectMalformed, Reason: "notification's " + err.Error()}
		}
		ev = Event{ID: env.ID, Type: env.EventType, Refund: &Refund{OutRefundNo: r.OutRefundNo, RefundID: r.RefundID,
			OutTradeNo: r.OutTradeNo, TransactionID: r.TransactionID, Status: r.RefundStatus,
			RefundFen: r.Amount.Refund, TotalFen: r.Amount.Total, SuccessTime: t}}
	default:
		return Event{}, &wxpay.Rejection{Status: http.StatusBadRequest, Kind: wxpay.RejectMalformed, Reason: "unknown resource type " + probe.Resource.OriginalType}
	}
	return ev, nil
}
