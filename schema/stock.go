package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Stock is how many units of one SKU one store holds. on_hand counts units
// physically in the store; reserved counts those promised to unpaid or unfulfilled
// orders; available = on_hand - reserved is what can still be sold. Every change
// is a conditional UPDATE plus a StockMovement row in the same transaction, and
// the CHECK constraints make an oversell impossible even for a buggy caller.
// The row also holds the store's own price of the SKU, when it has one: every
// shopper read at a store (cart, checkout, product page) reads this row anyway.
type Stock struct{ ent.Schema }

// Annotations of the Stock.
func (Stock) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{
			"stocks_on_hand_nonneg":  "on_hand >= 0",
			"stocks_reserved_nonneg": "reserved >= 0",
			"stocks_reserved_le":     "reserved <= on_hand",
		}),
	}
}

// Mixin of the Stock.
func (Stock) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Stock.
func (Stock) Fields() []ent.Field {
	return []ent.Field{
		field.Int("store_id"),
		field.Int("sku_id"),
		field.Int64("on_hand").Default(0),
		field.Int64("reserved").Default(0),
		// Below this many available units the row shows in the low-stock list.
		field.Int64("low_stock_threshold").Default(5),
		// The store's own price, overriding the SKU's chain price at this store;
		// null: the chain price applies. Changed only by compare-and-set, each
		// change with a PriceChange row. (No CHECK on it: SQLite cannot add one
		// to a table in place, and rebuilding the stock table is not worth it;
		// package prices validates every write like the chain price.)
		field.Int64("price_fen").Optional().Nillable(),
	}
}

// Edges of the Stock.
func (Stock) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("store", Store.Type).Ref("stocks").Field("store_id").Unique().Required(),
		edge.From("sku", Sku.Type).Ref("stocks").Field("sku_id").Unique().Required(),
	}
}

// Indexes of the Stock.
func (Stock) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("store_id", "sku_id").Unique(),
		index.Fields("sku_id"),
		// A store's own prices are few among its rows: searches at a store
		// read them all, through this partial index.
		index.Fields("store_id", "sku_id").StorageKey("stock_own_prices").
			Annotations(entsql.IndexWhere("price_fen IS NOT NULL")),
	}
}
