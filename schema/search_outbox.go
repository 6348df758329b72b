package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// SearchOutbox is the search index's to-do list: a row per product whose
// search document may have changed, written in the same transaction as the
// change (a price, a title, stock running out at a store), so a process dying
// between commit and indexing loses nothing. The indexer applies rows in
// order and marks them processed; processed rows are kept a while so a
// rebuild can replay what changed while it ran.
type SearchOutbox struct{ ent.Schema }

// Fields of the SearchOutbox.
func (SearchOutbox) Fields() []ent.Field {
	return []ent.Field{
		field.Int("product_id").Immutable(),
		field.Time("created_at").Default(now).Immutable(),
		field.Time("processed_at").Optional().Nillable(),
	}
}

// Indexes of the SearchOutbox.
func (SearchOutbox) Indexes() []ent.Index {
	return []ent.Index{index.Fields("processed_at", "id")}
}
