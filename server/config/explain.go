package config

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// expected says, for an operator, what a variable parsed into type t must
// look like: "true or false", not strconv's "invalid syntax".
func expected(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeOf(time.Duration(0)) {
		return "a duration like 15m or 90s"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number like 600"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number of 0 or more"
	case reflect.Float32, reflect.Float64:
		return "a number like 0.5"
	case reflect.Slice:
		return "a comma-separated list, each " + expected(t.Elem())
	}
	return "a valid " + t.String()
}

// shown quotes a value for an error message, except that of a variable
// whose name says it holds a secret (those are never printed).
func shown(name, value string) string {
	for _, s := range []string{"SECRET", "PASSWORD", "TOKEN", "KEY"} {
		if strings.Contains(name, s) {
			return "a value, not shown"
		}
	}
	if r := []rune(value); len(r) > 60 {
		value = string(r[:60]) + "…"
	}
	return fmt.Sprintf("%q", value)
}
