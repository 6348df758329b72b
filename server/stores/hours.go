package stores

import (
	"fmt"
	"strconv"
	"time"

	"wemart/schema/types"
	"wemart/server/check"
)

// AllDay is the opening schedule of a store that never closes, and the
// default when staff give none.
func AllDay() []types.OpeningPeriod {
	out := make([]types.OpeningPeriod, 7)
	for i := range out {
		out[i] = types.OpeningPeriod{Weekday: i + 1, Open: "00:00", Close: "24:00"}
	}
	return out
}

// maxPeriods bounds a schedule: a few split shifts a day is plenty.
const maxPeriods = 28

// checkHours validates a weekly schedule (see types.OpeningPeriod).
func checkHours(c *check.Checker, hours []types.OpeningPeriod) {
	if len(hours) > maxPeriods {
		c.Fail("opening_hours", "must have at most %d periods", maxPeriods)
		return
	}
	for i, p := range hours {
		field := fmt.Sprintf("opening_hours[%d]", i)
		if p.Weekday < 1 || p.Weekday > 7 {
			c.Fail(field+".weekday", "must be 1 (Monday) to 7 (Sunday)")
		}
		open, okOpen := parseClock(p.Open)
		shut, okClose := parseClock(p.Close)
		switch {
		case !okOpen || open == 24*60:
			c.Fail(field+".open", "must be a time HH:MM from 00:00 to 23:59")
		case !okClose:
			c.Fail(field+".close", "must be a time HH:MM from 00:00 to 24:00")
		case open == shut:
			c.Fail(field+".close", "must differ from open")
		}
	}
}

// parseClock reads "HH:MM" into minutes after midnight; "24:00" is 1440.
func parseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// OpenAt reports whether a store with these hours, in loc, is open at t.
// A period whose close is before its open runs past midnight, so the
// previous day's late period counts in the small hours.
func OpenAt(hours []types.OpeningPeriod, loc *time.Location, t time.Time) bool {
	return openAt(parseHours(hours), loc, t)
}

// period is an OpeningPeriod in minutes after midnight.
type period struct{ weekday, open, close int }

func parseHours(hours []types.OpeningPeriod) []period {
	out := make([]period, 0, len(hours))
	for _, p := range hours {
		open, ok1 := parseClock(p.Open)
		shut, ok2 := parseClock(p.Close)
		if ok1 && ok2 {
			out = append(out, period{p.Weekday, open, shut})
		}
	}
	return out
}

func openAt(hours []period, loc *time.Location, t time.Time) bool {
	local := t.In(loc)
	today := isoWeekday(local.Weekday())
	yesterday := today - 1
	if yesterday == 0 {
		yesterday = 7
	}
	now := local.Hour()*60 + local.Minute()
	for _, p := range hours {
		open, shut := p.open, p.close
		switch {
		case p.weekday == today && open < shut:
			if now >= open && now < shut {
				return true
			}
		case p.weekday == today && shut < open: // opens today, closes tomorrow
			if now >= open {
				return true
			}
		case p.weekday == yesterday && shut < open: // opened yesterday, still open
			if now < shut {
				return true
			}
		}
	}
	return false
}

func isoWeekday(d time.Weekday) int {
	if d == time.Sunday {
		return 7
	}
	return int(d)
}
