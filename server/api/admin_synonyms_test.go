package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"wemart/ent"
	"wemart/ent/searchsynonymterm"
	"wemart/server/api"
	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/synonyms"
)

// synonymGroup is a synonym group as the admin API answers it (its
// shape is checked against openapi.yaml by the harness).
type synonymGroup = api.SynonymGroup

const synonymsPath = "/admin/v1/search/synonyms"

func synonymPath(id int) string { return apitest.Path(synonymsPath+"/%d", id) }

func terms(t ...string) map[string]any { return map[string]any{"terms": t} }

func mustSynonyms(t *testing.T, h *apitest.Harness, t1 ...string) synonymGroup {
	t.Helper()
	var g synonymGroup
	h.Do("POST", synonymsPath, h.AdminToken, terms(t1...)).OK(http.StatusCreated, &g)
	return g
}

// listSynonyms is every group's terms, as GET lists them.
func listSynonyms(t *testing.T, h *apitest.Harness) [][]string {
	t.Helper()
	var list struct{ Items []synonymGroup }
	h.Do("GET", synonymsPath, h.AdminToken, nil).OK(http.StatusOK, &list)
	out := [][]string{}
	for _, g := range list.Items {
		out = append(out, g.Terms)
	}
	return out
}

// synonymsCounter is the counter every change to the groups bumps.
func synonymsCounter(t *testing.T, db *storage.DB) int64 {
	t.Helper()
	c, err := db.Client.Counter.Get(context.Background(), synonyms.CounterKey)
	if ent.IsNotFound(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return c.Value
}

func wantSynonyms(t *testing.T, h *apitest.Harness, want ...[]string) {
	t.Helper()
	if got := listSynonyms(t, h); !slices.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Fatalf("synonym groups %q, want %q", got, want)
	}
}

// TestSynonymGroups: staff add, list, replace and delete synonym groups;
// terms come back folded (lower case, full-width forms as ASCII, spaces
// trimmed); a term another group has is 409 naming the term and the group;
// unknown ids are 404; each change bumps the counter once, and refused
// ones change nothing.
func TestSynonymGroups(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		wantSynonyms(t, h)
		cola := mustSynonyms(t, h, "可乐", " Ｃｏｋｅ ", "COLA")
		if !slices.Equal(cola.Terms, []string{"可乐", "coke", "cola"}) || cola.ID == 0 || cola.UpdatedAt.IsZero() {
			t.Fatalf("created %+v", cola)
		}
		yogurt := mustSynonyms(t, h, "酸奶", "Yogurt", "yoghurt")
		wantSynonyms(t, h, cola.Terms, yogurt.Terms)

		var changed synonymGroup
		h.Do("PUT", synonymPath(cola.ID), h.AdminToken, terms("可乐", "coke", "cola", "Coca　 Cola")).OK(http.StatusOK, &changed)
		if changed.ID != cola.ID || !slices.Equal(changed.Terms, []string{"可乐", "coke", "cola", "coca cola"}) || changed.UpdatedAt.Before(cola.UpdatedAt) {
			t.Fatalf("replaced %+v, was %+v", changed, cola)
		}
		if n := synonymsCounter(t, db); n != 3 {
			t.Fatalf("counter %d after 3 changes", n)
		}

		// A term another group has: 409 naming it and the group.
		e := h.Do("POST", synonymsPath, h.AdminToken, terms("优酪乳", "YOGURT")).Fails(http.StatusConflict, "conflict")
		if e.Error.Details["term"] != "yogurt" || e.Error.Details["group_id"] != float64(yogurt.ID) ||
			!strings.Contains(e.Error.Message, "yogurt") || !strings.Contains(e.Error.Message, fmt.Sprint(yogurt.ID)) {
			t.Fatalf("conflict %+v", e.Error)
		}
		e = h.Do("PUT", synonymPath(cola.ID), h.AdminToken, terms("可乐", "酸奶")).Fails(http.StatusConflict, "conflict")
		if e.Error.Details["term"] != "酸奶" || e.Error.Details["group_id"] != float64(yogurt.ID) {
			t.Fatalf("conflict %+v", e.Error)
		}
		h.Do("PUT", synonymPath(999999), h.AdminToken, terms("a", "b")).Fails(http.StatusNotFound, "not_found")
		h.Do("DELETE", synonymPath(999999), h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")
		wantSynonyms(t, h, changed.Terms, yogurt.Terms)
		if n := synonymsCounter(t, db); n != 3 {
			t.Fatalf("counter %d after refused changes, want 3", n)
		}

		// A group may keep its own terms, in another order.
		h.Do("PUT", synonymPath(yogurt.ID), h.AdminToken, terms("yoghurt", "酸奶", "yogurt")).OK(http.StatusOK, nil)
		// Deleting a group frees its terms.
		h.Do("DELETE", synonymPath(yogurt.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		h.Do("DELETE", synonymPath(yogurt.ID), h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")
		wantSynonyms(t, h, changed.Terms)
		again := mustSynonyms(t, h, "优酪乳", "yogurt")
		wantSynonyms(t, h, changed.Terms, again.Terms)
		if n := synonymsCounter(t, db); n != 6 {
			t.Fatalf("counter %d after 6 changes", n)
		}
		// Every term is claimed once, by its group.
		claims := db.Client.SearchSynonymTerm.Query().AllX(context.Background())
		if len(claims) != len(changed.Terms)+len(again.Terms) {
			t.Fatalf("%d claimed terms for groups %q and %q", len(claims), changed.Terms, again.Terms)
		}
	})
}

// TestSynonymBadInput: bad groups are 400 invalid_argument naming terms
// (or the term at fault) on create and replace alike, and change nothing.
func TestSynonymBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		g := mustSynonyms(t, h, "番茄", "西红柿")
		many := make([]string, synonyms.MaxTerms+1)
		for i := range many {
			many[i] = "同义词" + string(rune(0x4e00+i)) // Chinese alone: kept whole by Fold
		}
		cases := []struct {
			name  string
			body  any
			field string
		}{
			{"no terms", map[string]any{}, "terms"},
			{"terms null", map[string]any{"terms": nil}, "terms"},
			{"no term", terms(), "terms"},
			{"one term", terms("番茄"), "terms"},
			{"too many", terms(many...), "terms"},
			{"term too long", terms("番茄", strings.Repeat("番", synonyms.MaxTermChars+1)), "terms[1]"},
			{"blank term", terms("番茄", "  "), "terms[1]"},
			{"ideographic space", terms("番茄", "\u3000"), "terms[1]"},
			{"same term twice once folded", terms("tomato", "番茄", "ＴＯＭＡＴＯ"), "terms[2]"},
			{"a number", `{"terms": ["番茄", 1]}`, "terms[1]"},
			{"a string", `{"terms": "番茄,tomato"}`, "terms"},
			{"NUL", terms("番茄", "to\x00mato"), "terms[1]"},
			{"no word in it", terms("番茄", "!!! 🍅"), "terms[1]"},
			{"traditional and simplified alike", terms("麵包", "面包"), "terms[1]"},
			{"unknown field", map[string]any{"terms": []string{"番茄", "tomato"}, "name": "x"}, "name"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				for _, req := range []struct{ method, path string }{{"POST", synonymsPath}, {"PUT", synonymPath(g.ID)}} {
					e := h.For(t).Do(req.method, req.path, h.AdminToken, c.body).Fails(http.StatusBadRequest, "invalid_argument")
					if e.Error.Field != c.field {
						t.Fatalf("%s: error names %q (%s), want %q", req.method, e.Error.Field, e.Error.Message, c.field)
					}
				}
			})
		}
		wantSynonyms(t, h, g.Terms)
		if n := synonymsCounter(t, db); n != 1 {
			t.Fatalf("counter %d after refused changes, want 1", n)
		}
		// The limits themselves are allowed.
		most := slices.Clone(many[:synonyms.MaxTerms])
		most[0] = strings.Repeat("番", synonyms.MaxTermChars)
		h.Do("PUT", synonymPath(g.ID), h.AdminToken, terms(most...)).OK(http.StatusOK, nil)
		wantSynonyms(t, h, most)
	})
}

