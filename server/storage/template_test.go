package storage_test

import (
	"fmt"
	"testing"
	"time"

	"entgo.io/ent/dialect/sql"

	"wemart/server/storage"
)

// build is a statement of the shapes templates take: values in a
// comparison, an IN list and a time, beside constants.
func build(dialect string) func(v []any) (string, []any) {
	return func(v []any) (string, []any) {
		t := sql.Table("t")
		q := sql.Dialect(dialect).Select(t.C("a")).From(t).Where(sql.And(
			sql.EQ(t.C("store"), v[0]), sql.EQ(t.C("status"), "live"), sql.In(t.C("id"), v[1], v[2]),
			sql.GT(t.C("at"), v[3]), sql.EQ(t.C("owner"), v[0])))
		return q.Query()
	}
}

// TestTemplateBindsEachRun: a run's statement is the one the builder
// makes for the run's values, constants kept, a value used twice bound
// twice.
func TestTemplateBindsEachRun(t *testing.T) {
	params, again := []any{-1, -2, -3, time.Unix(-4, 0).UTC()}, []any{-11, -12, -13, time.Unix(-14, 0).UTC()}
	for _, dialect := range []string{"sqlite3", "postgres"} {
		tmpl, err := storage.NewTemplate(params, again, build(dialect))
		if err != nil {
			t.Fatal(err)
		}
		for _, values := range [][]any{{7, 8, 9, time.Now()}, {1, 1, 1, time.Time{}}, {0, -2, -1, time.Unix(-4, 0).UTC()}} {
			query, args := tmpl.Bind(values...)
			wantQuery, wantArgs := build(dialect)(values)
			if query != wantQuery || fmt.Sprint(args) != fmt.Sprint(wantArgs) {
				t.Errorf("%s %v:\nbound %s %v\nbuilt %s %v", dialect, values, query, args, wantQuery, wantArgs)
			}
		}
	}
}

// TestTemplateRefuses: a statement that leaves out a param (it would run
// with a value missing), one with a constant equal to a param (a run's
// value would take the constant's place), one whose SQL changes with its
// values, and sets of stand-ins that do not pair up are refused when
// built; binding the wrong number of values panics.
func TestTemplateRefuses(t *testing.T) {
	params, again := []any{-1, -2, -3, time.Unix(-4, 0).UTC()}, []any{-11, -12, -13, time.Unix(-14, 0).UTC()}
	cases := map[string]struct {
		params, again []any
		build         func(v []any) (string, []any)
	}{
		"a param it does not take": {append(params, "\x00unused"), append(again, "\x00unused2"), build("sqlite3")},
		"a constant equal to a param": {params[:1], again[:1], func(v []any) (string, []any) {
			return sql.Dialect("sqlite3").Select("a").From(sql.Table("t")).Where(sql.And(sql.EQ("a", v[0]), sql.EQ("b", -1))).Query()
		}},
		"SQL that changes with its values": {params, again, func(v []any) (string, []any) {
			ids := v[:2]
			if v[0] != -1 {
				ids = v[:3]
			}
			return sql.Dialect("sqlite3").Select("a").From(sql.Table("t")).Where(sql.And(sql.In("id", ids...), sql.EQ("x", v[3]))).Query()
		}},
		"stand-ins that do not pair up": {params, again[:3], build("sqlite3")},
	}
	for name, c := range cases {
		if _, err := storage.NewTemplate(c.params, c.again, c.build); err == nil {
			t.Errorf("%s: built", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	tmpl, err := storage.NewTemplate(params, again, build("sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("a template bound with too few values did not panic")
		}
	}()
	tmpl.Bind(1, 2, 3)
}
