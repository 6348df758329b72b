package analysis

import (
	"strings"
	"unicode/utf8"
)

// MaxConcepts bounds the words of a query that take part in matching: the
// work per query stays bounded whatever is typed (later words are ignored).
const MaxConcepts = 8

// maxWordRunes bounds a Latin word (longer ones are cut), as long as an
// alias may be.
const maxWordRunes = 40

// Concept is one word of a query with every way it may match.
type Concept struct {
	// Text is the word, folded: a Chinese word (牛奶), a Latin word or a
	// number with a unit (milk, 500ml), or a synonym term of several words
	// (instant noodles).
	Text string
	// Han says the word is Chinese.
	Han bool
	// Pinyin is a Chinese word's full pinyin joined (niunai): a shopper who
	// picked a homophone on a pinyin keyboard (牛乃) still finds 牛奶.
	Pinyin string
	// Synonyms are the other terms of the word's synonym group.
	Synonyms []string
	// Run numbers the runs of Chinese characters or Latin letters the
	// query is made of: words of one run were typed side by side (康帅傅
	// gives 康帅 and 傅, one run), which a typo may have split wrongly.
	Run int
}

// Parse turns what a shopper typed into concepts: folded, split into words
// (Chinese by the dictionary, Latin by script and punctuation: 光明nn →
// 光明, nn), words that together make a synonym term joined (instant
// noodles), at most MaxConcepts. Punctuation and emoji alone give none.
func Parse(text string, syn *Synonyms) []Concept {
	cs, _ := ParseQuery(text, syn)
	return cs
}

// fillers are words a shopper puts around what they want (我要牛奶, 有没有
// 酸奶, 好喝的酸奶): they name nothing, and a query leaves them out.
var fillers = map[string]bool{
	"我": true, "我要": true, "我想": true, "想要": true, "要": true, "想": true, "买": true, "想买": true,
	"购买": true, "有没有": true, "有": true, "没有": true, "吗": true, "的": true, "了": true, "呢": true,
	"啊": true, "吧": true, "请": true, "给我": true, "一些": true, "一点": true, "一下": true, "哪里": true,
	"什么": true, "和": true, "与": true, "还有": true,
}

// ParseQuery is Parse that also returns the words past MaxConcepts, which
// the query leaves out (an answer lists them as ignored).
func ParseQuery(text string, syn *Synonyms) (cs []Concept, beyond []string) {
	var words []string
	var runOf []int
	for i, r := range runs(Fold(text)) {
		ws := []string{r.text}
		if r.han {
			ws = joinSingles(cut(r.text, false))
		}
		for _, w := range ws {
			if r.han && fillers[w] {
				continue
			}
			words = append(words, w)
			runOf = append(runOf, i)
		}
	}
	var out []Concept
	for i := 0; i < len(words); {
		if len(out) == MaxConcepts {
			return out, words[i:]
		}
		w, n := syn.longest(words[i:])
		c := Concept{Text: w, Run: runOf[i]}
		i += n
		if r, _ := utf8.DecodeRuneInString(w); IsHan(r) {
			c.Han = true
			if utf8.RuneCountInString(w) > 1 { // one syllable alone matches too much
				c.Pinyin, _ = PinyinOf(w)
			}
		} else if n == 1 && utf8.RuneCountInString(w) > maxWordRunes {
			c.Text = string([]rune(w)[:maxWordRunes])
		}
		c.Synonyms = syn.Of(c.Text)
		out = append(out, c)
	}
	return out, nil
}

// joinSingles joins Chinese characters the dictionary left alone, side by
// side, into one word: what the dictionary does not know is most often a
// word typed with a wrong character (牛乃 for 牛奶), which its pinyin or all
// but one of its characters still find; one character at a time would
// match far too much.
func joinSingles(words []string) []string {
	out := make([]string, 0, len(words))
	single := func(w string) bool {
		r, n := utf8.DecodeRuneInString(w)
		return n == len(w) && IsHan(r)
	}
	for i, w := range words {
		if i > 0 && single(w) && single(words[i-1]) && len(out) > 0 {
			last := out[len(out)-1]
			if r, _ := utf8.DecodeRuneInString(last); IsHan(r) && utf8.RuneCountInString(last) < 4 {
				out[len(out)-1] = last + w
				continue
			}
		}
		out = append(out, w)
	}
	return out
}

