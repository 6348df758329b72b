package main

import (
	"encoding/json"
	"fmt"
	"sync"
)

// books is what the driver asked for and was told by the fleet: the lines
// of every checkout, the orders it was acknowledged, what every checkout
// key was answered, what the WeChat cashier answered for each payment,
// every refund it asked for. The checks hold the database and the sandbox
// against them.
type books struct {
	mu sync.Mutex
	// storeID and the SKUs (id → on_hand set at the start, id → price).
	storeID int
	initial map[int]int64
	price   map[int]int64
	skus    []int
	// shoppers by id: their login code.
	shoppers map[int]string
	// keys are the checkout attempts by Idempotency-Key.
	keys map[string]*attempt
	// orders are the orders acknowledged (201, or 200 for a repeated key).
	orders map[int]*placed
	// pays are the cashier's answers by order number.
	pays map[string]*payOutcome
	// paidOrders are acknowledged orders the cashier took money for (staff
	// may refund them on their own).
	paidOrders []*placed
	// asks are the refunds the driver asked for, by tag.
	asks map[string]*refundAsk
	// tally counts business answers.
	tally tally
	// seen are violations noticed during the run itself.
	seen []string
}

// tally counts what the driver did and was answered.
type tally struct {
	checkouts, outOfStock, limited, cartRefused    int
	paysTaken, paysRefused, skipped, delayed       int
	cancels, refundRequests, approvals, rejections int
	staffRefunds, pickups, faults                  int
}

// attempt is what the checkouts with one Idempotency-Key asked for and
// were answered.
type attempt struct {
	ShopperID int
	// Lines are the units asked for, by SKU: the lines named, or what the
	// cart held (what the driver's own PUTs put there).
	Lines map[int]int
	// Acked: some answer was 201 or 200 with the order.
	Acked   bool
	OrderID int
	// Ambiguous: some answer was none at all or a 5xx.
	Ambiguous bool
	// Refused holds the 4xx answers' codes.
	Refused []string
}

// placed is an acknowledged order.
type placed struct {
	ID      int
	No      string
	Payable int64
	// Discount is the acknowledged discount: the shopper's member level
	// (the driver uses no coupons or points).
	Discount   int64
	ShopperID  int
	Token      string
	PrepayID   string // "" when the answer carried no payment (a cancelled order)
	PickupCode string
	Status     string // as acknowledged
	// Lines are the units the shopper asked for, by SKU.
	Lines map[int]int

	// Under the books' lock:

	// Racy: the shopper paid after asking to cancel it, or around its
	// expiry; the payment may have arrived for a cancelled order.
	Racy bool
	// HandedOver: staff handed the order over (picked up, acknowledged);
	// HandoverUnknown: a hand-over got no clear answer.
	HandedOver, HandoverUnknown bool
	// Asks are the refunds asked for it, in order.
	Asks []*refundAsk
}

// refundAsk is one refund the driver asked for.
type refundAsk struct {
	// Tag starts the reason given ("chaos-ask-<n>"); WeChat Pay is sent the
	// reason, so the sandbox's records say which ask a refund came from.
	Tag   string
	Order *placed
	By    string // "shopper" or "staff"
	// SkuID and Quantity: units of one line; SkuID 0: everything not
	// refunded yet.
	SkuID, Quantity int
	// HandedOver: the order had been handed over when the refund was
	// asked for (its units are with the shopper: none go back).
	HandedOver bool
	// Status is the answer (0: none).
	Status int
}

// askTag is the prefix of the tags of refund asks.
const askTag = "chaos-ask-"

// whole reports whether the ask is for everything not refunded yet.
func (a *refundAsk) whole() bool { return a.SkuID == 0 }

// refused reports whether the ask was answered with a 4xx (it made no
// refund).
func (a *refundAsk) refused() bool { return a.Status >= 400 && a.Status < 500 }

// payOutcome is what the cashier answered for one order's payment.
type payOutcome struct {
	// Taken: 200, the sandbox took the money (TransactionID).
	Taken         bool
	TransactionID string
	// Ambiguous: some attempt got no answer or a 5xx.
	Ambiguous bool
	// Refused: a 4xx (closed or expired transaction).
	Refused bool
	Skipped bool // paid with skip_notify
}

func newBooks() *books {
	return &books{
		initial: map[int]int64{}, price: map[int]int64{}, shoppers: map[int]string{}, keys: map[string]*attempt{},
		orders: map[int]*placed{}, pays: map[string]*payOutcome{}, asks: map[string]*refundAsk{},
	}
}

// notice records a violation seen during the run.
func (b *books) notice(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seen = append(b.seen, fmt.Sprintf(format, args...))
}

// count changes the tally under the lock.
func (b *books) count(fn func(t *tally)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fn(&b.tally)
}

// checkout records one answer to a checkout with key that asked for
// lines, and returns the order acknowledged (o, or the same order as
// acknowledged before), if any.
func (b *books) checkout(key string, shopperID int, lines map[int]int, r result, o *placed) *placed {
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.keys[key]
	if a == nil {
		a = &attempt{ShopperID: shopperID, Lines: lines}
		b.keys[key] = a
	}
	switch {
	case o != nil:
		a.Acked, a.OrderID = true, o.ID
		prev := b.orders[o.ID]
		if prev == nil {
			o.Lines = a.Lines
			b.orders[o.ID] = o
			return o
		}
		if prev.PrepayID == "" && o.PrepayID != "" {
			prev.PrepayID, prev.Status = o.PrepayID, o.Status
		}
		return prev
	case r.ambiguous():
		a.Ambiguous = true
	default:
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		_ = json.Unmarshal(r.Body, &e)
		a.Refused = append(a.Refused, fmt.Sprintf("%d %s: %s", r.Status, r.Code, clip(e.Error.Message, 160)))
	}
	return nil
}

// paid records one answer of the cashier for order.
func (b *books) paid(o *placed, r result, transactionID string, skip bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.pays[o.No]
	if p == nil {
		p = &payOutcome{}
		b.pays[o.No] = p
	}
	switch {
	case r.ok():
		if !p.Taken {
			b.paidOrders = append(b.paidOrders, o)
		}
		p.Taken, p.TransactionID = true, transactionID
		p.Skipped = p.Skipped || skip
	case r.ambiguous():
		p.Ambiguous = true
	default:
		p.Refused = true
	}
}

// racy records that the shopper pays o after asking to cancel it or
// around its expiry.
func (b *books) racy(o *placed) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o.Racy = true
}

// ask records a refund about to be asked for o (skuID 0: everything left)
// and returns it, tagged.
func (b *books) ask(o *placed, by string, skuID, quantity int) *refundAsk {
	b.mu.Lock()
	defer b.mu.Unlock()
	a := &refundAsk{Tag: fmt.Sprintf("%s%d", askTag, len(b.asks)+1), Order: o, By: by, SkuID: skuID, Quantity: quantity,
		HandedOver: o.HandedOver}
	b.asks[a.Tag] = a
	o.Asks = append(o.Asks, a)
	return a
}

// answered records the answer to a refund ask.
func (b *books) answered(a *refundAsk, r result) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a.Status = r.Status
}

// handedOver records the answer to handing o over (picked up).
func (b *books) handedOver(o *placed, r result) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case r.ok():
		o.HandedOver = true
	case r.ambiguous():
		o.HandoverUnknown = true
	}
}
