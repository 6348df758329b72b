package patch

import (
	"encoding/json"
	"testing"
)

func TestNullableThreeStates(t *testing.T) {
	type body struct {
		StoreID Nullable[int] `json:"store_id"`
	}
	current := 7
	tests := []struct {
		json string
		want *int
	}{
		{`{}`, &current},
		{`{"store_id": null}`, nil},
		{`{"store_id": 3}`, func() *int { v := 3; return &v }()},
	}
	for _, tt := range tests {
		var b body
		if err := json.Unmarshal([]byte(tt.json), &b); err != nil {
			t.Fatal(err)
		}
		got := b.StoreID.Ptr(&current)
		if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
			t.Fatalf("%s: got %v, want %v", tt.json, got, tt.want)
		}
	}
	var b body
	if err := json.Unmarshal([]byte(`{"store_id": "x"}`), &b); err == nil {
		t.Fatal("a string for an int field must fail")
	}
}
