package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// StoreDeliveryCell is one H3 cell of a store's staff-drawn delivery zone
// (the polygon's PolygonToCells), so "who delivers here" is an indexed lookup.
type StoreDeliveryCell struct{ ent.Schema }

// Fields of the StoreDeliveryCell.
func (StoreDeliveryCell) Fields() []ent.Field {
	return []ent.Field{
		field.Int("store_id"),
		field.Int64("cell"),
		field.Int("resolution"),
	}
}

// Edges of the StoreDeliveryCell.
func (StoreDeliveryCell) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("store", Store.Type).Ref("delivery_cells").Field("store_id").Unique().Required(),
	}
}

// Indexes of the StoreDeliveryCell.
func (StoreDeliveryCell) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("store_id", "cell").Unique(),
		index.Fields("cell"),
	}
}
