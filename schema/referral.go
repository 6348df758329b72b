package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Referral binds a shopper to the shopper whose share brought them in: one
// row per invited shopper (the unique shopper_id makes the first touch win),
// written once at their first login and never changed but for the reward of
// their first completed order.
type Referral struct{ ent.Schema }

// Annotations of the Referral.
func (Referral) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{"referrals_not_self": "shopper_id <> inviter_id"}),
	}
}

// Mixin of the Referral.
func (Referral) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Referral.
func (Referral) Fields() []ent.Field {
	return []ent.Field{
		field.Int("shopper_id").Immutable().Unique(),
		field.Int("inviter_id").Immutable(),
		// Source is how the invited shopper came (a chat share, Moments, a
		// poster), as the mini program reports it.
		field.String("source").Validate(maxChars(16)).Default("share").Immutable(),
		// RewardOrderID is the invited shopper's first completed order, the
		// one the inviter was rewarded for.
		field.Int("reward_order_id").Optional().Nillable(),
		field.Enum("reward_status").Values("none", "granted", "revoked").Default("none"),
		field.Int64("reward_points").Default(0),
		field.Int("reward_coupon_id").Optional().Nillable(),
		field.Time("rewarded_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Indexes of the Referral.
func (Referral) Indexes() []ent.Index {
	return []ent.Index{index.Fields("inviter_id")}
}
