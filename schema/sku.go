package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Sku is one sellable variant of a product ("500ml", "6-pack"): it has the
// price and the barcode, and stores stock SKUs, not products.
type Sku struct{ ent.Schema }

// Annotations of the Sku.
func (Sku) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{"skus_price_fen": "price_fen >= 0"}),
	}
}

// Mixin of the Sku.
func (Sku) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, SoftDeleteMixin{}} }

// Fields of the Sku.
func (Sku) Fields() []ent.Field {
	return []ent.Field{
		field.Int("product_id"),
		field.String("name").NotEmpty().Validate(maxChars(60)),
		field.Int64("price_fen"),
		// EAN-13 (or another GTIN) printed on the pack; unique across the chain.
		field.String("barcode").Optional().Nillable().Validate(maxChars(14)),
		field.Int("sort").Default(0),
	}
}

// Edges of the Sku.
func (Sku) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("product", Product.Type).Ref("skus").Field("product_id").Unique().Required(),
		edge.To("stocks", Stock.Type),
	}
}

// Indexes of the Sku.
func (Sku) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("product_id"),
		index.Fields("barcode").Unique(),
	}
}
