package logistics

import (
	"context"
	"errors"
	"net/http"
	"time"

	"wemart/ent/shipment"
)

// Query names one parcel at a tracking provider.
type Query struct {
	// Carrier is WeChat's express company id (SF, ZTO, ...).
	Carrier string
	// Number is the carrier's tracking number.
	Number string
	// Phone is the receiver's phone (SF and some others need it; only its
	// last four digits matter to them).
	Phone string
	// CallbackURL is where the provider pushes updates (Subscribe).
	CallbackURL string
}

// Track is what a provider knows about one parcel.
type Track struct {
	// Carrier is WeChat's express company id ("" when the provider named a
	// carrier wemart does not know).
	Carrier string
	Number  string
	// Status is the parcel's state as a shipment status (collected,
	// in_transit, out_for_delivery, signed, problem, returned, rejected).
	Status shipment.Status
	// Events are the parcel's events, newest first.
	Events []Event
	// Ended is set when the provider stopped tracking the parcel (signed,
	// or given up on).
	Ended bool
}

// Event is one step of a parcel's journey as its carrier reported it.
type Event struct {
	Status   shipment.Status
	Time     time.Time
	Text     string
	Location string
}

// Provider is a parcel tracking service.
type Provider interface {
	// Subscribe asks the provider to push the parcel's updates to
	// q.CallbackURL. It is idempotent: a parcel already subscribed is nil.
	Subscribe(ctx context.Context, q Query) error
	// Query asks for the parcel's track now.
	Query(ctx context.Context, q Query) (Track, error)
	// ParsePush reads a push the provider posted to the callback URL,
	// verifying its signature before anything else, and returns the track
	// and the answer the provider expects once the track is stored.
	ParsePush(r *http.Request) (Track, []byte, error)
}

// ErrRefused wraps a provider's refusal that retrying cannot mend (a bad
// key, a number or carrier it does not accept).
var ErrRefused = errors.New("refused by the tracking provider")

// ErrForged is a push whose signature does not verify.
var ErrForged = errors.New("the push's signature does not verify")
