package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"wemart/server/pricing"
)

// world is the database after the run: every row the checks look at.
type world struct {
	orders    []dbOrder
	items     map[int][]dbItem  // by order
	events    map[int][]dbEvent // by order, in order
	payments  map[int][]dbPayment
	refunds   map[int][]dbRefund // by order, in order
	stocks    []dbStock
	movements []dbMovement // in order
}

type dbOrder struct {
	ID                            int
	No, Status, Key, CancelReason string
	ShopperID                     int
	Payable                       int64
}

type dbItem struct {
	ID, SkuID, Quantity, Refunded int
	// Discount is the line's share of the order's discount (a member
	// level's): a refund of some units returns their price less their share.
	Discount int64
}

type dbEvent struct{ From, To string }

type dbPayment struct {
	No, Status, TransactionID string
	Amount                    int64
}

type dbRefund struct {
	No, Status string
	Amount     int64
	Lines      []refundLine
}

// refundLine is units of one order line a refund covers.
type refundLine struct {
	OrderItemID int `json:"order_item_id"`
	Quantity    int `json:"quantity"`
}

type dbStock struct {
	StoreID, SkuID   int
	OnHand, Reserved int64
}

type dbMovement struct {
	ID, StoreID, SkuID, OrderID          int
	Kind                                 string
	DOnHand, DReserved, OnHand, Reserved int64
}

