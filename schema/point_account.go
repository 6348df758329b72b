package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// PointAccount is a shopper's points balance, the sum of her point_entries,
// kept in the same transaction as each entry. Its id is the shopper's id.
// Available may be below zero: points taken back for a refund after they
// were spent leave a debt, shown as it is.
type PointAccount struct{ ent.Schema }

// Fields of the PointAccount.
func (PointAccount) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").StorageKey("shopper_id").Immutable(),
		// Available can be spent; pending is earned by orders not yet
		// completed.
		field.Int64("available").Default(0),
		field.Int64("pending").Default(0),
		field.Time("updated_at").Default(now).UpdateDefault(now),
	}
}
