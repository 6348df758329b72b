package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// CouponTemplateStatuses are the statuses of a coupon template: only an
// active one gives out coupons.
var CouponTemplateStatuses = []string{"active", "paused"}

// CouponTemplate is a kind of coupon the chain gives out: what it takes off
// (a fixed amount, or a percent with an optional cap), from how much it
// applies, where and on what, how many there are and how long each is
// valid. Coupons are given out by one guarded UPDATE of issued (issued <
// total, and the CHECK below holds it even for a buggy caller); package
// coupons validates every write.
type CouponTemplate struct{ ent.Schema }

// Annotations of the CouponTemplate.
func (CouponTemplate) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{
			"coupon_templates_issued":      "issued >= 0 AND issued <= total",
			"coupon_templates_per_shopper": "per_shopper >= 1 AND per_shopper <= 100",
			"coupon_templates_kind": "((discount_fen IS NOT NULL AND discount_fen >= 1 AND percent_off IS NULL AND max_discount_fen IS NULL)" +
				" OR (discount_fen IS NULL AND percent_off >= 1 AND percent_off <= 99))",
			"coupon_templates_amounts":  "min_spend_fen >= 0 AND (max_discount_fen IS NULL OR max_discount_fen >= 1)",
			"coupon_templates_validity": "((valid_days IS NULL) <> (ends_at IS NULL) AND (valid_days IS NULL OR (valid_days >= 1 AND valid_days <= 3650)))",
		}),
	}
}

// Mixin of the CouponTemplate.
func (CouponTemplate) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the CouponTemplate.
func (CouponTemplate) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().Validate(maxChars(40)),
		field.String("description").Validate(maxChars(200)).Default(""),
		// Exactly one of discount_fen (a fixed amount off) and percent_off
		// (1–99 percent off the lines in scope, at most max_discount_fen).
		field.Int64("discount_fen").Optional().Nillable().Immutable(),
		field.Int("percent_off").Optional().Nillable().Immutable(),
		field.Int64("max_discount_fen").Optional().Nillable().Immutable(),
		// The lines in scope must come to at least this, at their prices.
		field.Int64("min_spend_fen").Default(0).Immutable(),
		// How many coupons there are, and how many were given out.
		field.Int("total"),
		field.Int("issued").Default(0),
		// How many coupons of this template one shopper may hold, ever.
		field.Int("per_shopper").Immutable(),
		// Validity: valid_days from when a coupon is given (valid_days), or
		// the fixed window [starts_at, ends_at] (ends_at); exactly one.
		field.Int("valid_days").Optional().Nillable().Immutable(),
		// The window in which coupons are given out (starts_at null: from
		// creation; ends_at null: no end), for fixed dates also when they
		// are valid.
		field.Time("starts_at").Optional().Nillable().Immutable(),
		field.Time("ends_at").Optional().Nillable(),
		// Shoppers may claim it themselves; false: only staff or rules (a
		// referral reward) issue it.
		field.Bool("claimable").Default(true).Immutable(),
		field.Enum("status").Values(CouponTemplateStatuses...).Default("active"),
		// The stores it is good at (empty: every store), and the products
		// and categories it covers (both empty: every product; else a line
		// is covered when its product or its category is listed).
		field.JSON("store_ids", []int{}).Immutable(),
		field.JSON("category_ids", []int{}).Immutable(),
		field.JSON("product_ids", []int{}).Immutable(),
	}
}

// Edges of the CouponTemplate.
func (CouponTemplate) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("coupons", Coupon.Type),
	}
}
