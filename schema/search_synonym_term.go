package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// SearchSynonymTerm is one term of a synonym group, claimed for it: term is
// unique, so two groups can never hold the same term, and a change that
// would give a term to a second group fails on the constraint (written in
// the same transaction as the group).
type SearchSynonymTerm struct{ ent.Schema }

// Fields of the SearchSynonymTerm.
func (SearchSynonymTerm) Fields() []ent.Field {
	return []ent.Field{
		field.String("term").NotEmpty().Validate(maxChars(30)).Unique().Immutable(),
		field.Int("synonym_id").Immutable(),
	}
}

// Edges of the SearchSynonymTerm.
func (SearchSynonymTerm) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("synonym", SearchSynonym.Type).Ref("claims").Field("synonym_id").Unique().Required().Immutable(),
	}
}

// Indexes of the SearchSynonymTerm.
func (SearchSynonymTerm) Indexes() []ent.Index {
	return []ent.Index{index.Fields("synonym_id")}
}
