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
	params := []any{-1, -2, -3, time.Unix(-4, 0).UTC()}
	for _, dialect := range []string{"sqlite3", "postgres"} {
		tmpl, err := storage.NewTemplate(params, build(dialect))
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

// TestTemplateRefusesAParamItDoesNotTake: a statement that leaves out a
// param would run with a value missing; it is refused when built.
func TestTemplateRefusesAParamItDoesNotTake(t *testing.T) {
	params := []any{-1, -2, -3, time.Unix(-4, 0).UTC(), "\x00unused"}
	if _, err := storage.NewTemplate(params, build("sqlite3")); err == nil {
		t.Fatal("a template whose statement does not take every param was built")
	}
}
