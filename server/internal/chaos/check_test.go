package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// sim plays a small, honest wemart and its WeChat Pay: each step writes
// what the driver asked and was told (books), the rows the server would
// write (world) and what the sandbox would record, all consistent. A test
// then doctors one of them and expects the checks to fail.
type sim struct {
	t      *testing.T
	b      *books
	orders []*dbOrder
	w      *world
	rec    sandboxRecords
	stock  map[int]*[2]int64 // on_hand, reserved by SKU
	seq    int
}

const simStore = 7

// simSKUs are the store's SKUs: price and stock at the start.
var simSKUs = map[int][2]int64{101: {100, 50}, 102: {250, 20}, 103: {999, 5}}

func newSim(t *testing.T) *sim {
	s := &sim{t: t, b: newBooks(), stock: map[int]*[2]int64{},
		w: &world{items: map[int][]dbItem{}, events: map[int][]dbEvent{}, payments: map[int][]dbPayment{}, refunds: map[int][]dbRefund{}}}
	s.b.storeID = simStore
	for _, sku := range slices.Sorted(maps.Keys(simSKUs)) {
		s.b.price[sku], s.b.initial[sku] = simSKUs[sku][0], simSKUs[sku][1]
		s.b.skus = append(s.b.skus, sku)
		s.stock[sku] = &[2]int64{}
		s.move(sku, 0, "adjustment", simSKUs[sku][1], 0)
	}
	return s
}

// move writes a ledger row and changes the stock row.
func (s *sim) move(sku, orderID int, kind string, dOnHand, dReserved int64) {
	st := s.stock[sku]
	st[0] += dOnHand
	st[1] += dReserved
	s.w.movements = append(s.w.movements, dbMovement{ID: len(s.w.movements) + 1, StoreID: simStore, SkuID: sku, OrderID: orderID,
		Kind: kind, DOnHand: dOnHand, DReserved: dReserved, OnHand: st[0], Reserved: st[1]})
}

func (s *sim) order(id int) *dbOrder {
	for _, o := range s.orders {
		if o.ID == id {
			return o
		}
	}
	s.t.Fatalf("sim: no order %d", id)
	return nil
}

func (s *sim) to(o *dbOrder, status string) {
	s.w.events[o.ID] = append(s.w.events[o.ID], dbEvent{From: o.Status, To: status})
	o.Status = status
}

func (s *sim) tx(no string) int {
	for i, t := range s.rec.Transactions {
		if t.OutTradeNo == no {
			return i
		}
	}
	s.t.Fatalf("sim: no transaction %s", no)
	return -1
}

// place is a checkout the shopper asked for lines of, acknowledged; the
// server records got (nil: the lines asked for).
func (s *sim) place(asked, got map[int]int) *placed {
	s.seq++
	id := s.seq
	if got == nil {
		got = asked
	}
	var payable int64
	for sku, q := range got {
		payable += s.b.price[sku] * int64(q)
	}
	o := &dbOrder{ID: id, No: fmt.Sprintf("N%03d", id), Key: fmt.Sprintf("key-%d", id), ShopperID: 1000 + id, Payable: payable}
	s.orders = append(s.orders, o)
	s.to(o, "pending_payment")
	for i, sku := range slices.Sorted(maps.Keys(got)) {
		s.w.items[id] = append(s.w.items[id], dbItem{ID: id*10 + i, SkuID: sku, Quantity: got[sku]})
		s.move(sku, id, "reserve", 0, int64(got[sku]))
	}
	s.w.payments[id] = []dbPayment{{No: o.No, Status: "pending", Amount: payable}}
	s.rec.Transactions = append(s.rec.Transactions, sandboxTx{OutTradeNo: o.No, TradeState: "NOTPAY", Total: payable})
	p := &placed{ID: id, No: o.No, Payable: payable, ShopperID: o.ShopperID, PrepayID: "wx" + o.No, Status: "pending_payment"}
	return s.b.checkout(o.Key, o.ShopperID, asked, result{Status: 201}, p)
}

