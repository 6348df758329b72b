package analysis

import (
	"strings"
	"sync"

	pinyin "github.com/mozillazg/go-pinyin"
)

// readingsOf caches each character's toneless readings, the most common
// first (none for a character without pinyin): go-pinyin takes the tones
// off with a regular expression at every call, which was most of the time
// of indexing a title.
var readingsOf sync.Map // rune → []string

// heteronyms: every reading of a character.
var heteronyms = func() pinyin.Args { a := pinyin.NewArgs(); a.Heteronym = true; return a }()

func readings(r rune) []string {
	if v, ok := readingsOf.Load(r); ok {
		return v.([]string)
	}
	rs := pinyin.SinglePinyin(r, heteronyms)
	readingsOf.Store(r, rs)
	return rs
}

func syllable(r rune) string {
	if rs := readings(r); len(rs) > 0 {
		return rs[0]
	}
	return ""
}

// maxReadings bounds the readings of one word the index gets (a word of
// several characters with several readings each multiplies them).
const maxReadings = 4

// wordReadings are a word's full pinyin and initials, the most common
// reading first, then those with one other character read another way (番茄:
// fanjia, then fanqie — go-pinyin's first reading of 茄 is the jia of 雪茄),
// at most maxReadings.
func wordReadings(word string) (fulls, inits []string) {
	var base []string
	var chars []rune
	for _, r := range word {
		if syl := syllable(r); syl != "" {
			base = append(base, syl)
			chars = append(chars, r)
		}
	}
	if len(base) == 0 {
		return nil, nil
	}
	variants := [][]string{base}
	// Each character's second reading, one at a time (the rarer ones are
	// mostly noise: 番 also reads pan, bo, po).
	for i, r := range chars {
		if rs := readings(r); len(rs) > 1 && len(variants) < maxReadings {
			v := append([]string(nil), base...)
			v[i] = rs[1]
			variants = append(variants, v)
		}
	}
	for _, v := range variants {
		var f, ini strings.Builder
		for _, syl := range v {
			f.WriteString(syl)
			ini.WriteByte(syl[0])
		}
		fulls, inits = append(fulls, f.String()), append(inits, ini.String())
	}
	return fulls, inits
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
// A character with several readings gives tokens for each (番茄: fanjia and
// fanqie; 银行: yinxing and yinhang), up to maxReadings a word.
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
	type py struct{ full, ini []string }
	pys := make([]py, len(spans))
	for i, s := range spans {
		pys[i].full, pys[i].ini = wordReadings(s.word)
		for k := range pys[i].full {
			add(&full, pys[i].full[k])
			add(&initials, pys[i].ini[k])
		}
		for _, r := range s.word {
			rs := readings(r)
			for _, syl := range rs[:min(2, len(rs))] {
				add(&full, syl)
			}
		}
	}
	if len(spans) > maxPinyinWords {
		spans = spans[:maxPinyinWords]
	}
	for i, a := range spans {
		for j, b := range spans {
			if b.start < a.end {
				continue
			}
			// The pairs of the two most common readings of each word.
			for x := range min(2, len(pys[i].full)) {
				for y := range min(2, len(pys[j].full)) {
					add(&full, pys[i].full[x]+pys[j].full[y])
					add(&initials, pys[i].ini[x]+pys[j].ini[y])
				}
			}
		}
	}
	return full, initials
}
