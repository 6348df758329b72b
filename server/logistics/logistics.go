// Package logistics is how wemart's goods travel once they leave a store:
// express parcels handed to a carrier (the express companies WeChat knows,
// their tracking numbers, and a tracking provider — Kuaidi100 — that is
// subscribed to each parcel and pushes its progress back) and same-city
// riders.
//
// For parcels, a Provider turns its own protocol into Tracks: the parcel's
// state mapped onto wemart's shipment statuses (ent/shipment) and its
// events, newest first. A Provider never decides what a Track means for an
// order; package orders does.
package logistics

import "wemart/ent/shipment"

// parcelRank orders the statuses a parcel moves through; a parcel only
// moves forward. problem and the final statuses are handled by Predecessors.
var parcelRank = map[shipment.Status]int{
	shipment.StatusCreated: 0, shipment.StatusCollected: 1, shipment.StatusInTransit: 2,
	shipment.StatusOutForDelivery: 3, shipment.StatusSigned: 4,
}

// Predecessors are the statuses a parcel may move to st from: only
// forward along created < collected < in_transit < out_for_delivery <
// signed; problem may come and go before the parcel is signed (but does not
// take it back to collected); returned, rejected and signed are final.
func Predecessors(st shipment.Status) []shipment.Status {
	all := []shipment.Status{shipment.StatusCreated, shipment.StatusCollected, shipment.StatusInTransit,
		shipment.StatusOutForDelivery, shipment.StatusProblem}
	var out []shipment.Status
	for _, from := range all {
		if from == st {
			continue
		}
		switch st {
		case shipment.StatusProblem, shipment.StatusReturned, shipment.StatusRejected, shipment.StatusSigned:
			out = append(out, from)
		default:
			r, ok := parcelRank[st]
			if !ok {
				return nil
			}
			if from == shipment.StatusProblem {
				if st != shipment.StatusCollected {
					out = append(out, from)
				}
				continue
			}
			if parcelRank[from] < r {
				out = append(out, from)
			}
		}
	}
	return out
}
