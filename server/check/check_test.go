package check

import (
	"math"
	"strings"
	"testing"

	"wemart/server/errs"
)

func f(v float64) *float64 { return &v }
func n(v int64) *int64     { return &v }

func TestFirstProblemWins(t *testing.T) {
	var c Checker
	c.Text("name", "", true, 10)
	c.Lat("lat", f(100))
	err := c.Err()
	if errs.CodeOf(err) != errs.Invalid || !strings.HasPrefix(err.(*errs.Error).Message, "name ") {
		t.Fatalf("err = %v, want the name problem first", err)
	}
}

func TestChecks(t *testing.T) {
	tests := []struct {
		name  string
		run   func(c *Checker)
		field string // "" means valid
	}{
		{"blank required", func(c *Checker) { c.Text("title", "   ", true, 5) }, "title"},
		{"too long counts runes", func(c *Checker) { c.Text("title", "牛奶牛奶牛奶", false, 5) }, "title"},
		{"five runes ok", func(c *Checker) { c.Text("title", "牛奶牛奶牛", true, 5) }, ""},
		{"lat missing", func(c *Checker) { c.Lat("lat", nil) }, "lat"},
		{"lat 90.5", func(c *Checker) { c.Lat("lat", f(90.5)) }, "lat"},
		{"lat NaN", func(c *Checker) { c.Lat("lat", f(math.NaN())) }, "lat"},
		{"lng -180 ok", func(c *Checker) { c.Lng("lng", f(-180)) }, ""},
		{"lng 181", func(c *Checker) { c.Lng("lng", f(181)) }, "lng"},
		{"negative fen", func(c *Checker) { c.Fen("price_fen", n(-1)) }, "price_fen"},
		{"missing fen", func(c *Checker) { c.Fen("price_fen", nil) }, "price_fen"},
		{"huge fen", func(c *Checker) { c.Fen("price_fen", n(MaxPriceFen+1)) }, "price_fen"},
		{"one of", func(c *Checker) { c.OneOf("status", "gone", "open", "closed") }, "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Checker
			tt.run(&c)
			err := c.Err()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			e, ok := err.(*errs.Error)
			if !ok || e.Field != tt.field {
				t.Fatalf("err = %v, want a problem with %s", err, tt.field)
			}
		})
	}
}
