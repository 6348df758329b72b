// Package types holds the Go types stored in JSON columns of the data model.
// They are plain values with no behaviour beyond validation-free shape, so the
// generated ent code and every service can share them without import cycles.
package types

// OpeningPeriod is one opening interval of a store on one ISO weekday
// (1 = Monday … 7 = Sunday), in the store's own time zone. Open and Close are
// "HH:MM"; Close may be "24:00", and a Close earlier than Open runs past
// midnight into the next day.
type OpeningPeriod struct {
	Weekday int    `json:"weekday"`
	Open    string `json:"open"`
	Close   string `json:"close"`
}

// Polygon is a GeoJSON Polygon geometry in GCJ-02 ([lng, lat] pairs, as GeoJSON
// orders them). The first ring is the outline, further rings are holes.
type Polygon struct {
	Type        string         `json:"type"`
	Coordinates [][][2]float64 `json:"coordinates"`
}

// AddressSnapshot is the delivery address copied onto an order when it is
// placed, so later edits to the shopper's address book do not rewrite history.
type AddressSnapshot struct {
	AddressID int      `json:"address_id,omitempty"`
	Contact   string   `json:"contact"`
	Phone     string   `json:"phone"`
	Province  string   `json:"province,omitempty"`
	City      string   `json:"city,omitempty"`
	District  string   `json:"district,omitempty"`
	Detail    string   `json:"detail"`
	Lat       *float64 `json:"lat,omitempty"`
	Lng       *float64 `json:"lng,omitempty"`
}

// RefundLine is one order line (or part of it) that a refund covers.
type RefundLine struct {
	OrderItemID int `json:"order_item_id"`
	Quantity    int `json:"quantity"`
}