// take is WeChat Pay taking the money (the cashier answered 200).
func (s *sim) take(p *placed) string {
	i := s.tx(p.No)
	s.rec.Transactions[i].TradeState, s.rec.Transactions[i].TransactionID = "SUCCESS", "T"+p.No
	s.b.paid(p, result{Status: 200}, "T"+p.No, false)
	return "T" + p.No
}

// record is the server recording the payment transactionID of p.
func (s *sim) record(p *placed, transactionID string) {
	o := s.order(p.ID)
	s.w.payments[p.ID][0].Status, s.w.payments[p.ID][0].TransactionID = "paid", transactionID
	switch o.Status {
	case "pending_payment":
		s.to(o, "paid")
		for _, it := range s.w.items[p.ID] {
			s.move(it.SkuID, p.ID, "sale", -int64(it.Quantity), -int64(it.Quantity))
		}
	case "cancelled": // the stock is gone: refunded in full
		s.to(o, "refunding")
		s.w.refunds[p.ID] = append(s.w.refunds[p.ID], dbRefund{No: p.No + "R1", Status: "succeeded", Amount: o.Payable})
		s.rec.Refunds = append(s.rec.Refunds, sandboxRefund{OutRefundNo: p.No + "R1", OutTradeNo: p.No, Status: "SUCCESS",
			Refund: o.Payable, Reason: "paid after the order was cancelled, and the stock is gone: refunded in full automatically"})
		s.rec.Transactions[s.tx(p.No)].TradeState = "REFUND"
		s.rec.Transactions[s.tx(p.No)].Refunded = o.Payable
		for i := range s.w.items[p.ID] {
			s.w.items[p.ID][i].Refunded = s.w.items[p.ID][i].Quantity
		}
		s.to(o, "refunded")
	}
}

// pay is the shopper paying and the server recording it.
func (s *sim) pay(p *placed) { s.record(p, s.take(p)) }

// expire is the order expiring unpaid.
func (s *sim) expire(p *placed) {
	o := s.order(p.ID)
	s.to(o, "cancelled")
	o.CancelReason = "expired unpaid"
	for _, it := range s.w.items[p.ID] {
		s.move(it.SkuID, p.ID, "release", 0, -int64(it.Quantity))
	}
	s.rec.Transactions[s.tx(p.No)].TradeState = "CLOSED"
	s.w.payments[p.ID][0].Status = "closed"
}

// handOver is staff handing the order over.
func (s *sim) handOver(p *placed) {
	o := s.order(p.ID)
	s.to(o, "ready_for_pickup")
	s.to(o, "completed")
	s.b.handedOver(p, result{Status: 200})
}

// refund is the driver asking for sku×n back (sku 0: everything left) and
// the refund going through.
func (s *sim) refund(p *placed, by string, sku, n int) {
	a := s.b.ask(p, by, sku, n)
	s.b.answered(a, result{Status: 200})
	o := s.order(p.ID)
	before := o.Status
	s.to(o, "refunding")
	items := s.w.items[p.ID]
	var lines []refundLine
	var amount int64
	for i, it := range items {
		q := it.Quantity - it.Refunded
		if sku != 0 {
			q = 0
			if it.SkuID == sku {
				q = n
			}
		}
		if q == 0 {
			continue
		}
		lines = append(lines, refundLine{OrderItemID: it.ID, Quantity: q})
		amount += s.b.price[it.SkuID] * int64(q)
		items[i].Refunded += q
		if before != "completed" {
			s.move(it.SkuID, p.ID, "restock", int64(q), 0)
		}
	}
	no := fmt.Sprintf("%sR%d", p.No, len(s.w.refunds[p.ID])+1)
	s.w.refunds[p.ID] = append(s.w.refunds[p.ID], dbRefund{No: no, Status: "succeeded", Amount: amount, Lines: lines})
	s.rec.Refunds = append(s.rec.Refunds, sandboxRefund{OutRefundNo: no, OutTradeNo: p.No, Status: "SUCCESS", Refund: amount,
		Reason: a.Tag + ": sim"})
	i := s.tx(p.No)
	s.rec.Transactions[i].TradeState = "REFUND"
	s.rec.Transactions[i].Refunded += amount
	all := true
	for _, it := range items {
		all = all && it.Refunded == it.Quantity
	}
	if all {
		s.to(o, "refunded")
	} else {
		s.to(o, before)
	}
}

