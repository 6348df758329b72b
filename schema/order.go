package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"wemart/schema/types"
)

// OrderStatuses lists every status an order can be in (the API names them).
var OrderStatuses = []string{
	"pending_payment", "paid", "ready_for_pickup", "shipped", "delivered",
	"completed", "cancelled", "refunding", "refunded",
}

// Order is a shopper's purchase from one store. Its status only ever moves by
// compare-and-set on the current status, and each move adds an OrderEvent.
type Order struct{ ent.Schema }

// Annotations of the Order.
func (Order) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{
			"orders_amounts_nonneg": "goods_fen >= 0 AND delivery_fee_fen >= 0 AND discount_fen >= 0 AND payable_fen >= 0",
			"orders_payable_sum":    "payable_fen = goods_fen + delivery_fee_fen - discount_fen",
			"orders_discount_sum":   "discount_fen = level_discount_fen + coupon_discount_fen + points_discount_fen AND points_used >= 0 AND delivery_fee_waived_fen >= 0",
		}),
	}
}

// Mixin of the Order.
func (Order) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Order.
func (Order) Fields() []ent.Field {
	return []ent.Field{
		// The order number shown to people and sent to WeChat Pay as out_trade_no.
		field.String("order_no").NotEmpty().Validate(maxChars(32)).Immutable().Unique(),
		field.Int("shopper_id").Immutable(),
		field.Int("store_id").Immutable(),
		field.Enum("status").Values(OrderStatuses...).Default("pending_payment"),
		field.Enum("fulfilment").Values("pickup", "delivery").Immutable(),
		field.String("pickup_code").Optional().Nillable().Validate(maxChars(16)),
		// Hand-over attempts in the current window (pickup_window_at on): a
		// few guesses of the code per window, shared by every process.
		field.Int("pickup_attempts").Default(0),
		field.Time("pickup_window_at").Optional().Nillable(),
		field.JSON("address", &types.AddressSnapshot{}).Optional(),
		field.Int("delivery_distance_m").Optional().Nillable(),
		field.Int64("goods_fen"),
		field.Int64("delivery_fee_fen").Default(0),
		// DiscountFen is every discount together; the fields after it say
		// what each step of server/pricing took (level, coupon, points).
		field.Int64("discount_fen").Default(0),
		field.Int64("level_discount_fen").Default(0).Immutable(),
		// LevelName is the shopper's member level at checkout ("" for none).
		field.String("level_name").Validate(maxChars(20)).Default("").Immutable(),
		// CouponID is the shopper's coupon the order uses (locked while
		// unpaid, used once paid).
		field.Int("coupon_id").Optional().Nillable().Immutable(),
		field.Int64("coupon_discount_fen").Default(0).Immutable(),
		field.Int64("points_used").Default(0).Immutable(),
		field.Int64("points_discount_fen").Default(0).Immutable(),
		// DeliveryFeeWaivedFen is the store's delivery fee a level with free
		// delivery waived (delivery_fee_fen is then 0).
		field.Int64("delivery_fee_waived_fen").Default(0).Immutable(),
		field.Int64("payable_fen"),
		field.String("remark").Validate(maxChars(200)).Default(""),
		// The client's Idempotency-Key and a hash of the request it came with:
		// the same key with another body is a conflict, not a second order.
		field.String("idempotency_key").NotEmpty().Validate(maxChars(128)).Immutable(),
		field.String("request_hash").Validate(maxChars(64)).Immutable(),
		// Unpaid orders expire at this time (stock released, WeChat order closed).
		field.Time("expires_at"),
		field.Time("paid_at").Optional().Nillable(),
		field.Time("cancelled_at").Optional().Nillable(),
		field.Time("completed_at").Optional().Nillable(),
		field.String("cancel_reason").Validate(maxChars(200)).Default(""),
		// ShippedAt and DeliveredAt are when a delivery order's goods left
		// and reached the shopper.
		field.Time("shipped_at").Optional().Nillable(),
		field.Time("delivered_at").Optional().Nillable(),
		// ReceiveDueAt is when a shipped or delivered order nobody confirmed
		// completes by itself (WEMART_AUTO_RECEIVE_AFTER from shipping, and
		// again from delivery).
		field.Time("receive_due_at").Optional().Nillable(),
	}
}

// Edges of the Order.
func (Order) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("shopper", Shopper.Type).Ref("orders").Field("shopper_id").Unique().Required().Immutable(),
		edge.From("store", Store.Type).Ref("orders").Field("store_id").Unique().Required().Immutable(),
		edge.To("items", OrderItem.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("events", OrderEvent.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("payments", Payment.Type),
		edge.To("refunds", Refund.Type),
		edge.To("shipments", Shipment.Type),
	}
}

// Indexes of the Order.
func (Order) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("shopper_id", "idempotency_key").Unique(),
		index.Fields("shopper_id", "status"),
		// A checkout's reads of the shopper's history, each bounded by what
		// it counts, not by how many orders she ever placed: her orders of
		// the last minute (the rate limit) and those paid in the level
		// window (her member level).
		index.Fields("shopper_id", "created_at"),
		index.Fields("shopper_id", "paid_at"),
		index.Fields("store_id", "status"),
		// The expiry sweep: WHERE status = 'pending_payment' AND expires_at < now.
		index.Fields("status", "expires_at"),
		// The auto-receive sweep: WHERE status IN (shipped, delivered) AND receive_due_at < now.
		index.Fields("status", "receive_due_at"),
	}
}
