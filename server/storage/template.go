package storage

import (
	"fmt"
	"slices"
)

// A Template is a statement built once through an SQL builder (ent's) and
// run many times with other values. It is built with stand-in values, the
// params, each of which marks where one of a run's values goes among the
// statement's arguments. Building a long statement through ent's builder
// can cost more than the database takes to run it (a checkout's read of
// the shopper did); binding a template costs a copy of its arguments, and
// the SQL text, the same each time, stays a prepared statement.
type Template struct {
	query string
	args  []any
	// slots says, for each argument, which value of a run takes its place
	// (an index into the params), or -1: a constant of the statement.
	slots []int
}

// NewTemplate builds a template from build, which returns the SQL and the
// arguments of the statement for the values it is given; it is given
// params. Each param must be among the arguments, and must differ from
// every other argument (pick values no run has: negative ids, a string
// with a NUL). Comparison is Go's ==, so each param must be comparable.
func NewTemplate(params []any, build func(values []any) (string, []any)) (Template, error) {
	query, args := build(params)
	t := Template{query: query, args: args, slots: make([]int, len(args))}
	found := make([]bool, len(params))
	for i, a := range args {
		t.slots[i] = slices.IndexFunc(params, func(p any) bool { return p == a })
		if t.slots[i] >= 0 {
			found[t.slots[i]] = true
		}
	}
	if i := slices.Index(found, false); i >= 0 {
		return Template{}, fmt.Errorf("storage: the statement does not take param %d (%v): %s %v", i, params[i], query, args)
	}
	return t, nil
}

// Bind returns the statement's SQL and its arguments for values, one for
// each param, in order.
func (t Template) Bind(values ...any) (string, []any) {
	args := make([]any, len(t.args))
	for i, slot := range t.slots {
		if slot < 0 {
			args[i] = t.args[i]
		} else {
			args[i] = values[slot]
		}
	}
	return t.query, args
}