// checks runs every check of the books, the database and the sandbox (not
// the requests) on what the sim wrote.
func (s *sim) checks() *report {
	s.w.orders = nil
	for _, o := range s.orders {
		s.w.orders = append(s.w.orders, *o)
	}
	s.w.stocks = nil
	for _, sku := range slices.Sorted(maps.Keys(s.stock)) {
		s.w.stocks = append(s.w.stocks, dbStock{StoreID: simStore, SkuID: sku, OnHand: s.stock[sku][0], Reserved: s.stock[sku][1]})
	}
	r := &report{sandbox: map[string]int{}}
	r.checkOrders(s.b, s.w)
	r.checkMoney(s.b, s.w, s.rec)
	r.checkLines(s.b, s.w)
	r.checkStock(s.b, s.w)
	r.checkStockByDriver(s.b, s.w, s.rec)
	return r
}

// shop is a day at the store: orders paid, expired, refunded in part and
// in whole, before and after hand-over, and a late payment refunded
// automatically.
func shop(s *sim) {
	a := s.place(map[int]int{101: 2, 102: 1}, nil)
	s.pay(a)
	b := s.place(map[int]int{101: 1, 103: 2}, nil)
	s.pay(b)
	s.refund(b, "shopper", 103, 1)
	c := s.place(map[int]int{102: 3}, nil)
	s.expire(c)
	d := s.place(map[int]int{101: 1}, nil)
	s.pay(d)
	s.handOver(d)
	s.refund(d, "staff", 0, 0)
	e := s.place(map[int]int{103: 1}, nil)
	s.pay(e)
	s.refund(e, "shopper", 0, 0)
	f := s.place(map[int]int{102: 2}, nil)
	s.expire(f)
	s.b.racy(f)
	s.pay(f)
	g := s.place(map[int]int{101: 1, 102: 1}, nil)
	s.pay(g)
	s.refund(g, "shopper", 101, 1)
	s.refund(g, "staff", 0, 0)
}

// want fails t unless r has a violation containing each of subs.
func want(t *testing.T, r *report, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !slices.ContainsFunc(r.violations, func(v string) bool { return strings.Contains(v, sub) }) {
			t.Errorf("no violation says %q; violations:\n  %s", sub, strings.Join(r.violations, "\n  "))
		}
	}
}

func TestChecksPassAnHonestRun(t *testing.T) {
	s := newSim(t)
	shop(s)
	r := s.checks()
	if len(r.violations) > 0 {
		t.Fatalf("violations of an honest run:\n  %s", strings.Join(r.violations, "\n  "))
	}
	// 2+1 (a) + 1+2 (b) + 1 (d) + 1 (e) + 1+1 (g) sold; 1 (b) + 1 (e) + 1+1 (g) back.
	if r.units.sold != 10 || r.units.restocked != 4 || r.units.asked != 5 || r.units.unasked != 1 {
		t.Errorf("units sold %d, restocked %d, refunds asked %d, unasked %d; want 10, 4, 5 and 1", r.units.sold, r.units.restocked,
			r.units.asked, r.units.unasked)
	}
}

