package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
	"wemart/server/wechat/wxpush"
)

// The shipping-info API's error codes (发货信息管理), as the sandbox uses them.
const (
	errShipNoOrder       = 10060001 // 支付单不存在
	errShipAlreadyDone   = 10060003 // 支付单已使用重新发货机会
	errShipNotShippable  = 10060004 // 支付单处于不可发货的状态
	errShipLogisticsType = 10060005 // 物流类型有误
	errShipParam         = 10060014 // 参数错误
	errShipPayer         = 10060023 // 支付单与付款用户不一致
	errShipNotShipped    = 10060019 // 订单未发货, 无法确认收货
	errShipUploadTime    = 268485216
	errShipConfirmDone   = 10060030 // 已提醒过确认收货
	errShipConfirmKind   = 10060032 // 非快递发货, 不能提醒确认收货
)

// shipIndexDelay is how long after payment a transaction is unknown to the
// shipping-info API (WeChat indexes payments first: 10060001 meanwhile,
// "wait 10 seconds to a minute"), on the sandbox's time scale.
const shipIndexDelay = 30 * time.Second

// Order states of the shipping-info API.
const (
	shipWaiting   = 1 // 待发货
	shipShipped   = 2 // 已发货
	shipConfirmed = 3 // 确认收货
	shipDone      = 4 // 交易完成
	shipRefunded  = 5 // 已退款
)

// shippingRecord is what the shipping-info API holds about one payment.
type shippingRecord struct {
	LogisticsType  int            `json:"logistics_type"`
	DeliveryMode   int            `json:"delivery_mode"`
	IsAllDelivered bool           `json:"is_all_delivered"`
	ShippingList   []shippingItem `json:"shipping_list"`
	UploadTime     string         `json:"upload_time"`
	Uploads        int            `json:"uploads"`
	// ReceivedTime is when the shopper confirmed receipt (unix s; see
	// POST /sandbox/shipping/confirm).
	ReceivedTime int64 `json:"received_time,omitempty"`
	// RemindedTime is the received_time of the merchant's one
	// notify_confirm_receive (a reminder to the shopper, unix s).
	RemindedTime int64 `json:"reminded_time,omitempty"`
}

type shippingItem struct {
	TrackingNo     string `json:"tracking_no,omitempty"`
	ExpressCompany string `json:"express_company,omitempty"`
	ItemDesc       string `json:"item_desc"`
	Contact        *struct {
		ConsignorContact string `json:"consignor_contact,omitempty"`
		ReceiverContact  string `json:"receiver_contact,omitempty"`
	} `json:"contact,omitempty"`
}

type orderKey struct {
	OrderNumberType int    `json:"order_number_type"`
	TransactionID   string `json:"transaction_id"`
	MchID           string `json:"mchid"`
	OutTradeNo      string `json:"out_trade_no"`
}

// find locates a transaction by an order key, as the shipping-info API
// knows it: not before it was indexed, shipIndexDelay after payment. Call
// with s.mu held.
func (s *Sandbox) find(k orderKey) *transaction {
	t := s.lookup(k)
	if t != nil && t.TransactionID != "" && s.now().Before(t.SuccessTime.Add(s.scaled(shipIndexDelay))) {
		return nil // paid, not yet indexed
	}
	return t
}

// lookup locates a transaction by an order key; call with s.mu held.
func (s *Sandbox) lookup(k orderKey) *transaction {
	switch k.OrderNumberType {
	case 1:
		if k.MchID != s.id.MchID {
			return nil
		}
		return s.st.Transactions[k.OutTradeNo]
	case 2:
		for _, t := range s.st.Transactions {
			if t.TransactionID != "" && t.TransactionID == k.TransactionID {
				return t
			}
		}
	}
	return nil
}

func (s *Sandbox) uploadShipping(c echo.Context) error {
	if code, msg := s.checkToken(c); code != 0 {
		return fail(c, code, msg)
	}
	var req struct {
		OrderKey       orderKey       `json:"order_key"`
		LogisticsType  int            `json:"logistics_type"`
		DeliveryMode   int            `json:"delivery_mode"`
		IsAllDelivered bool           `json:"is_all_delivered"`
		ShippingList   []shippingItem `json:"shipping_list"`
		UploadTime     string         `json:"upload_time"`
		Payer          struct {
			OpenID string `json:"openid"`
		} `json:"payer"`
	}
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
		return fail(c, errArgument, "argument invalid! data format error")
	}
	if req.LogisticsType < 1 || req.LogisticsType > 4 {
		return fail(c, errShipLogisticsType, "logistics_type must be 1 (express), 2 (same-city), 3 (virtual) or 4 (pickup)")
	}
	if req.DeliveryMode != 1 && req.DeliveryMode != 2 {
		return fail(c, errShipParam, "delivery_mode must be 1 (unified) or 2 (split)")
	}
	if _, err := time.Parse(time.RFC3339, req.UploadTime); err != nil {
		return fail(c, errShipUploadTime, "upload_time must be RFC 3339")
	}
	if len(req.ShippingList) == 0 || len(req.ShippingList) > 10 {
		return fail(c, errShipParam, "shipping_list must have 1 to 10 items")
	}
	for _, it := range req.ShippingList {
		if it.ItemDesc == "" || utf8.RuneCountInString(it.ItemDesc) > 120 {
			return fail(c, errShipParam, "item_desc must be 1 to 120 characters")
		}
		if req.LogisticsType == 1 && (it.TrackingNo == "" || it.ExpressCompany == "") {
			return fail(c, errShipParam, "express shipping needs tracking_no and express_company")
		}
	}
	code, msg := s.recordShipping(req.OrderKey, req.Payer.OpenID, &shippingRecord{LogisticsType: req.LogisticsType,
		DeliveryMode: req.DeliveryMode, IsAllDelivered: req.IsAllDelivered, ShippingList: req.ShippingList, UploadTime: req.UploadTime})
	return c.JSON(http.StatusOK, wxError{ErrCode: code, ErrMsg: msg})
}

