package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// CounterSale is an in-store purchase of an identified member, recorded by
// staff from a member scan: it earns points at once and counts for the
// member's level. The unique (store_id, receipt_no) makes a retried
// request the same sale; the unique scan_id, one sale per scan.
type CounterSale struct{ ent.Schema }

// Annotations of the CounterSale.
func (CounterSale) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{"counter_sales_amount": "amount_fen > 0 AND points >= 0"}),
	}
}

// Fields of the CounterSale.
func (CounterSale) Fields() []ent.Field {
	return []ent.Field{
		field.Int("store_id").Immutable(),
		field.String("receipt_no").NotEmpty().Validate(maxChars(32)).Immutable(),
		field.Int("scan_id").Immutable().Unique(),
		field.Int("shopper_id").Immutable(),
		field.Int64("amount_fen").Immutable(),
		field.Int64("points").Immutable(),
		field.Int("staff_id").Immutable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Indexes of the CounterSale.
func (CounterSale) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("store_id", "receipt_no").Unique(),
		index.Fields("shopper_id", "created_at"),
	}
}
