package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// StockMovement is the stock ledger: one immutable row per change of a Stock
// row, written in the same transaction as the change, saying what moved, why,
// who did it and for which order. Replaying a store/SKU's movements reproduces
// its on_hand and reserved.
type StockMovement struct{ ent.Schema }

// Fields of the StockMovement.
func (StockMovement) Fields() []ent.Field {
	return []ent.Field{
		field.Int("store_id").Immutable(),
		field.Int("sku_id").Immutable(),
		// set: staff counted the shelf; adjust: staff delta (delivery, damage, ...);
		// reserve/release: an order took or gave back units; sell: a paid order's
		// units left on_hand; restock: a refund put units back.
		field.Enum("kind").Values("set", "adjust", "reserve", "release", "sell", "restock").Immutable(),
		field.Int64("delta_on_hand").Immutable(),
		field.Int64("delta_reserved").Immutable(),
		field.Int64("on_hand_after").Immutable(),
		field.Int64("reserved_after").Immutable(),
		field.String("reason").Validate(maxChars(200)).Default("").Immutable(),
		field.Enum("actor_type").Values("staff", "shopper", "system").Immutable(),
		field.Int("actor_id").Optional().Nillable().Immutable(),
		field.Int("order_id").Optional().Nillable().Immutable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Indexes of the StockMovement.
func (StockMovement) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("store_id", "sku_id"),
		index.Fields("order_id"),
	}
}
