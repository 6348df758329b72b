package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Staff is an account of the admin API. admin runs the chain; manager runs the
// catalogue and stores (one store when store_id is set); clerk works the stock
// of exactly one store.
type Staff struct{ ent.Schema }

// Annotations of the Staff.
func (Staff) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "staff"}}
}

// Mixin of the Staff.
func (Staff) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Staff.
func (Staff) Fields() []ent.Field {
	return []ent.Field{
		field.String("username").NotEmpty().Validate(maxChars(64)).Unique(),
		field.String("display_name").Validate(maxChars(64)).Default(""),
		// bcrypt hash; never leaves the server.
		field.String("password_hash").Sensitive(),
		field.Enum("role").Values("admin", "manager", "clerk"),
		field.Int("store_id").Optional().Nillable(),
		field.Bool("disabled").Default(false),
		field.Time("last_login_at").Optional().Nillable(),
		// Tokens carry the version they were issued under: a password change,
		// a disable/enable and a logout bump it, revoking every earlier token.
		field.Int("token_version").Default(1),
	}
}

// Edges of the Staff.
func (Staff) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("store", Store.Type).Ref("staff").Field("store_id").Unique(),
	}
}
