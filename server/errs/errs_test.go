package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestCodeOf(t *testing.T) {
	cause := errors.New("disk on fire")
	tests := []struct {
		name string
		err  error
		want Code
	}{
		{"plain error is internal", cause, Internal},
		{"coded", E(NotFound, "no store %d", 3), NotFound},
		{"wrapped coded", fmt.Errorf("loading: %w", E(Conflict, "busy")), Conflict},
		{"wrap keeps cause", Wrap(cause, Unavailable, "database down"), Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CodeOf(tt.err); got != tt.want {
				t.Fatalf("CodeOf = %q, want %q", got, tt.want)
			}
		})
	}
	if !errors.Is(Wrap(cause, Unavailable, "x"), cause) {
		t.Fatal("Wrap must keep the cause reachable for errors.Is")
	}
}

func TestInvalidFieldNamesTheField(t *testing.T) {
	e := InvalidField("lat", "must be between %d and %d", -90, 90)
	if e.Field != "lat" || e.Message != "lat must be between -90 and 90" || e.Code != Invalid {
		t.Fatalf("got %+v", e)
	}
}
