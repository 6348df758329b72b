package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Job is a call wemart owes an outside service (WeChat's shipping-info API,
// a subscribe message, a parcel tracking subscription), written in the same
// transaction as the change that makes it due, so a crash between commit and
// call loses nothing. Workers in every process claim due jobs with a
// conditional update on their lease, so one call is made at a time per job;
// Key makes enqueueing the same job twice a no-op.
type Job struct{ ent.Schema }

// Mixin of the Job.
func (Job) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Job.
func (Job) Fields() []ent.Field {
	return []ent.Field{
		field.String("kind").NotEmpty().Validate(maxChars(32)).Immutable(),
		field.String("key").NotEmpty().Validate(maxChars(128)).Immutable().Unique(),
		field.Int("order_id").Optional().Nillable().Immutable(),
		// Payload is the job's arguments as JSON.
		field.Text("payload").Default("{}"),
		field.Enum("state").Values("pending", "done", "failed").Default("pending"),
		field.Int("attempts").Default(0),
		field.Time("next_at"),
		// LeaseUntil is how long the worker that claimed it owns it.
		field.Time("lease_until").Optional().Nillable(),
		field.String("last_error").Validate(maxChars(300)).Default(""),
		field.Time("done_at").Optional().Nillable(),
	}
}

// Indexes of the Job.
func (Job) Indexes() []ent.Index {
	return []ent.Index{index.Fields("state", "next_at"), index.Fields("order_id")}
}
