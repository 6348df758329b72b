package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// CouponStatuses are the statuses a coupon is stored in. An unused coupon
// whose valid_until has passed is expired for every reader, whether or not
// its row says so yet.
var CouponStatuses = []string{"unused", "locked", "used", "expired", "revoked"}

// Coupon is one coupon a shopper holds, given out from a template. The
// unique (template_id, shopper_id, seq), seq counting the shopper's
// coupons of the template from 0, is what holds the per-shopper limit
// whatever races. Its status moves only by compare-and-set: unused →
// locked (by an unpaid order) → used (paid), back to unused (the order
// cancelled or refunded) or expired; unused → revoked (a reward taken back).
type Coupon struct{ ent.Schema }

// Annotations of the Coupon.
func (Coupon) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{
			"coupons_seq":      "seq >= 0 AND seq < 100",
			"coupons_validity": "valid_until > valid_from",
		}),
	}
}

// Mixin of the Coupon.
func (Coupon) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Coupon.
func (Coupon) Fields() []ent.Field {
	return []ent.Field{
		field.Int("template_id").Immutable(),
		// The shopper who holds it (no foreign key: shoppers are never deleted).
		field.Int("shopper_id").Immutable(),
		field.Int("seq").Immutable(),
		field.Enum("status").Values(CouponStatuses...).Default("unused"),
		// When it may be used, fixed when it is given out.
		field.Time("valid_from").Immutable(),
		field.Time("valid_until").Immutable(),
		// The order that last locked it: that order's while locked or used.
		field.Int("order_id").Optional().Nillable(),
		field.Enum("source").Values("claim", "staff", "referral").Immutable(),
		field.Time("used_at").Optional().Nillable(),
	}
}

// Edges of the Coupon.
func (Coupon) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("template", CouponTemplate.Type).Ref("coupons").Field("template_id").Unique().Required().Immutable(),
	}
}

// Indexes of the Coupon.
func (Coupon) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("template_id", "shopper_id", "seq").Unique(),
		index.Fields("shopper_id", "status"),
		// An order's moves find its coupon.
		index.Fields("order_id"),
	}
}
