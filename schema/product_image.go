package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ProductImage is a picture staff uploaded for a product: the media store
// holds the bytes under a content-addressed key (sha256 of the re-encoded
// picture and its extension, package media), this row what the API shows
// of it. Position 0 is the product's main picture, whose key the product
// row repeats (products.image_key) so that every reader of a product has
// its picture without another query.
type ProductImage struct{ ent.Schema }

// Annotations of the ProductImage.
func (ProductImage) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Checks(map[string]string{
			"product_images_size": "width > 0 AND height > 0 AND bytes > 0 AND position >= 0",
		}),
	}
}

// Fields of the ProductImage.
func (ProductImage) Fields() []ent.Field {
	return []ent.Field{
		field.Int("product_id").Immutable(),
		field.String("key").NotEmpty().Validate(maxChars(100)).Immutable(),
		field.String("content_type").NotEmpty().Immutable(),
		field.Int("width").Immutable(),
		field.Int("height").Immutable(),
		field.Int64("bytes").Immutable(),
		field.Int("position"),
		field.Time("created_at").Default(now).Immutable(),
	}
}

// Edges of the ProductImage.
func (ProductImage) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("product", Product.Type).Ref("pictures").Field("product_id").Unique().Required().Immutable(),
	}
}

// Indexes of the ProductImage.
func (ProductImage) Indexes() []ent.Index {
	return []ent.Index{
		// A product holds a picture once (an upload of the same bytes
		// again finds it).
		index.Fields("product_id", "key").Unique(),
		index.Fields("key"),
	}
}
