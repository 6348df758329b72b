// Same-city rider delivery: the Carrier interface every rider service
// (Dada, and the sandbox's stand-in for it) is reached through, and the
// statuses of wemart's own delivery state machine the carriers' codes map
// into.

package logistics

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"net/http"
	"time"
)

// Rider delivery statuses, wemart's own: a delivery goes requested →
// accepted → arrived → picked_up → delivered, or ends cancelled or failed
// (never after delivered). RiderRank orders them.
const (
	RiderRequested = "requested"
	RiderAccepted  = "accepted"
	RiderArrived   = "arrived"
	RiderPickedUp  = "picked_up"
	RiderDelivered = "delivered"
	RiderCancelled = "cancelled"
	RiderFailed    = "failed"
)

// RiderActive are the statuses of a delivery still under way.
var RiderActive = []string{RiderRequested, RiderAccepted, RiderArrived, RiderPickedUp}

// RiderRank is the place of a status in the forward order of a rider
// delivery (cancelled and failed rank after everything but delivered
// forbids them); 0 for an unknown status.
func RiderRank(status string) int {
	switch status {
	case RiderRequested:
		return 1
	case RiderAccepted:
		return 2
	case RiderArrived:
		return 3
	case RiderPickedUp:
		return 4
	case RiderDelivered, RiderCancelled, RiderFailed:
		return 5
	}
	return 0
}

// RiderBefore are the statuses a delivery may move to status from: the
// earlier active ones (a callback that was lost is skipped over). Final
// statuses never move.
func RiderBefore(status string) []string {
	r := RiderRank(status)
	var out []string
	for _, s := range RiderActive {
		if RiderRank(s) < r {
			out = append(out, s)
		}
	}
	return out
}

// ErrUnsupported is what a carrier answers for an operation it does not
// offer (a rider position, say).
var ErrUnsupported = errors.New("logistics: not supported by this carrier")

// ErrNotFound is what a carrier's Get and Cancel answer (inside a
// not_found errs.Error) when the service says it has no delivery of that
// out_no: it never took it. It is distinct from the service being down
// (unavailable), after which nothing is known.
var ErrNotFound = errors.New("logistics: the rider service has no such delivery")

// Carrier is a same-city rider service. Every method answers an errs.Error:
// unavailable when the service cannot be reached or fails, conflict when it
// refuses a step in the delivery's state (a cancel after pickup), not_found
// wrapping ErrNotFound when it does not know the delivery (Get, Cancel).
type Carrier interface {
	// Code names the carrier ("dada"); shipments keep it as their carrier.
	Code() string
	// Quote prices a delivery: fee in fen, distance in metres, ETA.
	Quote(ctx context.Context, r Request) (Quote, error)
	// Create asks for a rider. It is idempotent on r.OutNo: the same out_no
	// again is the same delivery.
	Create(ctx context.Context, r Request) (Ref, error)
	// Cancel calls a delivery off (before pickup).
	Cancel(ctx context.Context, ref Ref, reason string) error
	// Get is a delivery as the service has it now, by ref.OutNo (for
	// reconciling, and for settling a Create whose answer was lost).
	Get(ctx context.Context, ref Ref) (Snapshot, error)
	// RiderPosition is where the rider is (GCJ-02) and when that was
	// known; ErrUnsupported before a rider has it or where the carrier
	// offers none.
	RiderPosition(ctx context.Context, ref Ref) (lat, lng float64, at time.Time, err error)
	// ParseCallback verifies and reads a status callback of the service,
	// returning the event and the body to acknowledge it with. A callback
	// whose signature does not verify is an errs.Error (unauthenticated or
	// invalid_argument) and must change nothing.
	ParseCallback(r *http.Request) (ev RiderEvent, ack []byte, err error)
}

// Request is a delivery to ask a rider service for. Coordinates are
// GCJ-02.
type Request struct {
	// OutNo is wemart's own id of the delivery (the shipment's out_no).
	OutNo string
	// ShopNo is the store's id at the service; CityCode its city.
	ShopNo   string
	CityCode string
	// Store is where the goods are picked up.
	StoreName, StoreAddress, StorePhone string
	StoreLat, StoreLng                  float64
	// Receiver is who the goods go to.
	ReceiverName, ReceiverPhone, ReceiverAddress string
	ReceiverLat, ReceiverLng                     float64
	// CargoFen is the value of the goods; Info a note for the rider.
	CargoFen int64
	Info     string
	// CallbackURL is where the service posts status changes.
	CallbackURL string
}

// Quote is a service's price for a delivery.
type Quote struct {
	FeeFen    int64
	DistanceM int
	ETA       time.Duration
	// Token identifies the quote at the service (Dada's deliveryNo),
	// for creating the delivery at this price.
	Token string
}

// Ref names a delivery: wemart's out_no and the service's own id.
type Ref struct {
	OutNo      string
	TrackingNo string
	// FeeFen and DistanceM are what Create settled on (zero when unknown).
	FeeFen    int64
	DistanceM int
}

// Rider is the rider of a delivery, once one accepted it.
type Rider struct {
	Name, Phone string
}

// Snapshot is a delivery as the service has it now.
type Snapshot struct {
	// TrackingNo is the service's id of the delivery, where its answer
	// names it ("" otherwise: the first status callback brings it).
	TrackingNo    string
	Status        string // one of the Rider* statuses
	CarrierStatus string // the service's own code
	Rider         Rider
	FeeFen        int64
	DistanceM     int
	Reason        string // why it was cancelled or failed
	UpdatedAt     time.Time
}

// RiderEvent is a status change a rider service reported.
type RiderEvent struct {
	// Carrier is the service's Code.
	Carrier    string
	OutNo      string
	TrackingNo string
	// Status is one of the Rider* statuses; CarrierStatus the service's.
	Status        string
	CarrierStatus string
	Description   string
	Reason        string
	Rider         Rider
	At            time.Time
	// Dedupe identifies the event: the same report again has the same one.
	Dedupe string
}

// RiderServiceNames are the rider services' names for shoppers, by Code.
var RiderServiceNames = map[string]string{DadaCode: "达达秒送"}

// riderStatusText is how the timeline words a rider delivery's status.
var riderStatusText = map[string]string{
	RiderRequested: "等待骑手接单", RiderAccepted: "骑手已接单", RiderArrived: "骑手已到店",
	RiderPickedUp: "骑手已取货，配送中", RiderDelivered: "已送达", RiderCancelled: "配送已取消", RiderFailed: "配送失败",
}

// Confirmed is ev as the rider service itself reports the delivery now
// (snap, from Get). A callback's signature need not cover what it says
// (Dada's covers client_id, order_id and update_time only, with no secret),
// so the status, rider and reason applied are the service's answer, never
// the body's: a forged or stale callback can at most make wemart look
// sooner. Dedupe is the delivery and the service's status, which happens
// once in a delivery's life, so a late or repeated callback records
// nothing new.
func (ev RiderEvent) Confirmed(snap Snapshot) RiderEvent {
	if snap.Status != ev.Status || snap.CarrierStatus != ev.CarrierStatus {
		ev.Description = riderStatusText[snap.Status] // the body's text described another status
		if !snap.UpdatedAt.IsZero() {
			ev.At = snap.UpdatedAt.UTC()
		}
	}
	ev.Status, ev.CarrierStatus = snap.Status, snap.CarrierStatus
	ev.Rider, ev.Reason = snap.Rider, snap.Reason
	sum := md5.Sum([]byte(ev.Carrier + "|" + ev.OutNo + "|" + ev.CarrierStatus))
	ev.Dedupe = hex.EncodeToString(sum[:])
	return ev
}
