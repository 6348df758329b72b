package stores

import (
	"errors"
	"testing"

	"wemart/schema/types"
	"wemart/server/check"
	"wemart/server/errs"
)

func TestParseClock(t *testing.T) {
	good := map[string]int{"00:00": 0, "07:30": 450, "23:59": 1439, "24:00": 1440}
	for s, want := range good {
		if got, ok := parseClock(s); !ok || got != want {
			t.Errorf("parseClock(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"24:01", "7:30", "07:60", "ab:cd", "", "07-30", "-1:00"} {
		if _, ok := parseClock(s); ok {
			t.Errorf("parseClock(%q) accepted", s)
		}
	}
}

func TestCheckHours(t *testing.T) {
	tests := []struct {
		hours []types.OpeningPeriod
		field string
	}{
		{AllDay(), ""},
		{[]types.OpeningPeriod{{Weekday: 5, Open: "22:00", Close: "02:00"}}, ""}, // past midnight
		{[]types.OpeningPeriod{{Weekday: 0, Open: "08:00", Close: "20:00"}}, "opening_hours[0].weekday"},
		{[]types.OpeningPeriod{{Weekday: 1, Open: "24:00", Close: "20:00"}}, "opening_hours[0].open"},
		{[]types.OpeningPeriod{{Weekday: 1, Open: "08:00", Close: "8pm"}}, "opening_hours[0].close"},
		{[]types.OpeningPeriod{{Weekday: 1, Open: "08:00", Close: "08:00"}}, "opening_hours[0].close"},
		{make([]types.OpeningPeriod, maxPeriods+1), "opening_hours"},
	}
	for i, tt := range tests {
		var c check.Checker
		checkHours(&c, tt.hours)
		err := c.Err()
		if tt.field == "" {
			if err != nil {
				t.Errorf("case %d: unexpected %v", i, err)
			}
			continue
		}
		var e *errs.Error
		if !errors.As(err, &e) || e.Field != tt.field {
			t.Errorf("case %d: got %v, want a problem with %s", i, err, tt.field)
		}
	}
}
