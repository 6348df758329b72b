package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"wemart/schema/types"
)

// Store is a physical shop of the chain: where shoppers pick up, where stock
// lives, and the origin of deliveries.
type Store struct{ ent.Schema }

// Annotations of the Store.
func (Store) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{
			"stores_lat_range":        "lat >= -90 AND lat <= 90",
			"stores_lng_range":        "lng >= -180 AND lng <= 180",
			"stores_delivery_radius":  "delivery_radius_m >= 0",
			"stores_delivery_fee_fen": "delivery_fee_fen >= 0",
		}),
	}
}

// Mixin of the Store.
func (Store) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, SoftDeleteMixin{}} }

// Fields of the Store.
func (Store) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().Validate(maxChars(100)),
		field.String("address").Validate(maxChars(300)).Default(""),
		field.String("city").Validate(maxChars(50)).Default(""),
		field.String("phone").Validate(maxChars(30)).Default(""),
		// GCJ-02, the frame wx.getLocation({type: 'gcj02'}) answers in.
		field.Float("lat"),
		field.Float("lng"),
		// H3 cells of (lat, lng) at three resolutions, for indexed nearby search:
		// r5 (~9.9 km edge) for wide radii, r7 (~1.4 km) and r8 (~0.5 km) for close ones.
		field.Int64("h3_r5"),
		field.Int64("h3_r7"),
		field.Int64("h3_r8"),
		field.String("timezone").Default("Asia/Shanghai"),
		field.JSON("opening_hours", []types.OpeningPeriod{}),
		field.Enum("status").Values("open", "closed").Default("open"),
		field.Bool("pickup").Default(true),
		field.Bool("delivery").Default(false),
		field.Int("delivery_radius_m").Default(0),
		field.Int64("delivery_fee_fen").Default(0),
		field.Int64("delivery_min_fen").Default(0),
		// Optional delivery zone drawn by staff; its H3 cells are in store_delivery_cells.
		field.JSON("delivery_zone", &types.Polygon{}).Optional(),
		// The value of the "stores" counter when the row last changed: processes
		// keeping an in-memory index of stores reload exactly the rows newer
		// than the counter they last saw. (Nullable with no default so SQLite
		// can add it in place; NULL rows predate the counter.)
		field.Int64("version").Optional(),
	}
}

// Edges of the Store.
func (Store) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("stocks", Stock.Type),
		edge.To("delivery_cells", StoreDeliveryCell.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("staff", Staff.Type),
		edge.To("orders", Order.Type),
		edge.To("cart_items", CartItem.Type),
	}
}

// Indexes of the Store.
func (Store) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("h3_r5"),
		index.Fields("h3_r7"),
		index.Fields("h3_r8"),
		index.Fields("deleted_at", "status"),
		index.Fields("version"),
		// For bounding-box queries (the baseline the H3 search is measured against).
		index.Fields("lat", "lng"),
	}
}
