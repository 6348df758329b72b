package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ShipmentStatuses are the states of a shipment. A rider delivery goes
// requested → accepted → arrived → picked_up → delivered; an express parcel
// goes created → collected → in_transit → out_for_delivery → signed (with
// problem, returned and rejected as the tracking provider reports them).
// Either may end cancelled or failed.
var ShipmentStatuses = []string{
	"requested", "accepted", "arrived", "picked_up", "delivered",
	"created", "collected", "in_transit", "out_for_delivery", "signed", "problem", "returned", "rejected",
	"cancelled", "failed",
}

// Shipment is one way an order's goods travel to the shopper: an express
// parcel (carrier + tracking number) or a same-city rider delivery (the
// rider service's delivery id as tracking number). An order may have
// several: parcels of one order, or a rider delivery that failed and the
// one dispatched after it.
type Shipment struct{ ent.Schema }

// Mixin of the Shipment.
func (Shipment) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Shipment.
func (Shipment) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable(),
		field.Enum("kind").Values("express", "rider").Default("express").Immutable(),
		// OutNo is wemart's own id of the shipment at the provider (a rider
		// service's origin id, idempotent on re-sent creates).
		field.String("out_no").NotEmpty().Validate(maxChars(40)).Immutable().Unique(),
		// Carrier is WeChat's express company id (SF, ZTO, ...) or the rider
		// service's code.
		field.String("carrier").Validate(maxChars(32)).Default(""),
		field.String("tracking_no").Validate(maxChars(64)).Default(""),
		field.Enum("status").Values(ShipmentStatuses...),
		// FeeFen is what the rider service charges the store (the shopper's
		// delivery fee on the order is unchanged).
		field.Int64("fee_fen").Default(0),
		field.Int("distance_m").Optional().Nillable(),
		field.String("rider_name").Validate(maxChars(40)).Default(""),
		field.String("rider_phone").Validate(maxChars(32)).Default(""),
		field.Float("rider_lat").Optional().Nillable(),
		field.Float("rider_lng").Optional().Nillable(),
		field.Time("position_at").Optional().Nillable(),
		// Reason is why it was cancelled or failed.
		field.String("reason").Validate(maxChars(200)).Default(""),
		field.Time("shipped_at").Optional().Nillable(),
		field.Time("delivered_at").Optional().Nillable(),
		// SubscribedAt is when the tracking provider took the parcel's
		// subscription (express).
		field.Time("subscribed_at").Optional().Nillable(),
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
	return []ent.Index{index.Fields("order_id"), index.Fields("carrier", "tracking_no"), index.Fields("status", "updated_at")}
}
