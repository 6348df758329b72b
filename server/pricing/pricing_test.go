package pricing

import (
	"math/rand/v2"
	"testing"
)

func TestSplitAddsUpAndStaysWithinWeights(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		n := 1 + r.IntN(6)
		w := make([]int64, n)
		var total int64
		for i := range w {
			w[i] = r.Int64N(100000)
			total += w[i]
		}
		amount := int64(0)
		if total > 0 {
			amount = r.Int64N(total + 1)
		}
		s := Split(amount, w)
		var sum int64
		for i, v := range s {
			if v < 0 || v > w[i] {
				t.Fatalf("Split(%d, %v) = %v: share %d outside 0..%d", amount, w, s, v, w[i])
			}
			sum += v
		}
		if total > 0 && sum != amount {
			t.Fatalf("Split(%d, %v) = %v adds up to %d", amount, w, s, sum)
		}
	}
}

func TestSplitLargestRemainder(t *testing.T) {
	got := Split(100, []int64{1000, 1000, 1000})
	want := []int64{34, 33, 33}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Split(100, thirds) = %v, want %v", got, want)
		}
	}
	got = Split(10, []int64{2990, 10})
	if got[0]+got[1] != 10 || got[1] > 1 {
		t.Fatalf("Split(10, [2990 10]) = %v", got)
	}
}

func TestPipelineKeepsOneFen(t *testing.T) {
	q := NewQuote([]Line{{AmountFen: 500, Quantity: 1}, {AmountFen: 300, Quantity: 3}})
	if got := q.Apply(10_000, nil); got != 799 {
		t.Fatalf("took %d, want 799 (the goods keep 1 fen)", got)
	}
	q.CouponDiscountFen = 799
	if q.PayableFen() != 1 {
		t.Fatalf("payable %d, want 1", q.PayableFen())
	}
	if q.Apply(5, nil) != 0 {
		t.Fatal("a further discount was taken below 1 fen")
	}
}

func TestApplyOnScope(t *testing.T) {
	q := NewQuote([]Line{{AmountFen: 1000}, {AmountFen: 2000}, {AmountFen: 3000}})
	got := q.Apply(500, []int{1, 2})
	if got != 500 || q.Lines[0].DiscountFen != 0 || q.Lines[1].DiscountFen != 200 || q.Lines[2].DiscountFen != 300 {
		t.Fatalf("took %d, lines %+v", got, q.Lines)
	}
	// A second step splits by what the lines cost now (1000, 1800, 2700).
	q.Apply(580, nil)
	if q.Lines[0].DiscountFen != 105 || q.Lines[1].DiscountFen != 200+190 || q.Lines[2].DiscountFen != 300+285 {
		t.Fatalf("second step: %+v", q.Lines)
	}
}

func TestRefundShareAddsUpToTheLine(t *testing.T) {
	for _, c := range []struct {
		discount int64
		qty      int
		steps    []int
	}{{100, 3, []int{1, 1, 1}}, {7, 4, []int{3, 1}}, {999, 7, []int{2, 2, 3}}, {1, 5, []int{4, 1}}} {
		var sum int64
		done := 0
		for _, k := range c.steps {
			sum += RefundShare(c.discount, c.qty, done, k)
			done += k
		}
		if sum != c.discount {
			t.Fatalf("%+v: shares add up to %d", c, sum)
		}
	}
	if got := RefundShare(100, 3, 0, 1); got != 33 {
		t.Fatalf("one of three units carries %d, want 33", got)
	}
}

func TestPercent(t *testing.T) {
	if Percent(999, 15) != 149 || Percent(1<<40, 99) != (1<<40)*99/100 {
		t.Fatal("Percent")
	}
}
