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

func TestOpNamesTheChainOfCalls(t *testing.T) {
	cause := errors.New("sql: connection refused")
	inner := func() (err error) {
		defer Op(&err, "inventory.Reserve")
		return cause
	}
	outer := func() (err error) {
		defer Op(&err, "orders.Create")
		return inner()
	}
	err := outer()
	if got, want := err.Error(), "orders.Create: inventory.Reserve: sql: connection refused"; got != want {
		t.Fatalf("error = %q, want %q", got, want)
	}
	if !errors.Is(err, cause) {
		t.Fatal("the cause must stay reachable for errors.Is")
	}
	internal := E(Internal, "order 3 has no status")
	if err := func() (err error) { defer Op(&err, "orders.Ready"); return internal }(); CodeOf(err) != Internal ||
		err.Error() != "orders.Ready: internal: order 3 has no status" {
		t.Fatalf("an internal coded error is named too: %v", err)
	}
}

func TestOpLeavesClientErrorsAndSuccessAlone(t *testing.T) {
	notFound := E(NotFound, "no order 3")
	for _, want := range []error{nil, notFound, fmt.Errorf("loading: %w", notFound)} {
		err := want
		Op(&err, "orders.Get")
		if err != want {
			t.Fatalf("Op changed %v into %v", want, err)
		}
	}
}
