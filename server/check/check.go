// Package check validates client input field by field and reports the first
// problem as an invalid_argument error naming the field, so every service
// words its complaints the same way.
package check

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"wemart/server/errs"
)

// Checker collects the first failed check.
type Checker struct{ err *errs.Error }

// Fail records a problem with field unless an earlier one was recorded.
func (c *Checker) Fail(field, format string, args ...any) {
	if c.err == nil {
		c.err = errs.InvalidField(field, format, args...)
	}
}

// Err returns the first problem, or nil.
func (c *Checker) Err() error {
	if c.err == nil {
		return nil
	}
	return c.err
}

// Text checks a string's length in characters; required means non-blank.
func (c *Checker) Text(field, v string, required bool, maxChars int) {
	switch {
	case required && strings.TrimSpace(v) == "":
		c.Fail(field, "is required")
	case utf8.RuneCountInString(v) > maxChars:
		c.Fail(field, "must be at most %d characters", maxChars)
	case !utf8.ValidString(v):
		c.Fail(field, "must be valid UTF-8")
	}
}

// Int checks lo <= v <= hi.
func (c *Checker) Int(field string, v, lo, hi int64) {
	if v < lo || v > hi {
		c.Fail(field, "must be between %d and %d", lo, hi)
	}
}

// Lat checks a latitude; a nil one is missing.
func (c *Checker) Lat(field string, v *float64) { c.degrees(field, v, 90) }

// Lng checks a longitude; a nil one is missing.
func (c *Checker) Lng(field string, v *float64) { c.degrees(field, v, 180) }

func (c *Checker) degrees(field string, v *float64, limit float64) {
	switch {
	case v == nil:
		c.Fail(field, "is required")
	case math.IsNaN(*v) || *v < -limit || *v > limit:
		c.Fail(field, "must be between %g and %g", -limit, limit)
	}
}

// OneOf checks that v is one of allowed.
func (c *Checker) OneOf(field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.Fail(field, "must be one of %s", strings.Join(allowed, ", "))
}

// MaxLineQuantity is the most units of one SKU a cart line or an order line
// may hold: stock is reserved at checkout, so one shopper must not be able
// to take a store's whole shelf in one line.
const MaxLineQuantity = 99

// MaxPriceFen is the largest price or amount wemart accepts (¥10,000,000),
// far above any shop item and far below int64 overflow when summed.
const MaxPriceFen = 1_000_000_000

// Fen checks an amount of money in fen: present, non-negative, sane.
func (c *Checker) Fen(field string, v *int64) {
	if v == nil {
		c.Fail(field, "is required")
		return
	}
	c.Int(field, *v, 0, MaxPriceFen)
}

// Texts checks a list of short texts (a product's aliases, a synonym
// group's terms) and returns them as norm makes them (trimmed, folded):
// at most maxItems entries, each non-blank and at most maxChars characters
// once normalised, and no two the same under key (ignoring case, say). A
// problem with one entry names it: field[i].
func (c *Checker) Texts(field string, raw []string, maxItems, maxChars int, norm, key func(string) string) []string {
	if len(raw) > maxItems {
		c.Fail(field, "must have at most %d entries", maxItems)
	}
	out := make([]string, len(raw))
	first := map[string]int{}
	for i, v := range raw {
		name := fmt.Sprintf("%s[%d]", field, i)
		out[i] = norm(v)
		c.Text(name, out[i], true, maxChars)
		k := key(out[i])
		if j, seen := first[k]; seen {
			c.Fail(name, "repeats %s[%d] (%q)", field, j, out[j])
		}
		first[k] = i
	}
	return out
}
