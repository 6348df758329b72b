package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Shopper is a WeChat user of the mini program, known by the openid that
// code2session returns for our appid.
type Shopper struct{ ent.Schema }

// Mixin of the Shopper.
func (Shopper) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Shopper.
func (Shopper) Fields() []ent.Field {
	return []ent.Field{
		field.String("openid").NotEmpty().Validate(maxChars(64)).Immutable().Unique(),
		field.String("unionid").Optional().Nillable().Validate(maxChars(64)),
		field.String("phone").Optional().Nillable().Validate(maxChars(30)),
		field.String("nickname").Validate(maxChars(64)).Default(""),
		// A media key (POST /api/v1/me/avatar; the API makes it a URL), or
		// an http(s) URL; "" for none.
		field.String("avatar_url").Validate(maxChars(500)).Default(""),
		field.Time("last_login_at").Optional().Nillable(),
		// InviteCode is what the shopper's shares carry (inviter=<code>), made
		// the first time it is asked for.
		field.String("invite_code").Optional().Nillable().Validate(maxChars(16)).Unique(),
	}
}

// Edges of the Shopper.
func (Shopper) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("addresses", Address.Type),
		edge.To("cart_items", CartItem.Type),
		edge.To("orders", Order.Type),
	}
}

// Indexes of the Shopper.
func (Shopper) Indexes() []ent.Index {
	return []ent.Index{index.Fields("unionid")}
}
