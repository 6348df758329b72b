package api

import (
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/payment"
	"wemart/ent/refund"
	"wemart/schema/types"
	"wemart/server/orders"
)

// OrderItem is a line of an order, as priced at checkout.
type OrderItem struct {
	ID        int    `json:"id"`
	SkuID     int    `json:"sku_id"`
	ProductID int    `json:"product_id"`
	Title     string `json:"title"`
	SkuName   string `json:"sku_name"`
	// ImageURL is the product's main picture when it was ordered ("" for none).
	ImageURL  string `json:"image_url"`
	PriceFen  int64  `json:"price_fen"`
	Quantity  int    `json:"quantity"`
	AmountFen int64  `json:"amount_fen"`
	// DiscountFen is the line's share of the order's discounts.
	DiscountFen      int64 `json:"discount_fen"`
	RefundedQuantity int   `json:"refunded_quantity"`
}

// OrderEvent is an entry of an order's timeline.
type OrderEvent struct {
	Status     string    `json:"status"`
	FromStatus *string   `json:"from_status"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	ActorID    *int      `json:"actor_id"`
	Note       string    `json:"note"`
}

// OrderRefund is a refund of an order.
type OrderRefund struct {
	ID          int                `json:"id"`
	OutRefundNo string             `json:"out_refund_no"`
	AmountFen   int64              `json:"amount_fen"`
	Status      string             `json:"status"`
	Initiator   string             `json:"initiator"`
	Reason      string             `json:"reason"`
	Lines       []types.RefundLine `json:"items"`
	ReviewNote  string             `json:"review_note"`
	CreatedAt   time.Time          `json:"created_at"`
	SucceededAt *time.Time         `json:"succeeded_at"`
}

// OrderPayment is the state of an order's WeChat Pay transaction.
type OrderPayment struct {
	Status        string     `json:"status"`
	TransactionID *string    `json:"transaction_id"`
	PaidAt        *time.Time `json:"paid_at"`
}

// OrderStore names the store of an order.
type OrderStore struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Order is an order: the full view with timeline, refunds and payment, or
// (in lists) the summary without them.
type Order struct {
	ID                int                    `json:"id"`
	OrderNo           string                 `json:"order_no"`
	Status            string                 `json:"status"`
	ShopperID         int                    `json:"shopper_id"`
	StoreID           int                    `json:"store_id"`
	Store             *OrderStore            `json:"store"`
	Fulfilment        string                 `json:"fulfilment"`
	PickupCode        *string                `json:"pickup_code"`
	Address           *types.AddressSnapshot `json:"address"`
	DeliveryDistanceM *int                   `json:"delivery_distance_m"`
	Items             []OrderItem            `json:"items"`
	GoodsFen          int64                  `json:"goods_fen"`
	DeliveryFeeFen    int64                  `json:"delivery_fee_fen"`
	DiscountFen       int64                  `json:"discount_fen"`
	// What each pricing step took: the member level (level_name at
	// checkout), the coupon (coupon_id), the points (points_used); and
	// the store's fee a level waived.
	LevelName            string        `json:"level_name"`
	LevelDiscountFen     int64         `json:"level_discount_fen"`
	CouponID             *int          `json:"coupon_id"`
	CouponDiscountFen    int64         `json:"coupon_discount_fen"`
	PointsUsed           int64         `json:"points_used"`
	PointsDiscountFen    int64         `json:"points_discount_fen"`
	DeliveryFeeWaivedFen int64         `json:"delivery_fee_waived_fen"`
	PayableFen           int64         `json:"payable_fen"`
	RefundedFen          int64         `json:"refunded_fen"`
	Remark               string        `json:"remark"`
	ExpiresAt            time.Time     `json:"expires_at"`
	PaidAt               *time.Time    `json:"paid_at"`
	CancelledAt          *time.Time    `json:"cancelled_at"`
	CancelReason         string        `json:"cancel_reason"`
	ShippedAt            *time.Time    `json:"shipped_at"`
	DeliveredAt          *time.Time    `json:"delivered_at"`
	ReceiveDueAt         *time.Time    `json:"receive_due_at"`
	CreatedAt            time.Time     `json:"created_at"`
	UpdatedAt            time.Time     `json:"updated_at"`
	Timeline             []OrderEvent  `json:"timeline,omitempty"`
	Refunds              []OrderRefund `json:"refunds,omitempty"`
	Payment              *OrderPayment `json:"payment,omitempty"`
}

// Checkout is the answer to POST /api/v1/orders: the order and the
// wx.requestPayment parameters (null once it cannot be paid).
type Checkout struct {
	Order   Order                 `json:"order"`
	Payment *orders.PaymentParams `json:"payment"`
}

// pickupVisible are the statuses in which the shopper's pickup code means
// something at the counter.
var pickupVisible = map[order.Status]bool{order.StatusPaid: true, order.StatusReadyForPickup: true, order.StatusCompleted: true}

func (v views) orderSummaryDTO(o *ent.Order) Order {
	out := Order{
		ID: o.ID, OrderNo: o.OrderNo, Status: string(o.Status), ShopperID: o.ShopperID, StoreID: o.StoreID,
		Fulfilment: string(o.Fulfilment), Address: o.Address, DeliveryDistanceM: o.DeliveryDistanceM,
		Items: make([]OrderItem, len(o.Edges.Items)), GoodsFen: o.GoodsFen, DeliveryFeeFen: o.DeliveryFeeFen,
		DiscountFen: o.DiscountFen, PayableFen: o.PayableFen, Remark: o.Remark, ExpiresAt: o.ExpiresAt.UTC(),
		LevelName: o.LevelName, LevelDiscountFen: o.LevelDiscountFen, CouponID: o.CouponID, CouponDiscountFen: o.CouponDiscountFen,
		PointsUsed: o.PointsUsed, PointsDiscountFen: o.PointsDiscountFen, DeliveryFeeWaivedFen: o.DeliveryFeeWaivedFen,
		PaidAt: utcPtr(o.PaidAt), CancelledAt: utcPtr(o.CancelledAt), CancelReason: o.CancelReason,
		CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC(),
		ShippedAt: utcPtr(o.ShippedAt), DeliveredAt: utcPtr(o.DeliveredAt), ReceiveDueAt: utcPtr(o.ReceiveDueAt),
	}
	if pickupVisible[o.Status] {
		out.PickupCode = o.PickupCode
	}
	if st := o.Edges.Store; st != nil {
		out.Store = &OrderStore{ID: st.ID, Name: st.Name}
	}
	for _, r := range o.Edges.Refunds {
		if r.Status == refund.StatusSucceeded {
			out.RefundedFen += r.AmountFen
		}
	}
	for i, it := range o.Edges.Items {
		out.Items[i] = OrderItem{ID: it.ID, SkuID: it.SkuID, ProductID: it.ProductID, Title: it.Title, SkuName: it.SkuName, ImageURL: v.URLs.Of(it.Image),
			PriceFen: it.PriceFen, Quantity: it.Quantity, AmountFen: it.AmountFen, DiscountFen: it.DiscountFen, RefundedQuantity: it.RefundedQuantity}
	}
	return out
}

func (v views) orderDTO(o *ent.Order) Order {
	out := v.orderSummaryDTO(o)
	out.Timeline = make([]OrderEvent, len(o.Edges.Events))
	for i, e := range o.Edges.Events {
		out.Timeline[i] = OrderEvent{Status: e.ToStatus, FromStatus: e.FromStatus, At: e.CreatedAt.UTC(),
			Actor: string(e.ActorType), ActorID: e.ActorID, Note: e.Note}
	}
	out.Refunds = make([]OrderRefund, len(o.Edges.Refunds))
	for i, r := range o.Edges.Refunds {
		lines := r.Lines
		if lines == nil {
			lines = []types.RefundLine{}
		}
		out.Refunds[i] = OrderRefund{ID: r.ID, OutRefundNo: r.OutRefundNo, AmountFen: r.AmountFen, Status: string(r.Status),
			Initiator: string(r.Initiator), Reason: r.Reason, Lines: lines, ReviewNote: r.ReviewNote,
			CreatedAt: r.CreatedAt.UTC(), SucceededAt: utcPtr(r.SucceededAt)}
	}
	for _, p := range o.Edges.Payments {
		if p.OutTradeNo == o.OrderNo {
			out.Payment = &OrderPayment{Status: string(p.Status), TransactionID: p.TransactionID, PaidAt: utcPtr(p.PaidAt)}
			if p.Status != payment.StatusPaid {
				out.Payment.TransactionID = nil
			}
		}
	}
	return out
}

// staffOrderDTO is the order as staff see it: never with the pickup code,
// which only the shopper holds, so that the hand-over check proves the
// person at the counter is the shopper.
func (v views) staffOrderDTO(o *ent.Order) Order {
	out := v.orderDTO(o)
	out.PickupCode = nil
	return out
}

// staffOrderSummaryDTO is the list view for staff, without the pickup code.
func (v views) staffOrderSummaryDTO(o *ent.Order) Order {
	out := v.orderSummaryDTO(o)
	out.PickupCode = nil
	return out
}

func (v views) checkoutDTO(p orders.Placed) Checkout {
	return Checkout{Order: v.orderDTO(p.Order), Payment: p.Payment}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
