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

// Refund is money going back to the shopper: requested by the shopper and
// reviewed by staff, or started by the system (a payment that arrived for an
// order whose stock was gone).
type Refund struct{ ent.Schema }

// Annotations of the Refund.
func (Refund) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{"refunds_amount": "amount_fen > 0"}),
	}
}

// Mixin of the Refund.
func (Refund) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Refund.
func (Refund) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable(),
		field.String("out_refund_no").NotEmpty().Validate(maxChars(64)).Immutable().Unique(),
		// WeChat's refund_id once WeChat accepted the refund.
		field.String("refund_id").Optional().Nillable().Validate(maxChars(64)),
		field.Int64("amount_fen"),
		field.String("reason").Validate(maxChars(200)).Default(""),
		field.Enum("initiator").Values("shopper", "staff", "system").Immutable(),
		field.Enum("status").Values("requested", "rejected", "processing", "succeeded", "failed").Default("requested"),
		// The order lines covered; empty means the whole order.
		field.JSON("lines", []types.RefundLine{}).Optional(),
		field.Int("reviewed_by").Optional().Nillable(),
		field.String("review_note").Validate(maxChars(200)).Default(""),
		field.Time("succeeded_at").Optional().Nillable(),
	}
}

// Edges of the Refund.
func (Refund) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("order", Order.Type).Ref("refunds").Field("order_id").Unique().Required().Immutable(),
	}
}

// Indexes of the Refund.
func (Refund) Indexes() []ent.Index {
	return []ent.Index{index.Fields("order_id"), index.Fields("status")}
}
