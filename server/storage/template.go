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
	query  string
	args   []any
	params int // how many values a run binds
	// slots says, for each argument, which value of a run takes its place
	// (an index into the params), or -1: a constant of the statement.
	slots []int
}

// NewTemplate builds a template from build, which returns the SQL and the
// arguments of the statement for the values it is given. It is given
// params, then again: two sets of stand-ins, each value differing from its
// counterpart in the other set (pick values no run has: negative ids, a
// string with a NUL). Both builds must give the same SQL, and each
// argument must be a param in both (the same one) or the same constant in
// both: a statement whose shape depends on its values, a param it does not
// take, or a constant that happens to equal a param is refused.
// Comparison is Go's ==, so the values must be comparable.
func NewTemplate(params, again []any, build func(values []any) (string, []any)) (Template, error) {
	if len(params) != len(again) {
		return Template{}, fmt.Errorf("storage: %d params but %d others", len(params), len(again))
	}
	query, args := build(params)
	query2, args2 := build(again)
	if query != query2 || len(args) != len(args2) {
		return Template{}, fmt.Errorf("storage: the statement changes with its values: %s / %s", query, query2)
	}
	t := Template{query: query, args: args, params: len(params), slots: make([]int, len(args))}
	found := make([]bool, len(params))
	for i, a := range args {
		slot := slices.IndexFunc(params, func(p any) bool { return p == a })
		switch {
		case slot >= 0 && args2[i] == again[slot]:
			found[slot] = true
		case slot < 0 && args2[i] == a:
		default:
			return Template{}, fmt.Errorf("storage: argument %d (%v, then %v) is neither a param nor a constant: %s", i, a, args2[i], query)
		}
		t.slots[i] = slot
	}
	if i := slices.Index(found, false); i >= 0 {
		return Template{}, fmt.Errorf("storage: the statement does not take param %d (%v): %s %v", i, params[i], query, args)
	}
	return t, nil
}

// Bind returns the statement's SQL and its arguments for values, one for
// each param, in order. Any other count is a programming error: it panics.
func (t Template) Bind(values ...any) (string, []any) {
	if len(values) != t.params {
		panic(fmt.Sprintf("storage: a template of %d params bound with %d values", t.params, len(values)))
	}
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
