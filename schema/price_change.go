package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PriceChange is the price ledger: one immutable row per change of a SKU's
// chain price (store_id null) or of a store's own price for it, written in
// the same transaction as the change, saying who changed it, when, and what
// price it replaced: the old price is the one the compare-and-set actually
// replaced, so the rows of a SKU chain old → new without gaps.
type PriceChange struct{ ent.Schema }

// Fields of the PriceChange.
func (PriceChange) Fields() []ent.Field {
	return []ent.Field{
		field.Int("sku_id").Immutable(),
		// The store whose own price changed; null: the chain price.
		field.Int("store_id").Optional().Nillable().Immutable(),
		// For a store, null means "no price of its own" (the chain price applied
		// or applies again); a chain price is never null.
		field.Int64("old_price_fen").Optional().Nillable().Immutable(),
		field.Int64("new_price_fen").Optional().Nillable().Immutable(),
		field.Enum("actor_type").Values("staff", "system").Immutable(),
		field.Int("actor_id").Optional().Nillable().Immutable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Indexes of the PriceChange.
func (PriceChange) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("sku_id", "store_id"),
	}
}