// TestSynonymTermRace: groups racing for one term, through two processes:
// exactly one gets it, the others are 409, and the term is claimed once.
func TestSynonymTermRace(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		hs := []*apitest.Harness{h, apitest.New(t, db)}
		const n = 8
		counts := race(hs, n, func(i int, h *apitest.Harness) rawResult {
			return send(h, "POST", synonymsPath, h.AdminToken, terms(fmt.Sprintf("土豆%d", i), "Potato"))
		})
		if counts[http.StatusCreated] != 1 || counts[http.StatusConflict] != n-1 {
			t.Fatalf("%d racing groups with one term in common: %v", n, counts)
		}
		ctx := context.Background()
		if c := db.Client.SearchSynonymTerm.Query().Where(searchsynonymterm.Term("potato")).CountX(ctx); c != 1 {
			t.Fatalf("potato claimed %d times", c)
		}
		if c := db.Client.SearchSynonym.Query().CountX(ctx); c != 1 {
			t.Fatalf("%d groups", c)
		}
		if c := synonymsCounter(t, db); c != 1 {
			t.Fatalf("counter %d after one change", c)
		}
	})
}

// TestSynonymChangesReachTheIndex: every process gives its index the
// groups when it opens it, and again within a poll of each change made
// through the admin API, wherever the change was made.
func TestSynonymChangesReachTheIndex(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		var e1, e2 watchedEngine
		h := apitest.New(t, db, e1.use)
		other := apitest.New(t, db, e2.use)
		e1.waitSynonyms(t)
		e2.waitSynonyms(t)

		cola := mustSynonyms(t, h, "可乐", "Coke", "cola")
		e1.waitSynonyms(t, cola.Terms)
		e2.waitSynonyms(t, cola.Terms)

		var chips synonymGroup
		other.Do("POST", synonymsPath, other.AdminToken, terms("薯片", "chips", "crisps")).OK(http.StatusCreated, &chips)
		h.Do("PUT", synonymPath(cola.ID), h.AdminToken, terms("可乐", "coke")).OK(http.StatusOK, nil)
		e1.waitSynonyms(t, []string{"可乐", "coke"}, chips.Terms)
		e2.waitSynonyms(t, []string{"可乐", "coke"}, chips.Terms)

		h.Do("DELETE", synonymPath(cola.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		e1.waitSynonyms(t, chips.Terms)
		e2.waitSynonyms(t, chips.Terms)

		// A process started now gets them when it opens the index.
		var e3 watchedEngine
		apitest.New(t, db, e3.use)
		e3.waitSynonyms(t, chips.Terms)
	})
}
