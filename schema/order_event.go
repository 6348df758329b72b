package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// OrderEvent is one entry of an order's timeline: a status transition, when,
// and by whom.
type OrderEvent struct{ ent.Schema }

// Fields of the OrderEvent.
func (OrderEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable(),
		field.String("from_status").Optional().Nillable().Immutable(),
		field.String("to_status").Immutable(),
		field.Enum("actor_type").Values("shopper", "staff", "system", "wechat").Immutable(),
		field.Int("actor_id").Optional().Nillable().Immutable(),
		field.String("note").Validate(maxChars(300)).Default("").Immutable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Edges of the OrderEvent.
func (OrderEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("order", Order.Type).Ref("events").Field("order_id").Unique().Required().Immutable(),
	}
}
