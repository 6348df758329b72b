package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Shipment is the delivery of an order: the carrier and tracking number, and
// whether WeChat's shipping-info API has been told.
type Shipment struct{ ent.Schema }

// Mixin of the Shipment.
func (Shipment) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Shipment.
func (Shipment) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable(),
		// WeChat's express company code (e.g. SF, ZTO), or "store" for the store's own riders.
		field.String("carrier").Validate(maxChars(32)).Default(""),
		field.String("tracking_no").Validate(maxChars(64)).Default(""),
		field.Enum("status").Values("pending", "shipped", "in_transit", "delivered", "failed").Default("pending"),
		field.Time("shipped_at").Optional().Nillable(),
		field.Time("delivered_at").Optional().Nillable(),
		field.Time("wechat_uploaded_at").Optional().Nillable(),
	}
}

// Edges of the Shipment.
func (Shipment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("order", Order.Type).Ref("shipments").Field("order_id").Unique().Required().Immutable(),
		edge.To("events", ShipmentEvent.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of the Shipment.
func (Shipment) Indexes() []ent.Index {
	return []ent.Index{index.Fields("order_id"), index.Fields("carrier", "tracking_no")}
}
