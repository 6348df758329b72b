package media_test

import (
	"testing"

	"wemart/server/media"
)

// TestURLsOfUppercaseScheme: a picture URL staff gave as HTTPS://… (the
// catalogue accepts it: schemes are case-insensitive) stays as it is, not
// /media/HTTPS://… (found in review).
func TestURLsOfUppercaseScheme(t *testing.T) {
	for _, ref := range []string{"HTTPS://img.example.com/a.jpg", "Http://img.example.com/a.jpg"} {
		if got := (media.URLs{}).Of(ref); got != ref {
			t.Errorf("Of(%q) = %q, want it as it is", ref, got)
		}
	}
}
