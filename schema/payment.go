package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Payment is the WeChat Pay transaction of an order (out_trade_no = order_no).
// transaction_id is unique, so one WeChat payment is recorded once however
// many notifications announce it.
type Payment struct{ ent.Schema }

// Mixin of the Payment.
func (Payment) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Payment.
func (Payment) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable(),
		field.String("out_trade_no").NotEmpty().Validate(maxChars(32)).Immutable().Unique(),
		field.String("prepay_id").Optional().Nillable().Validate(maxChars(64)),
		field.Time("prepay_expires_at").Optional().Nillable(),
		field.String("transaction_id").Optional().Nillable().Validate(maxChars(64)).Unique(),
		field.Int64("amount_fen").Immutable(),
		field.String("payer_openid").Validate(maxChars(64)).Immutable(),
		field.Enum("status").Values("pending", "paid", "closed").Default("pending"),
		// WeChat's trade_state as last seen (SUCCESS, NOTPAY, CLOSED, ...).
		field.String("trade_state").Validate(maxChars(32)).Default(""),
		field.Time("paid_at").Optional().Nillable(),
		// When a shopper's read of the order last asked WeChat Pay about
		// it (payment confirmation on read); a compare-and-set on it lets
		// one read in every few seconds ask, across processes.
		field.Time("checked_at").Optional().Nillable(),
	}
}

// Edges of the Payment.
func (Payment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("order", Order.Type).Ref("payments").Field("order_id").Unique().Required().Immutable(),
	}
}

// Indexes of the Payment.
func (Payment) Indexes() []ent.Index {
	return []ent.Index{index.Fields("order_id")}
}
