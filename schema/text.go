package schema

import (
	"fmt"
	"unicode/utf8"
)

// maxChars validates a text column's length in characters. (ent's MaxLen
// counts bytes: a 40-character Chinese product title is 120 bytes, so byte
// limits would refuse ordinary Chinese text that the API, which counts
// characters, has accepted.) The columns themselves are unbounded text on
// both engines.
func maxChars(n int) func(string) error {
	return func(s string) error {
		if c := utf8.RuneCountInString(s); c > n {
			return fmt.Errorf("is %d characters long, at most %d allowed", c, n)
		}
		return nil
	}
}
