package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ShipmentEvent is one tracking event of a shipment ("collected at ...",
// "rider arrived at the store"), as the provider or the store reported it.
// Events are only appended; Dedupe makes a repeated or replayed report of
// the same event a no-op.
type ShipmentEvent struct{ ent.Schema }

// Fields of the ShipmentEvent.
func (ShipmentEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("shipment_id").Immutable(),
		field.String("status").Validate(maxChars(32)).Immutable(),
		field.String("description").Validate(maxChars(300)).Default("").Immutable(),
		field.String("location").Validate(maxChars(100)).Default("").Immutable(),
		// Dedupe identifies the event within its shipment (status, time and
		// text as the provider reported them, hashed).
		field.String("dedupe").NotEmpty().Validate(maxChars(64)).Immutable(),
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
	return []ent.Index{index.Fields("shipment_id", "dedupe").Unique(), index.Fields("shipment_id", "occurred_at")}
}
