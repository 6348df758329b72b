package main

import (
	"encoding/json"
	"fmt"
	"sync"
)

// books is what the driver was told by the fleet: the orders it was
// acknowledged, what every checkout key was answered, what the WeChat
// cashier answered for each payment. The checks hold the database and the
// sandbox against them.
type books struct {
	mu sync.Mutex
	// storeID and the SKUs (id → on_hand set at the start).
	storeID int
	initial map[int]int64
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
	paidOrders []int
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

// attempt is what the checkouts with one Idempotency-Key were answered.
type attempt struct {
	ShopperID int
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
	ID         int
	No         string
	Payable    int64
	ShopperID  int
	Token      string
	PrepayID   string // "" when the answer carried no payment (a cancelled order)
	PickupCode string
	Status     string // as acknowledged
}

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
		initial: map[int]int64{}, shoppers: map[int]string{}, keys: map[string]*attempt{},
		orders: map[int]*placed{}, pays: map[string]*payOutcome{},
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

// checkout records one answer to a checkout with key.
func (b *books) checkout(key string, shopperID int, r result, o *placed) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.keys[key]
	if a == nil {
		a = &attempt{ShopperID: shopperID}
		b.keys[key] = a
	}
	switch {
	case o != nil:
		a.Acked, a.OrderID = true, o.ID
		if prev := b.orders[o.ID]; prev == nil || (prev.PrepayID == "" && o.PrepayID != "") {
			b.orders[o.ID] = o
		}
	case r.ambiguous():
		a.Ambiguous = true
	default:
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		_ = json.Unmarshal(r.Body, &e)
		a.Refused = append(a.Refused, fmt.Sprintf("%d %s: %s", r.Status, r.Code, clip(e.Error.Message, 160)))
	}
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
			b.paidOrders = append(b.paidOrders, o.ID)
		}
		p.Taken, p.TransactionID = true, transactionID
		p.Skipped = p.Skipped || skip
	case r.ambiguous():
		p.Ambiguous = true
	default:
		p.Refused = true
	}
}
