package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// LoginThrottle counts wrong staff passwords in a row for one username, and
// says when the next attempt is allowed (exponential backoff). It is kept
// by username, not on the account, so a username that does not exist backs
// off exactly like one that does: the answers tell an attacker nothing. It
// lives in the database so every process enforces the same limit.
type LoginThrottle struct{ ent.Schema }

// Fields of the LoginThrottle.
func (LoginThrottle) Fields() []ent.Field {
	return []ent.Field{
		field.String("username").NotEmpty().Validate(maxChars(64)).Immutable().Unique(),
		field.Int("failures").Default(0),
		field.Time("blocked_until").Optional().Nillable(),
		// A row untouched for a day starts over (and is deleted).
		field.Time("updated_at").Default(now),
	}
}

// Indexes of the LoginThrottle.
func (LoginThrottle) Indexes() []ent.Index {
	return []ent.Index{index.Fields("updated_at")}
}
