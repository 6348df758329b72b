package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PointKinds are the kinds of point ledger entries (package members says
// what each does).
var PointKinds = []string{
	"earn", "release", "clawback", "spend", "spend_return", "respend",
	"checkin", "counter_sale", "referral", "referral_clawback", "adjust",
}

// PointEntry is the points ledger: one immutable row per change of a
// shopper's points, written in the same transaction as the change to
// point_accounts. The unique (kind, ref_type, ref_id) makes each change
// happen once, however often the hook that causes it runs: a second
// attempt inserts nothing (ON CONFLICT DO NOTHING) and changes nothing.
// Replaying a shopper's entries gives her account's available and pending.
type PointEntry struct{ ent.Schema }

// Fields of the PointEntry.
func (PointEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int("shopper_id").Immutable(),
		field.Enum("kind").Values(PointKinds...).Immutable(),
		// What caused it: order, refund, checkin, counter_sale, shopper.
		field.String("ref_type").NotEmpty().Validate(maxChars(16)).Immutable(),
		field.Int("ref_id").Immutable(),
		field.Int64("available_delta").Immutable(),
		field.Int64("pending_delta").Immutable(),
		// OrderID is the shopper's own order the entry is about (earn,
		// release, clawback, spend and kin); nil for the others.
		field.Int("order_id").Optional().Nillable().Immutable(),
		// GoodsRefundedFen is, on a clawback, the goods part of the refund
		// it answers: later refunds of the order count from it.
		field.Int64("goods_refunded_fen").Default(0).Immutable(),
		field.String("note").Validate(maxChars(100)).Default("").Immutable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Indexes of the PointEntry.
func (PointEntry) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("kind", "ref_type", "ref_id").Unique(),
		index.Fields("shopper_id"),
		index.Fields("order_id"),
	}
}
