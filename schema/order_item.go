package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// OrderItem is one line of an order, with the title and price copied at
// checkout so the order reads the same after the catalogue changes.
type OrderItem struct{ ent.Schema }

// Annotations of the OrderItem.
func (OrderItem) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{
			"order_items_quantity": "quantity > 0 AND refunded_quantity >= 0 AND refunded_quantity <= quantity",
			"order_items_amount":   "price_fen >= 0 AND amount_fen = price_fen * quantity",
			"order_items_discount": "discount_fen >= 0 AND discount_fen <= amount_fen",
		}),
	}
}

// Fields of the OrderItem.
func (OrderItem) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable(),
		field.Int("sku_id").Immutable(),
		field.Int("product_id").Immutable(),
		field.String("title").Immutable(),
		field.String("sku_name").Immutable(),
		field.Int64("price_fen").Immutable(),
		field.Int("quantity").Immutable(),
		field.Int64("amount_fen").Immutable(),
		// DiscountFen is the line's share of the order's discounts (split
		// by server/pricing): a refund of some units returns their share of
		// the money actually paid.
		field.Int64("discount_fen").Default(0).Immutable(),
		field.Int("refunded_quantity").Default(0),
		// The product's main picture at checkout (a media key, or an http(s)
		// URL hosted elsewhere; "" for none): media keys are content
		// addressed, so the line shows what the shopper saw.
		field.String("image").Immutable().Default(""),
	}
}

// Edges of the OrderItem.
func (OrderItem) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("order", Order.Type).Ref("items").Field("order_id").Unique().Required().Immutable(),
	}
}
