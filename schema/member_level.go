package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// MemberLevel is a membership level: a shopper is at the highest level
// whose min_spend_fen her spend of the last year reaches, and gets its
// benefits at checkout (a percent off the goods, free delivery). Staff
// replace the whole list at once; package members seeds it when empty.
type MemberLevel struct{ ent.Schema }

// Annotations of the MemberLevel.
func (MemberLevel) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{
			"member_levels_values": "min_spend_fen >= 0 AND percent_off >= 0 AND percent_off <= 50",
		}),
	}
}

// Fields of the MemberLevel.
func (MemberLevel) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().Validate(maxChars(20)).Unique(),
		field.Int64("min_spend_fen").Min(0).Unique(),
		field.Int("percent_off").Range(0, 50).Default(0),
		field.Bool("free_delivery").Default(false),
	}
}
