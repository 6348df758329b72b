// Package subscribe sends the shopper WeChat subscribe messages (订阅消息)
// about their orders. A one-time subscribe message may only be sent after
// the shopper accepted it in wx.requestSubscribeMessage, once per accept:
// the mini program reports the answers (Record), and wemart keeps count per
// shopper and template (subscribe_grants). When an order moves to paid,
// ready_for_pickup, shipped, delivered or refunded, a move hook takes one
// grant of that event's template by a conditional update and writes a
// "subscribe" job in the same transaction (once per order and event); the
// jobs runner sends it. Values are shaped to WeChat's limits here, so a
// bad one fails in our tests rather than at WeChat.
package subscribe

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"wemart/ent"
	"wemart/ent/job"
	"wemart/ent/order"
	"wemart/ent/orderitem"
	"wemart/ent/predicate"
	"wemart/ent/refund"
	"wemart/ent/shipment"
	"wemart/ent/subscribegrant"
	"wemart/server/errs"
	"wemart/server/jobs"
	"wemart/server/orders"
	"wemart/server/storage"
	"wemart/server/wechat"
)

// KindSend is the kind of the jobs that send a subscribe message.
const KindSend = "subscribe"

// MaxGrants is how many accepted messages of one template wemart counts
// for a shopper at most.
const MaxGrants = 50

// Service records grants and sends subscribe messages.
type Service struct {
	client    *ent.Client
	jobs      *jobs.Runner
	mp        wechat.MiniProgram
	templates Templates
	now       func() time.Time
	log       *slog.Logger
}

// New returns a Service sending templates; register its handler with
// Register.
func New(client *ent.Client, runner *jobs.Runner, mp wechat.MiniProgram, templates Templates, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{client: client, jobs: runner, mp: mp, templates: templates, now: now, log: log}
}

// Register sets the handler of subscribe jobs on r (every process's
// runner; the service enqueues on its own).
func (s *Service) Register(r *jobs.Runner) { r.Handle(KindSend, s.runSend) }

// TemplateInfo is a template as the mini program needs it to ask.
type TemplateInfo struct {
	Event      string `json:"event"`
	TemplateID string `json:"template_id"`
	Title      string `json:"title"`
}

// List is the configured templates in lifecycle order.
func (s *Service) List() []TemplateInfo {
	out := []TemplateInfo{}
	for _, ev := range Events {
		if t, ok := s.templates[ev]; ok {
			out = append(out, TemplateInfo{Event: ev, TemplateID: t.TemplateID, Title: t.Title})
		}
	}
	return out
}

// Answers of wx.requestSubscribeMessage.
const (
	Accept = "accept"
	Reject = "reject"
	Ban    = "ban"
	Filter = "filter"
)

