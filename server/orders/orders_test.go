package orders

import (
	"strings"
	"testing"
	"unicode/utf8"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/refund"
	"wemart/schema"
	"wemart/server/errs"
)

func TestLifecycleTable(t *testing.T) {
	tests := []struct {
		from, to order.Status
		ok       bool
	}{
		{order.StatusPendingPayment, order.StatusPaid, true},
		{order.StatusPendingPayment, order.StatusCancelled, true},
		{order.StatusPendingPayment, order.StatusRefunding, false},
		{order.StatusPaid, order.StatusCancelled, false},
		{order.StatusPaid, order.StatusPendingPayment, false},
		{order.StatusCancelled, order.StatusPaid, true}, // a late payment, stock still there
		{order.StatusCancelled, order.StatusPendingPayment, false},
		{order.StatusRefunded, order.StatusPaid, false},
		{order.StatusCompleted, order.StatusRefunding, true},
		{order.StatusReadyForPickup, order.StatusShipped, false},
	}
	for _, tt := range tests {
		if got := Allowed(tt.from, tt.to); got != tt.ok {
			t.Errorf("%s → %s allowed = %v, want %v", tt.from, tt.to, got, tt.ok)
		}
	}
	for _, st := range schema.OrderStatuses {
		if _, ok := transitions[order.Status(st)]; !ok {
			t.Errorf("status %s is missing from the lifecycle table", st)
		}
	}
}

func TestSameRequestSameHash(t *testing.T) {
	a, err := CreateInput{StoreID: 1, Fulfilment: "pickup", Items: []LineInput{{SkuID: 2, Quantity: 1}, {SkuID: 1, Quantity: 2}, {SkuID: 2, Quantity: 1}}}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	addr := 9
	b, err := CreateInput{StoreID: 1, Fulfilment: "pickup", AddressID: &addr, Items: []LineInput{{SkuID: 1, Quantity: 2}, {SkuID: 2, Quantity: 2}}}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	if a.hash() != b.hash() {
		t.Fatalf("the same order hashes differently: %+v vs %+v", a, b)
	}
	c, _ := CreateInput{StoreID: 1, Fulfilment: "pickup", Items: []LineInput{{SkuID: 1, Quantity: 3}, {SkuID: 2, Quantity: 2}}}.normalize()
	if a.hash() == c.hash() {
		t.Fatal("different orders hash the same")
	}
	cart, _ := CreateInput{StoreID: 1, Fulfilment: "pickup"}.normalize()
	empty, err := CreateInput{StoreID: 1, Fulfilment: "pickup", Items: []LineInput{}}.normalize()
	if err == nil || cart.hash() == empty.hash() {
		t.Fatalf("an empty item list is not the cart: %v", err)
	}
}

func TestCheckKey(t *testing.T) {
	for key, ok := range map[string]bool{
		"": false, "a": true, "6f9619ff-8b86-d011-b42d-00cf4fc964ff": true, strings.Repeat("x", 128): true,
		strings.Repeat("x", 129): false, "with space": false, "中文": false, "tab\t": false,
	} {
		if err := CheckKey(key); (err == nil) != ok || (err != nil && !errs.Is(err, errs.Invalid)) {
			t.Errorf("CheckKey(%q) = %v", key, err)
		}
	}
}

func TestDescriptionFitsWeChat(t *testing.T) {
	items := []*ent.OrderItem{{Title: strings.Repeat("鲜牛奶", 30)}, {Title: "吐司"}}
	d := description("人民广场店", items)
	if len(d) > 127 || !utf8.ValidString(d) || !strings.HasPrefix(d, "人民广场店-鲜牛奶") {
		t.Fatalf("description %q (%d bytes)", d, len(d))
	}
	if d := description("店", items[1:]); d != "店-吐司" {
		t.Fatalf("description %q", d)
	}
	if d := description("店", []*ent.OrderItem{{Title: "a"}, {Title: "b"}, {Title: "c"}}); d != "店-a等3件" {
		t.Fatalf("description %q", d)
	}
}

func TestRefundAmounts(t *testing.T) {
	o := &ent.Order{ID: 1, PayableFen: 3000, Edges: ent.OrderEdges{
		Items: []*ent.OrderItem{
			{ID: 10, PriceFen: 1000, Quantity: 2},
			{ID: 11, PriceFen: 500, Quantity: 1, RefundedQuantity: 0},
		},
		Refunds: []*ent.Refund{},
	}}
	// Everything: the whole payable (the 500 fen delivery fee included).
	if _, amount, err := refundLines(o, nil); err != nil || amount != 3000 {
		t.Fatalf("full refund %d %v", amount, err)
	}
	// One unit: its price.
	if _, amount, err := refundLines(o, []RefundLineInput{{OrderItemID: 10, Quantity: 1}}); err != nil || amount != 1000 {
		t.Fatalf("one unit %d %v", amount, err)
	}
	// Every line named in full is everything too.
	if _, amount, err := refundLines(o, []RefundLineInput{{10, 2}, {11, 1}}); err != nil || amount != 3000 {
		t.Fatalf("all lines named %d %v", amount, err)
	}
	// After a refund of one unit succeeded, the rest is what is left.
	o.Edges.Items[0].RefundedQuantity = 1
	o.Edges.Refunds = []*ent.Refund{{AmountFen: 1000, Status: refund.StatusSucceeded}, {AmountFen: 3000, Status: refund.StatusRejected}}
	if _, amount, err := refundLines(o, nil); err != nil || amount != 2000 {
		t.Fatalf("the rest %d %v", amount, err)
	}
	if _, _, err := refundLines(o, []RefundLineInput{{10, 2}}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("refunding more than is left: %v", err)
	}
	if _, _, err := refundLines(o, []RefundLineInput{{99, 1}}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("a line of another order: %v", err)
	}
}
