package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// SubscribeGrant is how many subscribe messages of one template a shopper
// accepted to receive (wx.requestSubscribeMessage: one message per accept).
// Sending one takes one by a conditional update in the transaction that
// enqueues the message.
type SubscribeGrant struct{ ent.Schema }

// Mixin of the SubscribeGrant.
func (SubscribeGrant) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the SubscribeGrant.
func (SubscribeGrant) Fields() []ent.Field {
	return []ent.Field{
		field.Int("shopper_id").Immutable(),
		field.String("template_id").NotEmpty().Validate(maxChars(128)).Immutable(),
		field.Int("remaining").Default(0),
		// LastResult is what the shopper answered last (accept, reject, ban, filter).
		field.String("last_result").Validate(maxChars(16)).Default(""),
	}
}

// Indexes of the SubscribeGrant.
func (SubscribeGrant) Indexes() []ent.Index {
	return []ent.Index{index.Fields("shopper_id", "template_id").Unique()}
}
