package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// Lease is a named lock with an expiry that server processes take in turns
// (by compare-and-set) for work only one of them may do at a time, such as
// applying the search outbox in order.
type Lease struct{ ent.Schema }

// Fields of the Lease.
func (Lease) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").NotEmpty().Validate(maxChars(64)).Immutable(),
		field.String("holder").Validate(maxChars(128)).Default(""),
		field.Time("expires_at"),
	}
}
