package search

import (
	"strings"

	"wemart/search/analysis"
)

// docText is what a document's text becomes in an index, the same for both
// backends: traditional characters made simplified, and the pinyin tokens
// of the title and the aliases (analysis.Pinyin).
type docText struct {
	// Title keeps its case and width (it is shown highlighted).
	Title    string
	Subtitle string
	Aliases  []string
	Skus     []string
	Pinyin   []string
	Initials []string
}

func textOf(d Document) docText {
	t := docText{Title: analysis.Simplify(d.Title), Subtitle: analysis.Simplify(d.Subtitle),
		Aliases: make([]string, len(d.Aliases)), Skus: make([]string, len(d.Skus))}
	for i, s := range d.Skus {
		t.Skus[i] = analysis.Fold(s)
	}
	for i, a := range d.Aliases {
		t.Aliases[i] = analysis.Fold(a)
	}
	// Read once: the title and the aliases as given (before the variants).
	texts := append([]string{analysis.Fold(d.Title)}, t.Aliases...)
	// Lay's is typed lays: each word with an apostrophe is an alias
	// without it too.
	for _, w := range strings.Fields(strings.Join(texts, " ")) {
		if strings.Contains(w, "'") {
			t.Aliases = append(t.Aliases, strings.ReplaceAll(w, "'", ""))
		}
	}
	add := func(list *[]string, seen map[string]bool, tokens []string) {
		for _, p := range tokens {
			if !seen[p] {
				seen[p] = true
				*list = append(*list, p)
			}
		}
	}
	seenFull, seenIni := map[string]bool{}, map[string]bool{}
	for _, s := range texts {
		full, ini := analysis.Pinyin(s)
		add(&t.Pinyin, seenFull, full)
		add(&t.Initials, seenIni, ini)
	}
	return t
}
