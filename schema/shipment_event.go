package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ShipmentEvent is one tracking event of a parcel ("picked up at ...", "out for
// delivery"), as reported by the carrier or the store.
type ShipmentEvent struct{ ent.Schema }

// Fields of the ShipmentEvent.
func (ShipmentEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("shipment_id").Immutable(),
		field.String("status").Validate(maxChars(32)).Immutable(),
		field.String("description").Validate(maxChars(300)).Default("").Immutable(),
		field.String("location").Validate(maxChars(100)).Default("").Immutable(),
		field.Time("occurred_at").Immutable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Edges of the ShipmentEvent.
func (ShipmentEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("shipment", Shipment.Type).Ref("events").Field("shipment_id").Unique().Required().Immutable(),
	}
}

// Indexes of the ShipmentEvent.
func (ShipmentEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("shipment_id", "occurred_at")}
}