// Record keeps what wx.requestSubscribeMessage answered the shopper's
// request for 1 to 5 templates: each accept allows one more message of its
// template (up to MaxGrants); the other answers are only noted. It returns
// how many messages of each template may now be sent. Answers about a
// template wemart does not send (none of its configured templates) are
// not stored: nothing would use them, and a shopper could fill the table.
func (s *Service) Record(ctx context.Context, shopperID int, results map[string]string) (_ map[string]int, err error) {
	defer errs.Op(&err, "subscribe.Record")
	if len(results) < 1 || len(results) > 5 {
		return nil, errs.InvalidField("results", "must name 1 to 5 template ids")
	}
	for _, id := range sortedKeys(results) {
		if !ValidTemplateID(id) {
			return nil, errs.InvalidField("results", "template ids are 1 to 128 letters, digits, _ or -")
		}
		switch results[id] {
		case Accept, Reject, Ban, Filter:
		default:
			return nil, errs.InvalidField("results."+id, "must be accept, reject, ban or filter")
		}
	}
	out := map[string]int{}
	known := map[string]bool{}
	for _, t := range s.templates {
		known[t.TemplateID] = true
	}
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		for _, id := range sortedKeys(results) {
			if !known[id] {
				continue
			}
			add := 0
			if results[id] == Accept {
				add = 1
			}
			err := tx.SubscribeGrant.Create().SetShopperID(shopperID).SetTemplateID(id).SetRemaining(add).SetLastResult(results[id]).
				OnConflictColumns(subscribegrant.FieldShopperID, subscribegrant.FieldTemplateID).
				Update(func(u *ent.SubscribeGrantUpsert) {
					u.AddRemaining(add).SetLastResult(results[id]).UpdateUpdatedAt()
				}).Exec(ctx)
			if err != nil {
				return err
			}
			where := []predicate.SubscribeGrant{subscribegrant.ShopperID(shopperID), subscribegrant.TemplateID(id)}
			if err := tx.SubscribeGrant.Update().Where(append(where, subscribegrant.RemainingGT(MaxGrants))...).
				SetRemaining(MaxGrants).Exec(ctx); err != nil {
				return err
			}
			g, err := tx.SubscribeGrant.Query().Where(where...).Only(ctx)
			if err != nil {
				return err
			}
			out[id] = g.Remaining
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eventOf is the subscribe event of a move to st (none: "").
func eventOf(st order.Status) string {
	switch st {
	case order.StatusPaid, order.StatusReadyForPickup, order.StatusShipped, order.StatusDelivered, order.StatusRefunded:
		return string(st)
	}
	return ""
}

// sendKey is the key of an order event's message: sent once however often
// the order makes the move.
func sendKey(orderID int, event string) string {
	return fmt.Sprintf("%s:%d:%s", KindSend, orderID, event)
}

// OnMove is the orders.MoveHook that, on a move to an event's status (not
// a move back after a rejected refund), takes one of the shopper's grants
// of the event's template and enqueues the message, in the move's
// transaction. No template, no grant, or a message already sent for this
// order and event: nothing happens. A value that cannot be sent is logged,
// and no grant is taken; the move itself always goes ahead.
func (s *Service) OnMove(ctx context.Context, tx *ent.Tx, o *ent.Order, from order.Status, _ orders.Actor) error {
	ev := eventOf(o.Status)
	tpl, ok := s.templates[ev]
	if ev == "" || !ok || from == order.StatusRefunding && ev != "refunded" {
		return nil
	}
	key := sendKey(o.ID, ev)
	if sent, err := tx.Job.Query().Where(job.Key(key)).Exist(ctx); err != nil || sent {
		return err
	}
	shopper, err := tx.Shopper.Get(ctx, o.ShopperID)
	if err != nil {
		return err
	}
	msg, err := s.message(ctx, tx, o, ev, tpl)
	if err != nil {
		s.log.Error("subscribe: a message cannot be made; not sent", "order", o.OrderNo, "event", ev, "error", err)
		return nil
	}
	msg.OpenID = shopper.Openid
	n, err := tx.SubscribeGrant.Update().
		Where(subscribegrant.ShopperID(o.ShopperID), subscribegrant.TemplateID(tpl.TemplateID), subscribegrant.RemainingGT(0)).
		AddRemaining(-1).Save(ctx)
	if err != nil || n == 0 {
		return err
	}
	return s.jobs.Enqueue(ctx, tx, jobs.Job{Kind: KindSend, Key: key, OrderID: &o.ID, Payload: msg})
}

// statusPhrase is the status keyword of each event (≤ 5 Chinese characters).
var statusPhrase = map[string]string{
	"paid": "已支付", "ready_for_pickup": "待取货", "shipped": "已发货", "delivered": "已送达", "refunded": "已退款",
}

// message is the subscribe message of an order event, its values read in
// tx and shaped to the template's keywords.
func (s *Service) message(ctx context.Context, tx *ent.Tx, o *ent.Order, ev string, tpl Template) (*wechat.SubscribeMessage, error) {
	v, err := s.values(ctx, tx, o, ev)
	if err != nil {
		return nil, err
	}
	page := strings.ReplaceAll(tpl.Page, "{id}", strconv.Itoa(o.ID))
	if page == "" {
		page = "pages/order/index?id=" + strconv.Itoa(o.ID)
	}
	msg := &wechat.SubscribeMessage{TemplateID: tpl.TemplateID, Page: page, Data: map[string]string{}}
	for kw, name := range tpl.Fields {
		if msg.Data[kw], err = Format(kw, v[name]); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

// values are what an order event's message may say, by value name.
func (s *Service) values(ctx context.Context, tx *ent.Tx, o *ent.Order, ev string) (map[string]any, error) {
	st, err := tx.Store.Get(ctx, o.StoreID)
	if err != nil {
		return nil, err
	}
	items, err := tx.OrderItem.Query().Where(orderitem.OrderID(o.ID)).Order(ent.Asc(orderitem.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	v := map[string]any{
		"order_no": o.OrderNo, "amount": Fen(o.PayableFen), "goods": goods(items), "status": statusPhrase[ev],
		"store": st.Name, "pickup_code": "", "carrier": "", "tracking_no": "", "time": s.now(), "reason": "",
	}
	if o.PickupCode != nil {
		v["pickup_code"] = *o.PickupCode
	}
	sh, err := tx.Shipment.Query().Where(shipment.OrderID(o.ID)).Order(ent.Desc(shipment.FieldID)).First(ctx)
	switch {
	case err == nil:
		v["carrier"], v["tracking_no"] = carrierName(sh), sh.TrackingNo
	case !ent.IsNotFound(err):
		return nil, err
	}
	if ev == "refunded" {
		rs, err := tx.Refund.Query().Where(refund.OrderID(o.ID), refund.StatusEQ(refund.StatusSucceeded)).
			Order(ent.Desc(refund.FieldID)).All(ctx)
		if err != nil {
			return nil, err
		}
		var sum int64
		for _, r := range rs {
			sum += r.AmountFen
		}
		if len(rs) > 0 {
			v["amount"], v["reason"] = Fen(sum), rs[0].Reason
		}
	}
	return v, nil
}

// goods names an order's goods: its first line, and how many in all.
func goods(items []*ent.OrderItem) string {
	if len(items) == 0 {
		return ""
	}
	n := 0
	for _, it := range items {
		n += it.Quantity
	}
	if len(items) == 1 && n == 1 {
		return items[0].Title
	}
	return fmt.Sprintf("%s等%d件", items[0].Title, n)
}

// carriers are the names of the usual express companies by WeChat id.
var carriers = map[string]string{
	"SF": "顺丰速运", "ZTO": "中通快递", "YTO": "圆通速递", "YD": "韵达速递", "STO": "申通快递", "JD": "京东物流", "EMS": "EMS",
}

// carrierName is who carries a shipment, as a shopper reads it.
func carrierName(sh *ent.Shipment) string {
	if sh.Kind == shipment.KindRider {
		if sh.RiderName != "" {
			return "同城配送 " + sh.RiderName
		}
		return "同城配送"
	}
	if name, ok := carriers[sh.Carrier]; ok {
		return name
	}
	return sh.Carrier
}

// runSend sends a subscribe message. No grant at WeChat (43101) or an
// argument WeChat refuses (47003: the template changed under us) ends the
// job failed, the grant spent; WeChat busy or unreachable is retried.
func (s *Service) runSend(ctx context.Context, j *ent.Job) error {
	var msg wechat.SubscribeMessage
	if err := jobs.Decode(j, &msg); err != nil {
		return err
	}
	err := s.mp.SendSubscribe(ctx, msg)
	switch code := wechat.CodeOf(err); {
	case err == nil:
		return nil
	case code == "47003":
		s.log.Error("subscribe: WeChat refused a message's values; has the template changed?", "template_id", msg.TemplateID,
			"key", j.Key, "error", err)
		return jobs.Permanent(err)
	case code == "" || wechat.IsTemporary(err):
		return err
	}
	return jobs.Permanent(err)
}