// recordShipping keeps a shipping upload on its payment (WeChat allows one
// re-upload), or says why not.
func (s *Sandbox) recordShipping(k orderKey, payer string, rec *shippingRecord) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.find(k)
	switch {
	case t == nil || t.TransactionID == "":
		return errShipNoOrder, "支付单不存在"
	case t.State != StateSuccess:
		return errShipNotShippable, "支付单处于不可发货的状态"
	case payer != t.OpenID:
		return errShipPayer, "支付单与付款用户不一致"
	case t.Shipping != nil && (t.Shipping.Uploads >= 2 || t.Shipping.ReceivedTime != 0):
		return errShipAlreadyDone, "支付单已使用重新发货机会"
	}
	rec.Uploads = 1
	if t.Shipping != nil {
		rec.Uploads = t.Shipping.Uploads + 1 // the one re-upload WeChat allows
	}
	t.Shipping = rec
	s.put(recTransaction, t.OutTradeNo, t)
	now := s.now()
	s.pushSettlement(t, map[string]any{"shipped_time": now.Unix(),
		"estimated_settlement_time": now.Add(settleAfter(rec.LogisticsType)).Unix()})
	return 0, "ok"
}

// settleAfter is when WeChat settles a shipped payment nobody confirmed:
// express 10 days after shipping, the other kinds 2.
func settleAfter(logisticsType int) time.Duration {
	if logisticsType == 1 {
		return 10 * 24 * time.Hour
	}
	return 2 * 24 * time.Hour
}

type tradeRef struct {
	TransactionID   string `json:"transaction_id"`
	MerchantID      string `json:"merchant_id"`
	MerchantTradeNo string `json:"merchant_trade_no"`
}

func (r tradeRef) key() orderKey {
	if r.TransactionID != "" {
		return orderKey{OrderNumberType: 2, TransactionID: r.TransactionID}
	}
	return orderKey{OrderNumberType: 1, MchID: r.MerchantID, OutTradeNo: r.MerchantTradeNo}
}

// confirmReceive is notify_confirm_receive: the merchant reminds the
// shopper to confirm receipt of an express parcel (once).
func (s *Sandbox) confirmReceive(c echo.Context) error {
	if code, msg := s.checkToken(c); code != 0 {
		return fail(c, code, msg)
	}
	var req struct {
		tradeRef
		ReceivedTime int64 `json:"received_time"`
	}
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
		return fail(c, errArgument, "argument invalid! data format error")
	}
	if req.ReceivedTime <= 0 {
		return fail(c, errShipParam, "received_time must be a unix time")
	}
	code, msg := func() (int, string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		t := s.find(req.key())
		switch {
		case t == nil || t.TransactionID == "":
			return errShipNoOrder, "支付单不存在"
		case t.Shipping == nil:
			return errShipNotShipped, "订单未发货"
		case t.Shipping.LogisticsType != 1:
			return errShipConfirmKind, "非快递发货的订单不能提醒确认收货"
		case t.Shipping.RemindedTime != 0:
			return errShipConfirmDone, "已提醒过用户确认收货"
		}
		// A reminder to the shopper, once; the shopper confirms in WeChat
		// (POST /sandbox/shipping/confirm plays that).
		t.Shipping.RemindedTime = req.ReceivedTime
		s.put(recTransaction, t.OutTradeNo, t)
		return 0, "ok"
	}()
	return c.JSON(http.StatusOK, wxError{ErrCode: code, ErrMsg: msg})
}

