package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// MemberScan is a member code staff scanned at a store's counter: the
// code's nonce is unique, so a code identifies its shopper once. A counter
// sale then uses the scan (used), before it expires.
type MemberScan struct{ ent.Schema }

// Fields of the MemberScan.
func (MemberScan) Fields() []ent.Field {
	return []ent.Field{
		field.String("nonce").NotEmpty().Validate(maxChars(32)).Immutable().Unique(),
		field.Int("shopper_id").Immutable(),
		field.Int("store_id").Immutable(),
		field.Int("staff_id").Immutable(),
		field.Time("created_at").Default(now).Immutable(),
		field.Time("expires_at").Immutable(),
		field.Bool("used").Default(false),
	}
}