// Synonyms are synonym groups by term. The zero value and nil have none.
type Synonyms struct {
	of map[string][]string // term → the other terms of its group
	// byPinyin: the full pinyin and the initials of Chinese terms → the
	// terms (fangbianmian, fbm → 方便面), so pinyin finds what a synonym
	// finds although pinyin is indexed from titles and aliases only.
	byPinyin map[string][]string
	// maxWords is the most words a term has (instant noodles: 2).
	maxWords int
}

// Term is a synonym term as queries read it: folded, its words (by the
// dictionary, by script and punctuation) joined by a space, or without one
// when all are Chinese (Kit-Kat → kit kat, 可樂 → 可乐, 西红柿炒蛋 stays
// whole); "" when it has no word (punctuation, emoji).
func Term(s string) string {
	ws := Words(Fold(s))
	sep := ""
	for _, w := range ws {
		if r, _ := utf8.DecodeRuneInString(w); !IsHan(r) {
			sep = " "
		}
	}
	return strings.Join(ws, sep)
}

// NewSynonyms indexes groups of terms; terms are read as Term reads them,
// and a term given in two groups gets both groups' terms.
func NewSynonyms(groups [][]string) *Synonyms {
	s := &Synonyms{of: map[string][]string{}, byPinyin: map[string][]string{}}
	for _, g := range groups {
		terms := make([]string, 0, len(g))
		for _, t := range g {
			if t = Term(t); t != "" {
				terms = append(terms, t)
			}
		}
		for _, t := range terms {
			s.maxWords = max(s.maxWords, len(Words(t)))
			if r, _ := utf8.DecodeRuneInString(t); IsHan(r) && utf8.RuneCountInString(t) > 1 {
				full, ini := PinyinOf(t)
				for _, p := range []string{full, ini} {
					if p != "" && !contains(s.byPinyin[p], t) {
						s.byPinyin[p] = append(s.byPinyin[p], t)
					}
				}
			}
			for _, o := range terms {
				if o != t && !contains(s.of[t], o) {
					s.of[t] = append(s.of[t], o)
				}
			}
		}
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Of is a folded term's synonyms: the other terms of its group and, for
// pinyin of a Chinese term (fangbianmian, fbm), that term and its group.
func (s *Synonyms) Of(term string) []string {
	if s == nil {
		return nil
	}
	out := s.of[term]
	for _, t := range s.byPinyin[term] {
		out = append(append(out[:len(out):len(out)], t), s.of[t]...)
	}
	return out
}

// Map is every folded term, and the pinyin of every Chinese term, with
// what it finds (Of): for a backend that takes a term → synonyms map
// (Meilisearch takes a one-way entry for the pinyin).
func (s *Synonyms) Map() map[string][]string {
	m := map[string][]string{}
	if s == nil {
		return m
	}
	for t := range s.of {
		m[t] = s.Of(t)
	}
	for p := range s.byPinyin {
		m[p] = s.Of(p)
	}
	return m
}

// longest is the longest synonym term the first words make (joined with a
// space when Latin, without when Chinese: 泡 + 面 → 泡面) and how many words
// it takes; the first word alone when none does.
func (s *Synonyms) longest(words []string) (string, int) {
	if s != nil {
		for n := min(len(words), s.maxWords+2); n > 1; n-- {
			for _, sep := range []string{" ", ""} {
				if t := strings.Join(words[:n], sep); len(s.of[t]) > 0 {
					return t, n
				}
			}
		}
	}
	return words[0], 1
}
