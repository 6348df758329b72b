package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// Counter is a named, monotonically increasing number shared by every server
// process, bumped in the same transaction as the change it counts (for
// example "stores": any store change), so a process can tell cheaply whether
// its cached view is current.
type Counter struct{ ent.Schema }

// Fields of the Counter.
func (Counter) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").NotEmpty().Validate(maxChars(64)).Immutable(),
		field.Int64("value").Default(0),
	}
}
