package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// CartItem is one line of a shopper's cart in one store: a shopper shopping in
// two stores has two carts.
type CartItem struct{ ent.Schema }

// Annotations of the CartItem.
func (CartItem) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{"cart_items_quantity": "quantity > 0"}),
	}
}

// Mixin of the CartItem.
func (CartItem) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the CartItem.
func (CartItem) Fields() []ent.Field {
	return []ent.Field{
		field.Int("shopper_id"),
		field.Int("store_id"),
		field.Int("sku_id"),
		field.Int("quantity"),
		field.Bool("selected").Default(true),
		// The price the shopper saw when adding the line, to flag price changes.
		field.Int64("price_fen"),
	}
}

// Edges of the CartItem.
func (CartItem) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("shopper", Shopper.Type).Ref("cart_items").Field("shopper_id").Unique().Required(),
		edge.From("store", Store.Type).Ref("cart_items").Field("store_id").Unique().Required(),
	}
}

// Indexes of the CartItem.
func (CartItem) Indexes() []ent.Index {
	return []ent.Index{index.Fields("shopper_id", "store_id", "sku_id").Unique()}
}