// A server that records and sells 3 units of an order the shopper placed
// for 2 agrees with itself (order lines, ledger, stock), so only the
// driver's own record of what it asked catches it.
func TestChecksCatchAnOrderOfTwoSoldAsThree(t *testing.T) {
	s := newSim(t)
	shop(s)
	p := s.place(map[int]int{101: 2}, map[int]int{101: 3})
	s.pay(p)
	r := s.checks()
	want(t, r, "holds 3×SKU 101; its shopper asked for 2×SKU 101",
		"cost 200 fen at the catalogue's prices",
		"SKU 101 has 43 on hand; by the driver's records and WeChat Pay's 50 at the start − 7 in orders paid")
	for _, v := range r.violations {
		if strings.Contains(v, "ledger") || strings.Contains(v, "by the database's orders") {
			t.Errorf("the server's own books agree with themselves, yet: %s", v)
		}
	}
}

func TestChecksCatchAMissingLedgerRow(t *testing.T) {
	s := newSim(t)
	shop(s)
	i := slices.IndexFunc(s.w.movements, func(m dbMovement) bool { return m.Kind == "sale" && m.SkuID == 102 })
	s.w.movements = slices.Delete(s.w.movements, i, i+1)
	want(t, s.checks(), "its ledger replays to", "out of on_hand; its sale and refunds say")
}

func TestChecksCatchAnOrderNobodyWasAcknowledged(t *testing.T) {
	s := newSim(t)
	shop(s)
	ghost := &dbOrder{ID: 99, No: "N099", Status: "cancelled", Key: "key-never-sent", ShopperID: 1001, Payable: 100}
	s.orders = append(s.orders, ghost)
	// And one whose every checkout was refused.
	s.b.checkout("key-refused", 1002, map[int]int{101: 1}, result{Status: 409, Code: "out_of_stock"}, nil)
	s.orders = append(s.orders, &dbOrder{ID: 98, No: "N098", Status: "cancelled", Key: "key-refused", ShopperID: 1002, Payable: 100})
	s.w.items[98] = []dbItem{{ID: 980, SkuID: 101, Quantity: 1}}
	want(t, s.checks(), "order 99 (N099, cancelled) exists but no shopper asked for it",
		"order 98 (N098) exists although every checkout with key key-refused was refused")
}

func TestChecksCatchAPaidOrderTheSandboxDidNotTake(t *testing.T) {
	s := newSim(t)
	shop(s)
	p := s.place(map[int]int{102: 2}, nil)
	s.record(p, "T-made-up") // the server says paid; WeChat Pay took nothing
	want(t, s.checks(), "is paid by transaction T-made-up that the sandbox did not take",
		"SKU 102 has 17 on hand; by the driver's records and WeChat Pay's 20 at the start − 2 in orders paid")
}

func TestChecksCatchARefundNobodyAskedFor(t *testing.T) {
	s := newSim(t)
	shop(s)
	p := s.place(map[int]int{101: 1}, nil)
	s.pay(p)
	o := s.order(p.ID)
	s.to(o, "refunding")
	s.w.refunds[p.ID] = []dbRefund{{No: p.No + "R1", Status: "succeeded", Amount: 100, Lines: []refundLine{{p.ID * 10, 1}}}}
	s.w.items[p.ID][0].Refunded = 1
	s.move(101, p.ID, "restock", 1, 0)
	s.rec.Refunds = append(s.rec.Refunds, sandboxRefund{OutRefundNo: p.No + "R1", OutTradeNo: p.No, Status: "SUCCESS", Refund: 100})
	s.rec.Transactions[s.tx(p.No)].TradeState, s.rec.Transactions[s.tx(p.No)].Refunded = "REFUND", 100
	s.to(o, "refunded")
	want(t, s.checks(), "that the driver never asked for")
}

func TestChecksCatchARestockAfterHandOver(t *testing.T) {
	s := newSim(t)
	shop(s)
	p := s.place(map[int]int{103: 1}, nil)
	s.pay(p)
	s.handOver(p)
	s.refund(p, "staff", 0, 0)
	s.move(103, p.ID, "restock", 1, 0) // the shopper has it, yet it is back on the shelf
	want(t, s.checks(), "SKU 103 has 4 on hand; by the driver's records and WeChat Pay's 5 at the start − 4 in orders paid + 2 refunded before hand-over = 3")
}
