package stores

import (
	"errors"
	"testing"
	"time"

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

func TestOpenAt(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	at := func(s string) time.Time { // Shanghai local time
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, sh)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC()
	}
	day := []types.OpeningPeriod{{Weekday: 6, Open: "07:00", Close: "23:00"}}   // Saturday
	night := []types.OpeningPeriod{{Weekday: 5, Open: "22:00", Close: "02:00"}} // Friday night into Saturday
	tests := []struct {
		hours []types.OpeningPeriod
		at    string // 2026-11-21 is a Saturday
		want  bool
	}{
		{day, "2026-11-21 06:59", false},
		{day, "2026-11-21 07:00", true},
		{day, "2026-11-21 22:59", true},
		{day, "2026-11-21 23:00", false},
		{day, "2026-11-22 12:00", false}, // Sunday
		{night, "2026-11-20 21:59", false},
		{night, "2026-11-20 23:30", true},
		{night, "2026-11-21 01:59", true}, // Saturday small hours, from Friday
		{night, "2026-11-21 02:00", false},
		{AllDay(), "2026-11-22 03:17", true},
		{nil, "2026-11-22 12:00", false},
	}
	for _, tt := range tests {
		if got := OpenAt(tt.hours, sh, at(tt.at)); got != tt.want {
			t.Errorf("%v at %s: %v, want %v", tt.hours, tt.at, got, tt.want)
		}
	}
	// The store's own zone decides: 08:00 in Shanghai is midnight in London.
	london, _ := time.LoadLocation("Europe/London")
	if OpenAt(day, london, at("2026-11-21 08:00")) {
		t.Error("a London store opening at 07:00 is not open at 00:00 London time")
	}
}
