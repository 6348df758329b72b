package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Address is an entry of a shopper's address book; lat/lng (GCJ-02, from the
// mini program's map picker) decide which stores can deliver there.
type Address struct{ ent.Schema }

// Mixin of the Address.
func (Address) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, SoftDeleteMixin{}} }

// Fields of the Address.
func (Address) Fields() []ent.Field {
	return []ent.Field{
		field.Int("shopper_id"),
		field.String("contact").NotEmpty().Validate(maxChars(50)),
		field.String("phone").NotEmpty().Validate(maxChars(30)),
		field.String("province").Validate(maxChars(30)).Default(""),
		field.String("city").Validate(maxChars(30)).Default(""),
		field.String("district").Validate(maxChars(30)).Default(""),
		field.String("detail").NotEmpty().Validate(maxChars(200)),
		field.Float("lat").Optional().Nillable(),
		field.Float("lng").Optional().Nillable(),
		field.Bool("is_default").Default(false),
	}
}

// Edges of the Address.
func (Address) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("shopper", Shopper.Type).Ref("addresses").Field("shopper_id").Unique().Required(),
	}
}

// Indexes of the Address.
func (Address) Indexes() []ent.Index {
	return []ent.Index{index.Fields("shopper_id")}
}
