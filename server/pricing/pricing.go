// Package pricing works out what a checkout costs, in a fixed order:
//
//  1. the goods at their prices at the store (each line price × quantity);
//  2. the member level's percent off, on every line;
//  3. the coupon, on the lines in its scope;
//  4. points, on every line;
//  5. the delivery fee (waived by a level with free delivery), never
//     discounted.
//
// Each discount is split across the lines it covers in proportion to what
// they still cost, in whole fen by largest remainder, so the lines' shares
// add up to the discount exactly and a refund of some units returns exactly
// their share (RefundShare). Discounts stop where the goods would cost less
// than 1 fen, so discounts never make an order free; goods that cost
// nothing (0-fen SKUs alone) do, and the orders package refuses those.
package pricing

import (
	"math/bits"
	"slices"
)

// Line is one order line as priced.
type Line struct {
	SkuID      int
	ProductID  int
	CategoryID int // 0: none
	Quantity   int
	// AmountFen is the line at its unit price: price × quantity.
	AmountFen int64
	// DiscountFen is the share of the discounts applied so far.
	DiscountFen int64
}

// NetFen is what the line costs after the discounts applied so far.
func (l Line) NetFen() int64 { return l.AmountFen - l.DiscountFen }

// Quote is a checkout's price, built step by step.
type Quote struct {
	Lines []Line
	// What each step took off the goods.
	LevelDiscountFen  int64
	CouponDiscountFen int64
	PointsDiscountFen int64
	// PointsUsed is the points spent for PointsDiscountFen.
	PointsUsed int64
	// DeliveryFeeFen is charged; DeliveryFeeWaivedFen is the store's fee a
	// level benefit waived (0 when charged, or for pickup).
	DeliveryFeeFen       int64
	DeliveryFeeWaivedFen int64
}

// NewQuote starts a quote of lines at their prices.
func NewQuote(lines []Line) *Quote {
	q := &Quote{Lines: slices.Clone(lines)}
	for i := range q.Lines {
		q.Lines[i].DiscountFen = 0
	}
	return q
}

// GoodsFen is the goods at their prices.
func (q *Quote) GoodsFen() int64 {
	var sum int64
	for _, l := range q.Lines {
		sum += l.AmountFen
	}
	return sum
}

// NetFen is the goods after the discounts applied so far.
func (q *Quote) NetFen() int64 {
	var sum int64
	for _, l := range q.Lines {
		sum += l.NetFen()
	}
	return sum
}

// DiscountFen is every discount together (the order's discount_fen).
func (q *Quote) DiscountFen() int64 {
	return q.LevelDiscountFen + q.CouponDiscountFen + q.PointsDiscountFen
}

// PayableFen is what the shopper pays: goods minus discounts plus the fee.
func (q *Quote) PayableFen() int64 { return q.GoodsFen() - q.DiscountFen() + q.DeliveryFeeFen }

// Room is the most that can still come off the lines idx (nil: every line):
// what they cost now, less what keeps the whole order's goods at 1 fen.
func (q *Quote) Room(idx []int) int64 {
	var in int64
	for _, i := range q.indexes(idx) {
		in += q.Lines[i].NetFen()
	}
	return max(0, min(in, q.NetFen()-1))
}

// Apply takes up to amount off the lines idx (nil: every line), split in
// proportion to what each costs now, and returns what it took (amount cut
// to Room). The caller adds the result to the step's field.
func (q *Quote) Apply(amount int64, idx []int) int64 {
	idx = q.indexes(idx)
	amount = min(amount, q.Room(idx))
	if amount <= 0 {
		return 0
	}
	weights := make([]int64, len(idx))
	for k, i := range idx {
		weights[k] = q.Lines[i].NetFen()
	}
	for k, share := range Split(amount, weights) {
		q.Lines[idx[k]].DiscountFen += share
	}
	return amount
}

func (q *Quote) indexes(idx []int) []int {
	if idx != nil {
		return idx
	}
	all := make([]int, len(q.Lines))
	for i := range all {
		all[i] = i
	}
	return all
}

// Percent is pct percent of fen, rounded down.
func Percent(fen int64, pct int) int64 { return mulDiv(fen, int64(pct), 100) }

// Split divides amount (0 ≤ amount ≤ the sum of weights, weights ≥ 0) into
// shares proportional to weights, in whole fen: each share is rounded down
// and the fen left over go to the largest remainders (the earlier line on a
// tie). The shares add up to amount and none exceeds its weight.
func Split(amount int64, weights []int64) []int64 {
	shares := make([]int64, len(weights))
	var total int64
	for _, w := range weights {
		total += w
	}
	if amount <= 0 || total <= 0 {
		return shares
	}
	rem := make([]int64, len(weights))
	left := amount
	for i, w := range weights {
		shares[i], rem[i] = mulDivRem(amount, w, total)
		left -= shares[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for _, i := range order {
		if left == 0 {
			break
		}
		if shares[i] < weights[i] {
			shares[i]++
			left--
		}
	}
	return shares
}

// RefundShare is the part of a line's discount that k more units carry,
// when refunded units of quantity were refunded before: the shares of all
// units add up to the line's discount, whatever the steps.
func RefundShare(discount int64, quantity, refunded, k int) int64 {
	if quantity <= 0 || k <= 0 {
		return 0
	}
	q := int64(quantity)
	return mulDiv(discount, int64(refunded+k), q) - mulDiv(discount, int64(refunded), q)
}

// mulDiv is a×b/c rounded down, without overflow for non-negative values.
func mulDiv(a, b, c int64) int64 {
	q, _ := mulDivRem(a, b, c)
	return q
}

func mulDivRem(a, b, c int64) (int64, int64) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) { // the quotient does not fit: callers never get here
		panic("pricing: overflow")
	}
	q, r := bits.Div64(hi, lo, uint64(c))
	return int64(q), int64(r)
}
