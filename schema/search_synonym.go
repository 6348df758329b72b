package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// SearchSynonym is a group of search terms staff declared equivalent (可乐,
// coke, cola): a search for any of them finds what each finds. Terms are
// stored folded (lower case, full-width Latin and digits as ASCII); package
// synonyms keeps them valid. Each term is also claimed by a row of
// search_synonym_terms, whose unique term column keeps a term in one group
// at most, whatever writes race.
type SearchSynonym struct{ ent.Schema }

// Mixin of the SearchSynonym.
func (SearchSynonym) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the SearchSynonym.
func (SearchSynonym) Fields() []ent.Field {
	return []ent.Field{
		// The group's terms in the order staff gave them.
		field.JSON("terms", []string{}),
	}
}

// Edges of the SearchSynonym.
func (SearchSynonym) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("claims", SearchSynonymTerm.Type),
	}
}
