package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Product is a catalogue entry (SPU) shared by every store; what is sold and
// stocked are its SKUs.
type Product struct{ ent.Schema }

// Annotations of the Product.
func (Product) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{"products_sales": "sales >= 0"}),
	}
}

// Mixin of the Product.
func (Product) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, SoftDeleteMixin{}} }

// Fields of the Product.
func (Product) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").NotEmpty().Validate(maxChars(120)),
		field.String("subtitle").Validate(maxChars(200)).Default(""),
		field.Text("description").Default(""),
		field.Int("category_id").Optional().Nillable(),
		// Pictures hosted elsewhere, as http(s) URLs staff typed in; the
		// uploaded ones are the pictures edge (product_images).
		field.JSON("images", []string{}).Optional(),
		// Only listed products are shown to shoppers.
		field.Enum("status").Values("listed", "unlisted").Default("listed"),
		// Units sold across the chain, for "sort by sales".
		field.Int64("sales").Default(0),
		// The media key of the main uploaded picture (the pictures row at
		// position 0), kept in step with it in the same transaction; "" when
		// the product has none.
		field.String("image_key").Default(""),
		// Other names shoppers search the product by, given by staff:
		// English names (milk, coke), common names (泡面 for 方便面).
		// Package catalog keeps them trimmed, at most 10, unique ignoring
		// case; the search index matches them as it matches the title.
		field.JSON("aliases", []string{}).Default([]string{}).Annotations(entsql.Default("[]")),
	}
}

// Edges of the Product.
func (Product) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("category", Category.Type).Ref("products").Field("category_id").Unique(),
		edge.To("skus", Sku.Type),
		edge.To("pictures", ProductImage.Type),
	}
}

// Indexes of the Product.
func (Product) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("category_id"),
		index.Fields("deleted_at", "status"),
	}
}
