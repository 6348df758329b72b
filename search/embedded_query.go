package search

import (
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"wemart/search/analysis"
)

// The fields a word is looked for in, and how much a match there counts.
var wordFields = []struct {
	name  string
	boost float64
}{{"title", 4}, {"aliases", 3}, {"skus", 1}, {"subtitle", 1}}

// Boosts of the other ways a word matches.
const (
	synonymBoost  = 3   // a synonym in the title or the aliases
	pinyinBoost   = 2   // typed pinyin (niunai, guangming)
	initialsBoost = 1.5 // typed initials (nn, gmnn)
	homophone     = 1.5 // a Chinese word by its pinyin (牛乃 → niunai)
	typoBoost     = 0.5 // a word with a typo forgiven
)

// minTypoLetters is the shortest Latin word a typo is forgiven in (as
// Meilisearch's default): in shorter ones one letter makes another word
// (lays → lao).
const minTypoLetters = 5

// maxTypoLetters bounds the words typos are looked for in (the work grows
// with the length).
const maxTypoLetters = 24

// wordsQuery is the query for a pass's words: each must match one way or
// another. When tolerant, a run of three or more Chinese characters typed
// side by side may instead have all its characters but one in the title
// (康帅傅, which the dictionary cuts into 康帅 and 傅, still finds 康师傅).
func (x *embeddedIndex) wordsQuery(words []analysis.Concept, tolerant bool) query.Query {
	var qs []query.Query
	for start := 0; start < len(words); {
		end := start + 1
		for end < len(words) && words[end].Run == words[start].Run {
			end++
		}
		var run []query.Query
		text := ""
		for _, w := range words[start:end] {
			run = append(run, x.wordQuery(w, tolerant, false))
			text += w.Text
		}
		if tolerant && words[start].Han && distinct(text) >= 3 {
			qs = append(qs, bleve.NewDisjunctionQuery(conjunction(run), allButOne(text)))
		} else {
			qs = append(qs, run...)
		}
		start = end
	}
	return conjunction(qs)
}

func conjunction(qs []query.Query) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewConjunctionQuery(qs...)
}

// suggestQuery is wordsQuery with the last word as a prefix being typed.
func (x *embeddedIndex) suggestQuery(words []analysis.Concept, tolerant bool) query.Query {
	qs := make([]query.Query, len(words))
	for i, w := range words {
		// One letter alone as a prefix is most of the index's terms; after
		// other words it only narrows them.
		last := i == len(words)-1 && (i > 0 || utf8.RuneCountInString(w.Text) > 1)
		qs[i] = x.wordQuery(w, tolerant, last)
	}
	return conjunction(qs)
}

// wordQuery is every way one word matches: in the text fields (a Chinese
// word by all its bigrams, a Latin word stemmed), by a synonym, by pinyin
// (typed pinyin or initials; a Chinese word's own pinyin finds its
// homophones) and, when tolerant, with one wrong character or letter;
// prefix adds completions of a Latin word being typed.
func (x *embeddedIndex) wordQuery(w analysis.Concept, tolerant, prefix bool) query.Query {
	var alts []query.Query
	for _, f := range wordFields {
		alts = append(alts, matchAll(f.name, w.Text, f.boost))
	}
	for _, s := range w.Synonyms {
		// In a title the synonym is a word among others (酸奶 in 光明 莫斯利安
		// 酸奶); an alias must be the synonym itself: milk, a synonym of 牛奶,
		// must not bring the milk tea whose alias is "milk tea".
		alts = append(alts, matchAll("title", s, synonymBoost), term("alias_keys", s, synonymBoost))
	}
	n := utf8.RuneCountInString(w.Text)
	if w.Han {
		if w.Pinyin != "" {
			alts = append(alts, term("pinyin", w.Pinyin, homophone))
		}
		if tolerant && distinct(w.Text) >= 3 {
			alts = append(alts, allButOne(w.Text))
		}
		return bleve.NewDisjunctionQuery(alts...)
	}
	alts = append(alts, term("pinyin", w.Text, pinyinBoost))
	if letters(w.Text) {
		alts = append(alts, term("initials", w.Text, initialsBoost))
	}
	stems := x.stems(w.Text)
	if prefix && unicode.IsLetter([]rune(w.Text)[0]) {
		// A digit would expand to a large part of the terms (every number
		// of every SKU name): such a word matches whole. (A single letter
		// alone is refused by suggestQuery.)
		for _, f := range []string{"pinyin", "initials"} {
			alts = append(alts, prefixOf(f, w.Text, 1))
		}
		for _, s := range stems {
			alts = append(alts, prefixOf("title", s, 1), prefixOf("aliases", s, 1))
		}
	}
	if tolerant && n >= minTypoLetters && n <= maxTypoLetters {
		// Two edits from eight letters: the index holds stems (chocolate →
		// chocol), so a typo in the ending costs one more (chocolat).
		edits := 1
		if n >= 8 {
			edits = 2
		}
		alts = append(alts, fuzzy("pinyin", w.Text, 1))
		for _, s := range stems {
			alts = append(alts, fuzzy("title", s, edits), fuzzy("aliases", s, edits))
		}
	}
	return bleve.NewDisjunctionQuery(alts...)
}

// matchAll matches text in a field: every token of it, analysed as
// queries are (Chinese bigrams, stemmed words).
func matchAll(field, text string, boost float64) query.Query {
	return leanMatch{field: field, text: text, analyzer: queryAnalyzer, boost: boost}
}

func term(field, t string, boost float64) query.Query {
	q := bleve.NewTermQuery(t)
	q.SetField(field)
	q.SetBoost(boost)
	return lean{q}
}

func prefixOf(field, p string, boost float64) query.Query {
	q := bleve.NewPrefixQuery(p)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}

func fuzzy(field, t string, edits int) query.Query {
	q := bleve.NewFuzzyQuery(t)
	q.SetField(field)
	q.SetFuzziness(edits)
	q.SetPrefix(1) // the first letter is rarely the wrong one, and it bounds the work
	q.SetBoost(typoBoost)
	return lean{q}
}

// allButOne matches a Chinese word with one character wrong: all its
// characters but (at most) one are in the title.
func allButOne(word string) query.Query {
	b := bleve.NewBooleanQuery()
	seen := map[rune]bool{}
	for _, r := range word {
		if !seen[r] { // 哈哈哈 is one character, not three chances
			seen[r] = true
			b.AddShould(term("title", string(r), typoBoost))
		}
	}
	b.SetMinShould(float64(max(len(seen)-1, 1)))
	return b
}

// stems are a Latin word's index terms (milks → milk): what a prefix or a
// fuzzy query compares with; the word itself if analysis gives none.
func (x *embeddedIndex) stems(word string) []string {
	var out []string
	if a := x.idx.Mapping().AnalyzerNamed(analyzerName); a != nil {
		for _, t := range a.Analyze([]byte(word)) {
			out = append(out, string(t.Term))
		}
	}
	if len(out) == 0 {
		out = []string{word}
	}
	return out
}

// distinct counts the different characters of s.
func distinct(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}

// letters reports whether s is only ASCII letters (initials can be).
func letters(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII || !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}
