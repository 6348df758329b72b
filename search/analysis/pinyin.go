package analysis

import (
	"strings"
	"sync"

	pinyin "github.com/mozillazg/go-pinyin"
)

// pinyinArgs: toneless syllables, the most common reading of each character.
var pinyinArgs = pinyin.NewArgs()

// syllableOf caches each character's syllable ("" for none): go-pinyin
// takes the tones off with a regular expression at every call, which was
// most of the time of indexing a title.
var syllableOf sync.Map // rune → string

func syllable(r rune) string {
	if v, ok := syllableOf.Load(r); ok {
		return v.(string)
	}
	s := ""
	if ps := pinyin.SinglePinyin(r, pinyinArgs); len(ps) > 0 {
		s = ps[0]
	}
	syllableOf.Store(r, s)
	return s
}

// Syllables are the toneless pinyin syllables of the Chinese characters in
// s (光明 → guang, ming); other characters have none.
func Syllables(s string) []string {
	var out []string
	for _, r := range s {
		if !IsHan(r) {
			continue
		}
		if syl := syllable(r); syl != "" {
			out = append(out, syl)
		}
	}
	return out
}

// PinyinOf is a word's full pinyin joined (牛奶 → niunai) and its initials
// (nn); both empty for a word without Chinese characters.
func PinyinOf(word string) (full, initials string) {
	ss := Syllables(word)
	var f, i strings.Builder
	for _, s := range ss {
		if s == "" {
			continue
		}
		f.WriteString(s)
		i.WriteByte(s[0])
	}
	return f.String(), i.String()
}

// maxPinyinWords bounds the words of a text whose pairs get pinyin tokens
// (pairs grow with the square of the words).
const maxPinyinWords = 12

type span struct {
	word       string
	start, end int // in runes of the text's Chinese words
}

// Pinyin are the pinyin tokens of folded text for an index, so that what a
// shopper types on a pinyin keyboard finds it:
//   - full: each word's pinyin joined (光明 优倍 鲜牛奶 → guangming, youbei,
//     xianniunai, and niunai for the word inside), each ordered pair of
//     words joined (guangmingniunai), and each character's syllable (niu, nai);
//   - initials: each word's and each pair's initials (gm, nn, xnn, gmnn).
//
// Several readings of a character are not guessed: the most common wins.
func Pinyin(folded string) (full, initials []string) {
	var spans []span
	pos := 0
	for _, r := range runs(folded) {
		if !r.han {
			continue
		}
		for _, w := range cut(r.text, false) {
			n := len([]rune(w))
			spans = append(spans, span{w, pos, pos + n})
			if n > 2 { // the dictionary words inside a long word
				for _, sub := range cut(w, true) {
					if sub == w {
						continue
					}
					if at := strings.Index(w, sub); at >= 0 {
						s := pos + len([]rune(w[:at]))
						spans = append(spans, span{sub, s, s + len([]rune(sub))})
					}
				}
			}
			pos += n
		}
		pos++ // runs apart are never one word
	}
	seen := map[string]bool{}
	add := func(list *[]string, t string) {
		if t != "" && !seen[t] {
			seen[t] = true
			*list = append(*list, t)
		}
	}
	type py struct{ full, ini string }
	pys := make([]py, len(spans))
	for i, s := range spans {
		pys[i].full, pys[i].ini = PinyinOf(s.word)
		add(&full, pys[i].full)
		add(&initials, pys[i].ini)
		for _, syl := range Syllables(s.word) {
			add(&full, syl)
		}
	}
	if len(spans) > maxPinyinWords {
		spans = spans[:maxPinyinWords]
	}
	for i, a := range spans {
		for j, b := range spans {
			if b.start >= a.end {
				add(&full, pys[i].full+pys[j].full)
				add(&initials, pys[i].ini+pys[j].ini)
			}
		}
	}
	return full, initials
}