// readWorld reads the tables the checks need, in one snapshot.
func readWorld(ctx context.Context, pg *pgx.Conn) (*world, error) {
	w := &world{items: map[int][]dbItem{}, events: map[int][]dbEvent{}, payments: map[int][]dbPayment{}, refunds: map[int][]dbRefund{}}
	tx, err := pg.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	each := func(q string, scan func(pgx.Rows) error) error {
		rows, err := tx.Query(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	steps := []struct {
		q    string
		scan func(pgx.Rows) error
	}{
		{`SELECT id, order_no, status, idempotency_key, cancel_reason, shopper_id, payable_fen FROM orders ORDER BY id`,
			func(r pgx.Rows) error {
				var o dbOrder
				err := r.Scan(&o.ID, &o.No, &o.Status, &o.Key, &o.CancelReason, &o.ShopperID, &o.Payable)
				w.orders = append(w.orders, o)
				return err
			}},
		{`SELECT order_id, id, sku_id, quantity, refunded_quantity, discount_fen FROM order_items ORDER BY id`,
			func(r pgx.Rows) error {
				var id int
				var it dbItem
				err := r.Scan(&id, &it.ID, &it.SkuID, &it.Quantity, &it.Refunded, &it.Discount)
				w.items[id] = append(w.items[id], it)
				return err
			}},
		{`SELECT order_id, coalesce(from_status, ''), to_status FROM order_events ORDER BY id`,
			func(r pgx.Rows) error {
				var id int
				var e dbEvent
				err := r.Scan(&id, &e.From, &e.To)
				w.events[id] = append(w.events[id], e)
				return err
			}},
		{`SELECT order_id, out_trade_no, status, coalesce(transaction_id, ''), amount_fen FROM payments ORDER BY id`,
			func(r pgx.Rows) error {
				var id int
				var p dbPayment
				err := r.Scan(&id, &p.No, &p.Status, &p.TransactionID, &p.Amount)
				w.payments[id] = append(w.payments[id], p)
				return err
			}},
		{`SELECT order_id, out_refund_no, status, amount_fen, coalesce(lines, '[]'::jsonb)::text FROM refunds ORDER BY id`,
			func(r pgx.Rows) error {
				var id int
				var x dbRefund
				var lines string
				if err := r.Scan(&id, &x.No, &x.Status, &x.Amount, &lines); err != nil {
					return err
				}
				if err := json.Unmarshal([]byte(lines), &x.Lines); err != nil {
					return fmt.Errorf("refund %s lines %q: %w", x.No, lines, err)
				}
				w.refunds[id] = append(w.refunds[id], x)
				return nil
			}},
		{`SELECT store_id, sku_id, on_hand, reserved FROM stocks ORDER BY store_id, sku_id`,
			func(r pgx.Rows) error {
				var s dbStock
				err := r.Scan(&s.StoreID, &s.SkuID, &s.OnHand, &s.Reserved)
				w.stocks = append(w.stocks, s)
				return err
			}},
		{`SELECT id, store_id, sku_id, coalesce(order_id, 0), kind, delta_on_hand, delta_reserved, on_hand_after, reserved_after
			FROM stock_movements ORDER BY id`,
			func(r pgx.Rows) error {
				var m dbMovement
				err := r.Scan(&m.ID, &m.StoreID, &m.SkuID, &m.OrderID, &m.Kind, &m.DOnHand, &m.DReserved, &m.OnHand, &m.Reserved)
				w.movements = append(w.movements, m)
				return err
			}},
	}
	for _, s := range steps {
		if err := each(s.q, s.scan); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// check holds the database, the sandbox's records and the requests against
// what the driver was told.
func check(ctx context.Context, pg *pgx.Conn, sandboxURL string, d *driver, c *client, f *fleet, cfg config) (*report, error) {
	w, err := readWorld(ctx, pg)
	if err != nil {
		return nil, fmt.Errorf("reading the database: %w", err)
	}
	rec, err := readRecords(ctx, sandboxURL)
	if err != nil {
		return nil, fmt.Errorf("reading the sandbox's records: %w", err)
	}
	b := d.books
	b.mu.Lock()
	defer b.mu.Unlock()
	rep := &report{tally: b.tally, windows: f.downtime.all(), sandbox: map[string]int{}}
	rep.violations = append(rep.violations, b.seen...)
	rep.checkOrders(b, w)
	rep.checkMoney(b, w, rec)
	rep.checkLines(b, w)
	rep.checkStock(b, w)
	rep.checkStockByDriver(b, w, rec)
	calls := c.recorded()
	failed := map[string]bool{}
	for _, c := range calls {
		if c.Status == 0 || c.Status >= 500 {
			failed[c.RequestID] = true
		}
	}
	rep.checkRequests(calls, rep.windows, cfg.Grace, f.requestLogs(failed), f.sandbox.addr)
	return rep, nil
}

// paidStatuses are the statuses of an order whose money WeChat Pay holds
// or held.
var paidStatuses = []string{"paid", "ready_for_pickup", "completed", "refunding", "refunded"}

// checkOrders: every order the driver was acknowledged exists once, as
// acknowledged; every order that exists was asked for, and only an
// ambiguous answer (none, or a 5xx) may hide one.
func (r *report) checkOrders(b *books, w *world) {
	type owner struct {
		shopper int
		key     string
	}
	byKey := map[owner][]dbOrder{}
	byID := map[int]dbOrder{}
	numbers := map[string]int{}
	for _, o := range w.orders {
		byKey[owner{o.ShopperID, o.Key}] = append(byKey[owner{o.ShopperID, o.Key}], o)
		byID[o.ID] = o
		numbers[o.No]++
		if numbers[o.No] == 2 {
			r.fail("order number %s is used by more than one order", o.No)
		}
		if a := b.keys[o.Key]; a == nil || a.ShopperID != o.ShopperID {
			r.fail("order %d (%s, %s) exists but no shopper asked for it (shopper %d, key %q)", o.ID, o.No, o.Status, o.ShopperID, o.Key)
		}
		r.orders.placed++
	}
	for key, a := range b.keys {
		found := byKey[owner{a.ShopperID, key}]
		switch {
		case len(found) > 1:
			r.fail("checkout key %s made %d orders", key, len(found))
		case a.Acked && len(found) == 0:
			r.fail("order %d, acknowledged for key %s, does not exist", a.OrderID, key)
		case a.Acked:
			r.orders.acked++
		case len(found) == 1 && !a.Ambiguous:
			r.fail("order %d (%s) exists although every checkout with key %s was refused (%s)", found[0].ID, found[0].No, key,
				strings.Join(a.Refused, ", "))
		case len(found) == 1:
			r.orders.ambiguous++
		}
	}
	for id, p := range b.orders {
		o, ok := byID[id]
		switch {
		case !ok:
			r.fail("acknowledged order %d (%s) does not exist", id, p.No)
		case o.No != p.No || o.Payable != p.Payable || o.ShopperID != p.ShopperID:
			r.fail("order %d is %s of shopper %d for %d fen; it was acknowledged as %s of shopper %d for %d fen",
				id, o.No, o.ShopperID, o.Payable, p.No, p.ShopperID, p.Payable)
		}
	}
	for _, o := range w.orders {
		switch {
		case o.Status == "cancelled" && o.CancelReason == "expired unpaid":
			r.orders.expired++
		case o.Status == "cancelled":
			r.orders.cancelled++
		case o.Status == "completed":
			r.orders.completed++
		}
		for _, e := range w.events[o.ID] {
			if e.From == "cancelled" && (e.To == "paid" || e.To == "refunding") {
				r.orders.late++
			}
		}
	}
}

// checkMoney: every payment the sandbox took is a paid (or refunded) order
// of the same amount, and nothing is paid that the sandbox did not take;
// refunds agree on both sides; every payment the cashier acknowledged is
// still taken.
func (r *report) checkMoney(b *books, w *world, rec sandboxRecords) {
	orderByNo := map[string]dbOrder{}
	for _, o := range w.orders {
		orderByNo[o.No] = o
	}
	type tx = struct {
		state, id string
		total     int64
	}
	txs := map[string]tx{}
	for _, t := range rec.Transactions {
		txs[t.OutTradeNo] = tx{t.TradeState, t.TransactionID, t.Total}
		r.sandbox[t.TradeState]++
	}
	sbRefunded := map[string]int64{}
	sbRefunds := map[string]string{}
	for _, x := range rec.Refunds {
		sbRefunds[x.OutRefundNo] = fmt.Sprintf("%s %d", x.Status, x.Refund)
		if x.Status == "SUCCESS" {
			sbRefunded[x.OutTradeNo] += x.Refund
		}
	}
	for _, t := range rec.Transactions {
		o, ok := orderByNo[t.OutTradeNo]
		taken := t.TradeState == "SUCCESS" || t.TradeState == "REFUND"
		switch {
		case !ok:
			r.fail("the sandbox has transaction %s (%s) of no order", t.OutTradeNo, t.TradeState)
			continue
		case t.Total != o.Payable:
			r.fail("transaction %s is for %d fen, its order for %d", t.OutTradeNo, t.Total, o.Payable)
		}
		if !taken {
			if slices.Contains(paidStatuses, o.Status) {
				r.fail("order %d (%s) is %s but the sandbox says its transaction is %s", o.ID, o.No, o.Status, t.TradeState)
			}
			continue
		}
		var paid *dbPayment
		for i, p := range w.payments[o.ID] {
			if p.No == t.OutTradeNo && p.Status == "paid" {
				paid = &w.payments[o.ID][i]
			}
		}
		late := o.Status == "cancelled" && len(w.refunds[o.ID]) > 0
		switch {
		case paid == nil:
			r.fail("the sandbox took %d fen for %s (%s) but order %d's payment is not paid (order %s)", t.Total, t.OutTradeNo, t.TransactionID, o.ID, o.Status)
		case paid.TransactionID != t.TransactionID || paid.Amount != t.Total:
			r.fail("order %d's payment is transaction %s for %d fen; the sandbox took %s for %d", o.ID, paid.TransactionID, paid.Amount, t.TransactionID, t.Total)
		}
		if !slices.Contains(paidStatuses, o.Status) && !late {
			r.fail("the sandbox took %d fen for order %d (%s) but the order is %s", t.Total, o.ID, o.No, o.Status)
		}
		var refunded int64
		for _, x := range w.refunds[o.ID] {
			if x.Status == "succeeded" {
				refunded += x.Amount
			}
		}
		if refunded != sbRefunded[t.OutTradeNo] {
			r.fail("order %d (%s) has %d fen refunded; the sandbox refunded %d", o.ID, o.No, refunded, sbRefunded[t.OutTradeNo])
		}
		if o.Status == "refunded" && (refunded != o.Payable || t.TradeState != "REFUND") {
			r.fail("order %d (%s) is refunded but %d of %d fen went back (sandbox: %s)", o.ID, o.No, refunded, o.Payable, t.TradeState)
		}
		if refunded > 0 {
			r.orders.refunded++
		}
		r.orders.paid++
	}
	for _, o := range w.orders {
		var paid int
		for _, p := range w.payments[o.ID] {
			if p.Status != "paid" {
				continue
			}
			paid++
			if t, ok := txs[p.No]; !ok || (t.state != "SUCCESS" && t.state != "REFUND") || t.id != p.TransactionID {
				r.fail("order %d (%s) is paid by transaction %s that the sandbox did not take (%+v)", o.ID, o.No, p.TransactionID, t)
			}
		}
		if slices.Contains(paidStatuses, o.Status) && paid == 0 {
			r.fail("order %d (%s) is %s without a paid payment", o.ID, o.No, o.Status)
		}
		for _, x := range w.refunds[o.ID] {
			sb, ok := sbRefunds[x.No]
			switch x.Status {
			case "succeeded":
				if sb != fmt.Sprintf("SUCCESS %d", x.Amount) {
					r.fail("refund %s of order %d succeeded for %d fen; the sandbox says %q", x.No, o.ID, x.Amount, sb)
				}
			case "processing", "requested":
				r.fail("refund %s of order %d is still %s", x.No, o.ID, x.Status)
			case "failed":
				r.orders.refundsFailed++
				if ok && strings.HasPrefix(sb, "SUCCESS") {
					r.fail("refund %s of order %d failed, but the sandbox paid it back (%s)", x.No, o.ID, sb)
				}
			}
		}
		if o.Status == "pending_payment" || o.Status == "refunding" {
			r.fail("order %d (%s) is still %s after the fleet settled", o.ID, o.No, o.Status)
		}
	}
	for no, p := range b.pays {
		t, ok := txs[no]
		switch {
		case p.Taken && (!ok || (t.state != "SUCCESS" && t.state != "REFUND") || t.id != p.TransactionID):
			r.fail("the cashier took payment %s for %s, but the sandbox now says %+v", p.TransactionID, no, t)
		case !p.Taken && !p.Ambiguous && ok && (t.state == "SUCCESS" || t.state == "REFUND"):
			r.fail("the cashier refused to take %s, but the sandbox says %s", no, t.state)
		}
	}
	for no, t := range txs {
		if _, asked := b.pays[no]; !asked && (t.state == "SUCCESS" || t.state == "REFUND") {
			r.fail("nobody paid for %s in the cashier, but the sandbox says %s", no, t.state)
		}
	}
}

// checkStock: every stock row equals the replay of its ledger, nothing
// stays reserved, each order's ledger rows move what its lines, sale and
// refunds say, and on_hand is what the database's orders say (the driver's
// own account is checkStockByDriver): the initial count,
// less the units of every order that was paid, plus the units refunds put
// back. A refund puts units back when the order had not been handed over
// (not completed, shipped or delivered) and had been sold (a payment that
// arrived for a cancelled order whose stock was gone took none); see
// orders.onRefunded and inventory.Restock.
func (r *report) checkStock(b *books, w *world) {
	sold, restocked := map[int]int64{}, map[int]int64{}
	type key struct{ order, sku int }
	want := map[key]int64{} // expected on_hand change per order and SKU
	for _, o := range w.orders {
		items := w.items[o.ID]
		sales := 0
		for _, e := range w.events[o.ID] {
			if e.To == "paid" && (e.From == "pending_payment" || e.From == "cancelled") {
				sales++
			}
		}
		if sales > 1 {
			r.fail("order %d (%s) was sold %d times", o.ID, o.No, sales)
		}
		if sales > 0 {
			for _, it := range items {
				sold[it.SkuID] += int64(it.Quantity)
				want[key{o.ID, it.SkuID}] -= int64(it.Quantity)
			}
		}
		// Each refund opened one refunding episode (the status it came from
		// is the status before the refund).
		var before []string
		for _, e := range w.events[o.ID] {
			if e.To == "refunding" && e.From != "refunding" {
				before = append(before, e.From)
			}
		}
		refunds := w.refunds[o.ID]
		if len(before) != len(refunds) {
			r.fail("order %d (%s) went refunding %d times but has %d refunds", o.ID, o.No, len(before), len(refunds))
			continue
		}
		done := map[int]int{} // order item → units refunded
		for i, x := range refunds {
			if x.Status != "succeeded" {
				continue
			}
			covered := x.Lines
			if len(covered) == 0 { // the whole order, as it stood
				for _, it := range items {
					if q := it.Quantity - done[it.ID]; q > 0 {
						covered = append(covered, refundLine{it.ID, q})
					}
				}
			}
			back := sales > 0 && !slices.Contains([]string{"cancelled", "shipped", "delivered", "completed"}, before[i])
			for _, l := range covered {
				done[l.OrderItemID] += l.Quantity
				idx := slices.IndexFunc(items, func(it dbItem) bool { return it.ID == l.OrderItemID })
				if idx < 0 {
					r.fail("refund %s covers line %d, not of order %d", x.No, l.OrderItemID, o.ID)
					continue
				}
				if back {
					restocked[items[idx].SkuID] += int64(l.Quantity)
					want[key{o.ID, items[idx].SkuID}] += int64(l.Quantity)
				}
			}
		}
		for _, it := range items {
			if it.Refunded != done[it.ID] {
				r.fail("line %d of order %d says %d units refunded; its succeeded refunds cover %d", it.ID, o.ID, it.Refunded, done[it.ID])
			}
		}
	}
	// The ledger: running totals, the stock rows, and per order what it
	// should have moved.
	type row struct{ onHand, reserved int64 }
	replay := map[[2]int]row{}
	got := map[key]int64{}
	reservedBy := map[int]int64{}
	for _, m := range w.movements {
		k := [2]int{m.StoreID, m.SkuID}
		cur := replay[k]
		cur.onHand += m.DOnHand
		cur.reserved += m.DReserved
		replay[k] = cur
		if cur.onHand != m.OnHand || cur.reserved != m.Reserved {
			r.fail("ledger row %d (SKU %d, %s) says %d/%d after, the running total is %d/%d", m.ID, m.SkuID, m.Kind, m.OnHand, m.Reserved, cur.onHand, cur.reserved)
		}
		if m.OrderID != 0 {
			got[key{m.OrderID, m.SkuID}] += m.DOnHand
			reservedBy[m.OrderID] += m.DReserved
		}
	}
	for k, v := range want {
		if got[k] != v {
			r.fail("order %d moved %d units of SKU %d out of on_hand; its sale and refunds say %d", k.order, -got[k], k.sku, -v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok && v != 0 {
			r.fail("order %d moved %d units of SKU %d out of on_hand without a sale", k.order, -v, k.sku)
		}
	}
	for id, v := range reservedBy {
		if v != 0 {
			r.fail("order %d still holds %d units reserved in the ledger", id, v)
		}
	}
	for _, s := range w.stocks {
		rp := replay[[2]int{s.StoreID, s.SkuID}]
		if rp.onHand != s.OnHand || rp.reserved != s.Reserved {
			r.fail("stock of SKU %d is %d/%d (on hand/reserved); its ledger replays to %d/%d", s.SkuID, s.OnHand, s.Reserved, rp.onHand, rp.reserved)
		}
		if s.Reserved != 0 {
			r.fail("SKU %d has %d units reserved after every order settled", s.SkuID, s.Reserved)
		}
		if s.StoreID != b.storeID {
			continue
		}
		if expect := b.initial[s.SkuID] - sold[s.SkuID] + restocked[s.SkuID]; s.OnHand != expect {
			r.fail("SKU %d has %d on hand; by the database's orders %d at the start − %d sold + %d restocked = %d", s.SkuID, s.OnHand,
				b.initial[s.SkuID], sold[s.SkuID], restocked[s.SkuID], expect)
		}
		r.units.rows++
	}
}

// checkLines: every order holds exactly the lines its shopper asked for
// (the lines named, or what the driver's own PUTs put in the emptied
// cart), and every acknowledged order was acknowledged for what those
// lines cost at the catalogue's prices.
func (r *report) checkLines(b *books, w *world) {
	for _, o := range w.orders {
		a := b.keys[o.Key]
		if a == nil || a.ShopperID != o.ShopperID {
			continue // checkOrders says so
		}
		got := map[int]int{}
		for _, it := range w.items[o.ID] {
			got[it.SkuID] += it.Quantity
		}
		if !maps.Equal(got, a.Lines) {
			r.fail("order %d (%s) holds %s; its shopper asked for %s (key %s)", o.ID, o.No, units(got), units(a.Lines), o.Key)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(b.orders)) {
		p := b.orders[id]
		var cost int64
		for sku, q := range p.Lines {
			cost += b.price[sku] * int64(q)
		}
		if cost-p.Discount != p.Payable || !levelDiscount(cost, p.Discount) {
			r.fail("order %d (%s) was acknowledged for %d fen (%d off); %s cost %d fen at the catalogue's prices", id, p.No, p.Payable,
				p.Discount, units(p.Lines), cost)
		}
	}
}

// levelDiscount reports whether discount is a member level's percent of
// cost (the default levels take 0, 2, 5 or 8 percent off; shoppers reach
// them by what they paid during the run).
func levelDiscount(cost, discount int64) bool {
	for _, pct := range []int{0, 2, 5, 8} {
		if pricing.Percent(cost, pct) == discount {
			return true
		}
	}
	return false
}

// units writes units by SKU as "2×SKU 3, 1×SKU 5".
func units(m map[int]int) string {
	var parts []string
	for _, sku := range slices.Sorted(maps.Keys(m)) {
		if m[sku] != 0 {
			parts = append(parts, fmt.Sprintf("%d×SKU %d", m[sku], sku))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// checkStockByDriver: each SKU's on_hand is what the driver's own records
// and WeChat Pay's say, never the server's order lines or timeline: the
// initial count, less the lines the driver asked for of every
// acknowledged order whose money the sandbox took, plus the units of each
// refund the sandbox paid back that the driver asked for before the order
// was handed over (a whole-order refund: the units not refunded before).
// Each refund names its ask by the tag the driver put in its reason; one
// without a tag is the server giving back a payment that arrived for a
// cancelled order whose stock was gone: allowed only for an order the
// driver paid late, once, for the whole amount, and that order was never
// sold.
func (r *report) checkStockByDriver(b *books, w *world, rec sandboxRecords) {
	type txRec = struct {
		state string
		total int64
	}
	type refundRec = struct {
		no, status, reason string
		amount             int64
	}
	txs := map[string]txRec{}
	for _, t := range rec.Transactions {
		txs[t.OutTradeNo] = txRec{t.TradeState, t.Total}
	}
	refundsOf := map[string][]refundRec{}
	for _, x := range rec.Refunds {
		refundsOf[x.OutTradeNo] = append(refundsOf[x.OutTradeNo], refundRec{x.OutRefundNo, x.Status, x.Reason, x.Refund})
	}
	sold, back := map[int]int64{}, map[int]int64{}
	for _, id := range slices.Sorted(maps.Keys(b.orders)) {
		p := b.orders[id]
		t, ok := txs[p.No]
		if !ok || (t.state != "SUCCESS" && t.state != "REFUND") {
			continue // never paid: nothing left the shelf
		}
		type tagged struct {
			x refundRec
			a *refundAsk
		}
		var auto []refundRec
		var asked []tagged
		for _, x := range refundsOf[p.No] {
			tag, _, _ := strings.Cut(x.reason, ":")
			a := b.asks[tag]
			switch {
			case !strings.HasPrefix(tag, askTag):
				auto = append(auto, x)
			case a == nil || a.Order.ID != id:
				r.fail("refund %s of order %d (%s) carries tag %q, which the driver never asked for that order", x.no, id, p.No, tag)
			case a.refused():
				r.fail("refund %s of order %d (%s) came from ask %s, which was refused (%d)", x.no, id, p.No, tag, a.Status)
			default:
				asked = append(asked, tagged{x, a})
				r.units.asked++
			}
		}
		unsold, wholes := false, 0
		if len(auto) > 0 {
			if !p.Racy || len(auto) > 1 || auto[0].amount != t.total {
				var what []string
				for _, x := range auto {
					what = append(what, fmt.Sprintf("%s %s %d fen (%q)", x.no, x.status, x.amount, x.reason))
				}
				r.fail("the sandbox has refunds of order %d (%s, %d fen) that the driver never asked for: %s (paid late: %v)",
					id, p.No, t.total, strings.Join(what, ", "), p.Racy)
			} else {
				unsold = true
				r.units.unasked++
				if auto[0].status == "SUCCESS" {
					wholes++
				}
			}
		}
		if !unsold {
			for sku, q := range p.Lines {
				sold[sku] += int64(q)
			}
		}
		left := maps.Clone(p.Lines)
		line := map[int]dbItem{} // by SKU: the order's lines (one per SKU)
		for _, it := range w.items[id] {
			line[it.SkuID] = it
		}
		var paidBack int64 // by the refunds of some units
		giveBack := func(a *refundAsk, sku, q int) {
			left[sku] -= q
			if !unsold && !a.HandedOver {
				back[sku] += int64(q)
			}
		}
		// Refunds of some units first: one of everything left is the last
		// that can succeed.
		for _, t := range asked {
			if t.x.status != "SUCCESS" || t.a.whole() {
				continue
			}
			if left[t.a.SkuID] < t.a.Quantity {
				r.fail("refund %s of order %d (%s) returns %d×SKU %d; the order has %d of them left", t.x.no, id, p.No, t.a.Quantity,
					t.a.SkuID, left[t.a.SkuID])
			}
			it := line[t.a.SkuID]
			share := pricing.RefundShare(it.Discount, it.Quantity, p.Lines[t.a.SkuID]-left[t.a.SkuID], t.a.Quantity)
			paidBack += t.x.amount
			if want := b.price[t.a.SkuID]*int64(t.a.Quantity) - share; t.x.amount != want {
				r.fail("refund %s of order %d (%s) paid back %d fen for %d×SKU %d; they cost %d", t.x.no, id, p.No, t.x.amount,
					t.a.Quantity, t.a.SkuID, want)
			}
			giveBack(t.a, t.a.SkuID, t.a.Quantity)
		}
		for _, t := range asked {
			if t.x.status != "SUCCESS" || !t.a.whole() {
				continue
			}
			if wholes++; wholes > 1 {
				r.fail("order %d (%s) was refunded in whole more than once (%s)", id, p.No, t.x.no)
				continue
			}
			// Everything left: all the money not paid back yet.
			if want := p.Payable - paidBack; t.x.amount != want {
				r.fail("refund %s of order %d (%s) paid back %d fen for everything left (%s); %d of its %d fen were left", t.x.no, id, p.No,
					t.x.amount, units(left), want, p.Payable)
			}
			for sku, q := range left {
				giveBack(t.a, sku, q)
			}
		}
	}
	for _, s := range w.stocks {
		if s.StoreID != b.storeID {
			continue
		}
		if expect := b.initial[s.SkuID] - sold[s.SkuID] + back[s.SkuID]; s.OnHand != expect {
			r.fail("SKU %d has %d on hand; by the driver's records and WeChat Pay's %d at the start − %d in orders paid + %d refunded "+
				"before hand-over = %d", s.SkuID, s.OnHand, b.initial[s.SkuID], sold[s.SkuID], back[s.SkuID], expect)
		}
		r.units.sold += sold[s.SkuID]
		r.units.restocked += back[s.SkuID]
	}
}

// Why a 5xx (or no answer) is excused: the rules of checkRequests.
const (
	// excuseHAProxy: haproxy answered itself (a 502, 503 or 504: no
	// X-Chaos-Server), or nothing answered, while the server haproxy had
	// chosen (any server when it names none) was down or had just come
	// back.
	excuseHAProxy = "haproxy"
	// excuseRestart: the server that answered a 502, 503 or 504 (or began
	// to answer and broke off) was itself being killed or starting up.
	excuseRestart = "restart"
	// excuseSandbox: a server answered 503 unavailable, its log line for
	// the request says the shared sandbox could not be reached, and the
	// sandbox was down or had just come back.
	excuseSandbox = "sandbox"
)

// logLine is one line of a server's log.
type logLine struct{ server, text string }

// downAround reports whether a window of a process that match accepts
// overlaps [from, to], each window stretched by grace after the process
// was healthy again.
func downAround(windows []window, match func(proc string) bool, from, to time.Time, grace time.Duration) bool {
	for _, w := range windows {
		if match(w.Proc) && !to.Before(w.From) && (w.To.IsZero() || !from.After(w.To.Add(grace))) {
			return true
		}
	}
	return false
}

// excuse says which rule excuses a 5xx or missing answer c, or "" when
// none does. A 500 never is. logs are the servers' log lines about c;
// sandboxAddr is the shared sandbox's host:port.
func excuse(c call, windows []window, grace time.Duration, logs []logLine, sandboxAddr string) string {
	gateway := c.Status == 0 || c.Status == 502 || c.Status == 503 || c.Status == 504
	anyServer := func(p string) bool { return p != "sandbox" }
	is := func(name string) func(string) bool { return func(p string) bool { return p == name } }
	switch {
	case !gateway:
		return ""
	case c.Server == "":
		match := anyServer
		if c.Tried != "" && c.Tried != "<NOSRV>" {
			match = is(c.Tried)
		}
		if downAround(windows, match, c.Start, c.End, grace) {
			return excuseHAProxy
		}
		return ""
	}
	// A server answered: the sandbox's own rule first, whose evidence is
	// the server's log line, then the server's own restart.
	if c.Status == 503 && c.Code == "unavailable" && downAround(windows, is("sandbox"), c.Start, c.End, grace) {
		for _, l := range logs {
			if l.server != c.Server || !strings.Contains(l.text, "code=unavailable") || !strings.Contains(l.text, sandboxAddr) {
				continue
			}
			// A call to the sandbox's address that found nobody there.
			for _, sign := range []string{"connection refused", "EOF", "connection reset by peer", "broken pipe"} {
				if strings.Contains(l.text, sign) {
					return excuseSandbox
				}
			}
		}
	}
	if downAround(windows, is(c.Server), c.Start, c.End, grace) {
		return excuseRestart
	}
	return ""
}

// checkRequests: a 5xx (or no answer) is allowed only when a rule of
// excuse says the kills explain it; every other one, and every 500, is a
// violation.
func (r *report) checkRequests(calls []call, windows []window, grace time.Duration, logs map[string][]logLine, sandboxAddr string) {
	r.requests = len(calls)
	r.byStatus = map[int]int{}
	r.byWhat = map[string]*[4]int{}
	r.excused = map[string]int{}
	logged := 0
	for _, c := range calls {
		r.byStatus[c.Status]++
		w := r.byWhat[c.What]
		if w == nil {
			w = &[4]int{}
			r.byWhat[c.What] = w
		}
		switch {
		case c.Status >= 200 && c.Status < 300:
			w[0]++
		case c.Status >= 400 && c.Status < 500:
			w[1]++
		default:
			w[2]++
		}
		if c.Status != 0 && c.Status < 500 {
			continue
		}
		why := excuse(c, windows, grace, logs[c.RequestID], sandboxAddr)
		r.failedCalls = append(r.failedCalls, fmt.Sprintf("%s %s %s %s %d server=%q tried=%q code=%q excused=%q %s–%s %s",
			c.RequestID, c.What, c.Method, c.Path, c.Status, c.Server, c.Tried, c.Code, why, c.Start.Format("15:04:05.000"),
			c.End.Format("15:04:05.000"), clip(strings.TrimSpace(c.Body), 300)))
		if why != "" {
			r.excused[why]++
			continue
		}
		w[3]++
		status := fmt.Sprint(c.Status)
		if c.Status == 0 {
			status = "no answer"
		}
		msg := fmt.Sprintf("%s %s %s → %s (request %s, answered by %q, haproxy chose %q, %s–%s): %s", c.What, c.Method, c.Path,
			status, c.RequestID, c.Server, c.Tried, c.Start.Format("15:04:05.000"), c.End.Format("15:04:05.000"),
			clip(strings.TrimSpace(c.Body), 400))
		if logged < 20 {
			logged++
			lines := logs[c.RequestID]
			slices.SortStableFunc(lines, func(a, b logLine) int {
				return cmpBool(isProblem(b.text), isProblem(a.text))
			})
			for _, l := range lines[:min(3, len(lines))] {
				msg += "\n      log: " + clip(l.server+": "+l.text, 600)
			}
		}
		r.fail("%s", msg)
	}
}

// isProblem reports whether a log line is a warning or an error.
func isProblem(l string) bool {
	return strings.Contains(l, "level=ERROR") || strings.Contains(l, "level=WARN")
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// requestLogs reads the servers' log lines about the requests ids, in one
// pass over each log.
func (f *fleet) requestLogs(ids map[string]bool) map[string][]logLine {
	out := map[string][]logLine{}
	if len(ids) == 0 {
		return out
	}
	for _, p := range f.servers {
		file, err := os.Open(p.log)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(file)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			l := sc.Text()
			i := strings.Index(l, "request_id=")
			if i < 0 {
				continue
			}
			id, _, _ := strings.Cut(l[i+len("request_id="):], " ")
			if ids[id] {
				out[id] = append(out[id], logLine{p.name, l})
			}
		}
		file.Close()
	}
	return out
}
