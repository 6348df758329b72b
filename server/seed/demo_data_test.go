package seed

import (
	"testing"

	"wemart/server/catalog"
	"wemart/server/synonyms"
)

// TestDemoAliasesNameDemoProducts: every product the alias list names is in
// the demo catalogue (a title changed in one place and not the other would
// silently lose its aliases), within the catalogue's limits.
func TestDemoAliasesNameDemoProducts(t *testing.T) {
	titles := map[string]bool{}
	for _, p := range DemoProducts() {
		titles[p.Title] = true
	}
	for title, aliases := range demoAliases {
		if !titles[title] {
			t.Errorf("aliases for %q, which is no demo product", title)
		}
		if len(aliases) == 0 || len(aliases) > catalog.MaxAliases {
			t.Errorf("%q has %d aliases", title, len(aliases))
		}
	}
}

// TestDemoSynonymsAreValid: each default group is valid as staff's would
// have to be, and no term is in two groups.
func TestDemoSynonymsAreValid(t *testing.T) {
	if n := len(demoSynonyms); n < 10 || n > 20 {
		t.Errorf("%d default synonym groups, want 10 to 20", n)
	}
	owner := map[string]int{}
	for i, g := range demoSynonyms {
		terms, err := synonyms.Terms(g)
		if err != nil {
			t.Errorf("group %q: %v", g, err)
		}
		for _, term := range terms {
			if j, taken := owner[term]; taken {
				t.Errorf("%q is in groups %q and %q", term, demoSynonyms[j], g)
			}
			owner[term] = i
		}
	}
}
