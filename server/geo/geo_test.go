package geo

import (
	"math"
	"testing"

	"github.com/uber/h3-go/v4"
)

func TestDistanceM(t *testing.T) {
	peoplesSquare := Point{31.2304, 121.4737}
	lujiazui := Point{31.2397, 121.4998}
	// ~2.7 km across the Huangpu; checked against an independent calculator.
	if d := DistanceM(peoplesSquare, lujiazui); math.Abs(d-2666) > 30 {
		t.Fatalf("distance = %.0f m, want about 2666 m", d)
	}
	if d := DistanceM(peoplesSquare, peoplesSquare); d != 0 {
		t.Fatalf("distance to self = %v", d)
	}
	// Antipodes: half the circumference.
	if d := DistanceM(Point{0, 0}, Point{0, 180}); math.Abs(d-math.Pi*EarthRadiusM) > 1 {
		t.Fatalf("antipodal distance = %v", d)
	}
}

func TestValid(t *testing.T) {
	for _, p := range []Point{{91, 0}, {-90.5, 0}, {0, 180.1}, {0, -181}, {math.NaN(), 0}} {
		if p.Valid() {
			t.Errorf("%v should be invalid", p)
		}
	}
	for _, p := range []Point{{90, 180}, {-90, -180}, {31.2, 121.5}, {51.5, -0.12}} {
		if !p.Valid() {
			t.Errorf("%v should be valid", p)
		}
	}
}

func TestCellsOf(t *testing.T) {
	p := Point{31.2304, 121.4737}
	c, err := CellsOf(p)
	if err != nil {
		t.Fatal(err)
	}
	// Each cell has its resolution, and its centre lies within one cell
	// diameter of the point (edge lengths: r5 ~9.9 km, r7 ~1.4 km, r8 ~0.5 km).
	for _, tc := range []struct {
		cell    int64
		res     int
		maxDist float64
	}{{c.R5, 5, 20000}, {c.R7, 7, 3000}, {c.R8, 8, 1100}} {
		cell := h3.Cell(tc.cell)
		if cell.Resolution() != tc.res {
			t.Fatalf("cell %x has resolution %d, want %d", tc.cell, cell.Resolution(), tc.res)
		}
		ll, err := cell.LatLng()
		if err != nil {
			t.Fatal(err)
		}
		if d := DistanceM(p, Point{ll.Lat, ll.Lng}); d > tc.maxDist {
			t.Fatalf("r%d centre %.0f m away", tc.res, d)
		}
	}
	far, _ := CellsOf(Point{31.30, 121.60})
	if far.R8 == c.R8 || far.R7 == c.R7 {
		t.Fatal("points 14 km apart share an r7/r8 cell")
	}
}