func (s *Sandbox) getShippingOrder(c echo.Context) error {
	if code, msg := s.checkToken(c); code != 0 {
		return fail(c, code, msg)
	}
	var req tradeRef
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
		return fail(c, errArgument, "argument invalid! data format error")
	}
	s.mu.Lock()
	t := s.find(req.key())
	if t == nil || t.TransactionID == "" {
		s.mu.Unlock()
		return fail(c, errShipNoOrder, "支付单不存在")
	}
	state := shipWaiting
	shipping := map[string]any{}
	switch {
	case t.State == StateRefund:
		state = shipRefunded
	case t.Shipping != nil && t.Shipping.ReceivedTime != 0:
		state = shipConfirmed
	case t.Shipping != nil:
		state = shipShipped
	}
	if sh := t.Shipping; sh != nil {
		// get_order describes each parcel with goods_desc and the time its
		// upload was made (upload_time, unix seconds).
		uploaded, _ := time.Parse(time.RFC3339, sh.UploadTime)
		list := make([]map[string]any, 0, len(sh.ShippingList))
		for _, it := range sh.ShippingList {
			item := map[string]any{"tracking_no": it.TrackingNo, "express_company": it.ExpressCompany,
				"goods_desc": it.ItemDesc, "upload_time": uploaded.Unix()}
			if it.Contact != nil {
				item["contact"] = it.Contact
			}
			list = append(list, item)
		}
		shipping = map[string]any{
			"delivery_mode": sh.DeliveryMode, "logistics_type": sh.LogisticsType,
			"finish_shipping": sh.IsAllDelivered || sh.DeliveryMode == 1, "finish_shipping_count": sh.Uploads - 1,
			"shipping_list": list,
		}
	}
	answer := map[string]any{
		"errcode": 0, "errmsg": "ok",
		"order": map[string]any{
			"transaction_id": t.TransactionID, "merchant_id": t.MchID, "merchant_trade_no": t.OutTradeNo,
			"description": t.Description, "paid_amount": t.Total, "openid": t.OpenID,
			"trade_create_time": t.PrepayAt.Unix(), "pay_time": t.SuccessTime.Unix(),
			"order_state": state, "in_complaint": false, "shipping": shipping,
		},
	}
	s.mu.Unlock()
	return c.JSON(http.StatusOK, answer)
}

// pushSettlement sends wemart a trade_manage_order_settlement message push
// about t (at the origin of its notify_url, path /wechat/push), in safe mode
// and JSON, with the event's fields besides the common ones; retried on the
// "quick" schedule. Call with s.mu held, after the change it announces.
func (s *Sandbox) pushSettlement(t *transaction, fields map[string]any) {
	u, err := url.Parse(t.NotifyURL)
	if err != nil || u.Host == "" {
		return
	}
	codec, err := wxpush.New(s.id.PushToken, s.id.PushAESKey, s.id.AppID)
	if err != nil {
		s.opt.Log.Error("sandbox: message push", "error", err)
		return
	}
	now := s.now()
	msg := map[string]any{
		"ToUserName": "gh_" + s.id.AppID[2:], "FromUserName": t.OpenID, "CreateTime": now.Unix(),
		"MsgType": "event", "Event": "trade_manage_order_settlement",
		"transaction_id": t.TransactionID, "merchant_id": t.MchID, "sub_merchant_id": "",
		"merchant_trade_no": t.OutTradeNo, "pay_time": t.SuccessTime.Unix(),
	}
	for k, v := range fields {
		msg[k] = v
	}
	plain, _ := json.Marshal(msg)
	body, q, err := codec.SealJSON(msg["ToUserName"].(string), plain, strconv.FormatInt(now.Unix(), 10), randHex(8))
	if err != nil {
		s.opt.Log.Error("sandbox: message push", "error", err)
		return
	}
	target := u.Scheme + "://" + u.Host + "/wechat/push?" + q.Encode()
	s.enqueueHook(target, body, webhook{ContentType: "application/json", Event: "trade_manage_order_settlement", Schedule: "quick"})
}

// shopperConfirms is POST /sandbox/shipping/confirm: it plays the shopper
// confirming receipt in WeChat (the confirm component or WeChat's order
// page) of a shipped payment. get_order then says 3 (receipt confirmed) and
// wemart is told by a trade_manage_order_settlement push. Confirming again
// changes nothing.
func (s *Sandbox) shopperConfirms(c echo.Context) error {
	var req struct {
		TransactionID string `json:"transaction_id"`
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.TransactionID == "" {
		return errs.InvalidField("transaction_id", "is required (the WeChat Pay transaction_id of a shipped payment)")
	}
	received, err := s.confirmReceipt(req.TransactionID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"transaction_id": req.TransactionID, "order_state": shipConfirmed,
		"received_time": received})
}

// confirmReceipt records the shopper's confirmation of receipt of a paid
// and shipped payment (once) and pushes it to wemart; it returns when it
// was confirmed (unix s).
func (s *Sandbox) confirmReceipt(transactionID string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.lookup(orderKey{OrderNumberType: 2, TransactionID: transactionID})
	switch {
	case t == nil:
		return 0, errs.E(errs.NotFound, "no payment has transaction_id %s", transactionID)
	case t.State != StateSuccess:
		return 0, errs.E(errs.Conflict, "payment %s is %s; only a paid payment can be received", transactionID, t.State)
	case t.Shipping == nil:
		return 0, errs.E(errs.Conflict, "payment %s was not shipped (no shipping info uploaded)", transactionID)
	case t.Shipping.ReceivedTime == 0:
		now := s.now()
		t.Shipping.ReceivedTime = now.Unix()
		s.put(recTransaction, t.OutTradeNo, t)
		s.pushSettlement(t, map[string]any{"confirm_receive_method": 2, "confirm_receive_time": now.Unix(),
			"settlement_time": now.Unix()})
	}
	return t.Shipping.ReceivedTime, nil
}
