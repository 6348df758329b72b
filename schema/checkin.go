package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Checkin is a shopper's daily check-in: the unique (shopper_id, day)
// allows one a day, however many requests race.
type Checkin struct{ ent.Schema }

// Fields of the Checkin.
func (Checkin) Fields() []ent.Field {
	return []ent.Field{
		field.Int("shopper_id").Immutable(),
		// Day is the calendar day in Beijing (UTC+8), YYYY-MM-DD.
		field.String("day").NotEmpty().Validate(maxChars(10)).Immutable(),
		field.Int64("points").Immutable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Indexes of the Checkin.
func (Checkin) Indexes() []ent.Index {
	return []ent.Index{index.Fields("shopper_id", "day").Unique()}
}
