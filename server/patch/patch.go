// Package patch has the field type PATCH bodies need for nullable columns:
// it tells a field that was left out (keep it) from one sent as null (clear it)
// from one sent with a value (set it).
package patch

import (
	"encoding/json"
	"reflect"
)

// Nullable is a PATCH field of type T.
type Nullable[T any] struct {
	// Set is true when the field was present in the body.
	Set bool
	// Null is true when it was present as null.
	Null bool
	// Value is the value when present and not null.
	Value T
}

// UnmarshalJSON records presence; encoding/json calls it only for fields that
// appear in the body, including as null.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Null = true
		return nil
	}
	return json.Unmarshal(b, &n.Value)
}

// ElemType is T: the request checker (package api) checks a Nullable's
// JSON as the T it holds.
func (Nullable[T]) ElemType() reflect.Type { return reflect.TypeFor[T]() }

// Ptr returns the patched value given the current one: current when absent,
// nil when null, the new value otherwise.
func (n Nullable[T]) Ptr(current *T) *T {
	switch {
	case !n.Set:
		return current
	case n.Null:
		return nil
	default:
		v := n.Value
		return &v
	}
}
