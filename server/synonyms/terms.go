// Package synonyms keeps the search synonym groups staff manage: sets of
// terms a catalogue search treats as one (可乐, coke, cola). A group's terms
// are folded (Fold) and checked (Terms) before they are stored; a term
// belongs to one group at most, which the database enforces (a unique
// column of search_synonym_terms written in the same transaction as the
// group); and every change bumps the search_synonyms counter in that
// transaction, which is how each server's indexer learns that it must give
// its index the new groups (package indexer, Groups).
package synonyms

import (
	"wemart/search/analysis"
	"wemart/server/check"
)

// Limits on a synonym group.
const (
	MinTerms     = 2
	MaxTerms     = 20
	MaxTermChars = 30
)

// Fold is a term as it is stored and compared: as searches read it
// (analysis.Term: full-width as half-width, lower case, traditional
// characters as simplified, its words joined by one space: Ｃｏｋｅ → coke,
// 可樂 → 可乐, Kit-Kat → kit kat); "" for a term with no word in it
// (punctuation, emoji), which Terms refuses.
func Fold(s string) string { return analysis.Term(s) }

// Terms checks a group's terms as staff gave them and returns them folded,
// in the same order: MinTerms to MaxTerms of them, each 1 to MaxTermChars
// characters once folded, none twice. A problem is invalid_argument naming
// terms (or the one term at fault, terms[i]).
func Terms(raw []string) ([]string, error) {
	var c check.Checker
	switch {
	case len(raw) == 0:
		c.Fail("terms", "is required: a list of %d to %d terms that mean the same", MinTerms, MaxTerms)
	case len(raw) < MinTerms:
		c.Fail("terms", "must have at least %d terms (one term alone is no synonym)", MinTerms)
	}
	same := func(s string) string { return s }
	terms := c.Texts("terms", raw, MaxTerms, MaxTermChars, Fold, same)
	return terms, c.Err()
}
