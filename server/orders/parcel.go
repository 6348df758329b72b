package orders

import (
	"fmt"

	"wemart/server/errs"
	"wemart/server/logistics"
)

// MaxParcels is how many parcels one order may ship in.
const MaxParcels = 10

// Parcel is an express parcel staff hand to a carrier: WeChat's express
// company id and the carrier's tracking number.
type Parcel struct {
	Carrier    string `json:"carrier"`
	TrackingNo string `json:"tracking_no"`
}

// ShipInput is the body of the ship step: one parcel ({"carrier",
// "tracking_no"}) or several ({"parcels": [...]}), exactly one of the two.
type ShipInput struct {
	Carrier    string   `json:"carrier"`
	TrackingNo string   `json:"tracking_no"`
	Parcels    []Parcel `json:"parcels"`
}

// List is the input's parcels, checked: 1 to MaxParcels of them, each of a
// known company with a tracking number of its shape (normalized), none
// twice. A refusal names the field.
func (in ShipInput) List() ([]Parcel, error) {
	single := in.Carrier != "" || in.TrackingNo != ""
	switch {
	case single && in.Parcels != nil:
		return nil, errs.InvalidField("parcels", "give either carrier and tracking_no, or parcels, not both")
	case single:
		return checkParcels([]Parcel{{Carrier: in.Carrier, TrackingNo: in.TrackingNo}}, func(_ int, f string) string { return f })
	case in.Parcels == nil:
		return nil, errs.InvalidField("carrier", "is required (with tracking_no), or parcels")
	}
	return checkParcels(in.Parcels, func(i int, f string) string { return fmt.Sprintf("parcels[%d].%s", i, f) })
}

// checkParcels checks and normalizes parcels; field names a parcel's field
// for a refusal.
func checkParcels(parcels []Parcel, field func(i int, f string) string) ([]Parcel, error) {
	if len(parcels) == 0 || len(parcels) > MaxParcels {
		return nil, errs.InvalidField("parcels", "must list 1 to %d parcels", MaxParcels)
	}
	out := make([]Parcel, len(parcels))
	seen := map[string]bool{}
	for i, p := range parcels {
		co, ok := logistics.CompanyByID(p.Carrier)
		if !ok {
			return nil, errs.InvalidField(field(i, "carrier"), "%q is not an express company wemart ships with (GET /admin/v1/express-companies lists them)", p.Carrier)
		}
		no := logistics.Normalize(p.TrackingNo)
		if no == "" {
			return nil, errs.InvalidField(field(i, "tracking_no"), "is required")
		}
		if !co.ValidNumber(no) {
			return nil, errs.InvalidField(field(i, "tracking_no"), "%q is not a %s tracking number", p.TrackingNo, co.Name)
		}
		if seen[co.ID+" "+no] {
			return nil, errs.InvalidField(field(i, "tracking_no"), "%s %s is listed twice", co.ID, no)
		}
		seen[co.ID+" "+no] = true
		out[i] = Parcel{Carrier: co.ID, TrackingNo: no}
	}
	return out, nil
}
