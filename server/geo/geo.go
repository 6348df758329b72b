// Package geo holds wemart's location arithmetic: coordinate checks,
// great-circle distance, and the H3 cells stores are indexed by. Every
// coordinate is GCJ-02 (what wx.getLocation({type: 'gcj02'}) returns and what
// Chinese maps draw in); H3 and haversine are frame-agnostic over the few
// hundred metres GCJ-02 shifts by, so no datum conversion happens anywhere.
package geo

import (
	"fmt"
	"math"

	"github.com/uber/h3-go/v4"
)

// EarthRadiusM is the mean Earth radius used for distances, in metres.
const EarthRadiusM = 6371008.8

// Point is a GCJ-02 coordinate in degrees.
type Point struct {
	Lat float64
	Lng float64
}

// Valid reports whether p is a finite coordinate inside the usual ranges.
func (p Point) Valid() bool {
	return !math.IsNaN(p.Lat) && !math.IsNaN(p.Lng) &&
		p.Lat >= -90 && p.Lat <= 90 && p.Lng >= -180 && p.Lng <= 180
}

const rad = math.Pi / 180

// DistanceM is the great-circle (haversine) distance between a and b in metres.
func DistanceM(a, b Point) float64 { return havMetres(hav(a, b)) }

// hav is the haversine of the central angle between a and b:
// sin²(Δφ/2) + cos φa·cos φb·sin²(Δλ/2). It grows with the distance, so
// searches compare it and take the arcsine only for what they return.
func hav(a, b Point) float64 {
	sLat := math.Sin((b.Lat - a.Lat) * rad / 2)
	sLng := math.Sin((b.Lng - a.Lng) * rad / 2)
	return sLat*sLat + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*sLng*sLng
}

// havMetres turns a haversine back into metres.
func havMetres(h float64) float64 { return 2 * EarthRadiusM * math.Asin(math.Min(1, math.Sqrt(h))) }

// metresHav is the haversine of a distance in metres (the inverse of havMetres).
func metresHav(m float64) float64 {
	s := math.Sin(math.Min(m/EarthRadiusM, math.Pi) / 2)
	return s * s
}

// Resolutions are the H3 resolutions stored on every store (columns h3_r5,
// h3_r7, h3_r8): r5 cells (~9.9 km edge) answer wide radii in few cells,
// r7 (~1.4 km) and r8 (~0.5 km) the usual walking and delivery distances.
var Resolutions = [...]int{5, 7, 8}

// Cells are a point's H3 cells at each of Resolutions.
type Cells struct {
	R5, R7, R8 int64
}

// CellsOf returns p's H3 cells. p must be Valid.
func CellsOf(p Point) (Cells, error) {
	ll := h3.NewLatLng(p.Lat, p.Lng)
	var out [len(Resolutions)]int64
	for i, res := range Resolutions {
		c, err := h3.LatLngToCell(ll, res)
		if err != nil {
			return Cells{}, fmt.Errorf("h3 cell of %v at r%d: %w", p, res, err)
		}
		out[i] = int64(c)
	}
	return Cells{R5: out[0], R7: out[1], R8: out[2]}, nil
}
