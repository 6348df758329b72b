// Package analysis turns text into what catalogue search matches on, the
// same way for titles at index time and for what shoppers type: folding
// (full-width to half-width, case, traditional to simplified Chinese),
// dictionary word segmentation of Chinese (gse, with a general dictionary
// and a grocery lexicon embedded), pinyin of Chinese words (full and
// initials, github.com/mozillazg/go-pinyin) and synonym groups. Both search
// backends use it, so they understand a query alike.
package analysis

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/width"
)

var (
	t2sOnce sync.Once
	t2s     *opencc.OpenCC
	// traditional are the characters t2s changes on their own: text
	// without any is simplified already and skips the conversion.
	traditional map[rune]bool
)

// converter is the traditional-to-simplified converter (OpenCC's t2s
// dictionaries, embedded), loaded on first use; nil if it cannot load, in
// which case text keeps its characters.
func converter() (*opencc.OpenCC, map[rune]bool) {
	t2sOnce.Do(func() {
		c, err := opencc.New("t2s")
		if err != nil {
			return
		}
		trad := map[rune]bool{}
		for r := rune(0x3400); r <= 0x9fff; r++ {
			if out, err := c.Convert(string(r)); err == nil && out != string(r) {
				trad[r] = true
			}
		}
		t2s, traditional = c, trad
	})
	return t2s, traditional
}

// Fold normalises text for matching: invalid UTF-8 dropped, full-width
// Latin letters, digits and punctuation made half-width, lower case,
// traditional Chinese made simplified (鮮牛奶 → 鲜牛奶, 可樂 → 可乐), and
// every run of spaces and control characters one space.
func Fold(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	s = Simplify(strings.ToLower(width.Fold.String(s)))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

// Simplify makes traditional Chinese characters simplified and leaves the
// rest of s as it is.
func Simplify(s string) string {
	if c, trad := converter(); c != nil && hasAny(s, trad) {
		if out, err := c.Convert(s); err == nil {
			return out
		}
	}
	return s
}

// IsHan reports whether r is a Chinese character.
func IsHan(r rune) bool { return unicode.Is(unicode.Han, r) }

func hasAny(s string, set map[rune]bool) bool {
	for _, r := range s {
		if set[r] {
			return true
		}
	}
	return false
}

// isWordRune reports whether r belongs to a Latin word: letters of any
// script other than Chinese, digits, and the marks of accented letters.
func isWordRune(r rune) bool {
	return (unicode.IsLetter(r) && !IsHan(r)) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// A run is a piece of folded text of one kind.
type run struct {
	text string
	han  bool
}

// runs splits folded text into Chinese runs and Latin word runs; everything
// else (spaces, punctuation, symbols, emoji) separates them. An apostrophe
// or a dot inside a Latin word keeps it whole (lay's, l'oréal, 5.5kg), as
// the index's tokenizer keeps it.
func runs(s string) []run {
	var out []run
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case IsHan(r):
			j := i
			for j < len(rs) && IsHan(rs[j]) {
				j++
			}
			out = append(out, run{string(rs[i:j]), true})
			i = j
		case isWordRune(r):
			j := i
			for j < len(rs) && (isWordRune(rs[j]) || (rs[j] == '\'' || rs[j] == '.') && j+1 < len(rs) && isWordRune(rs[j+1]) && j > i) {
				j++
			}
			out = append(out, run{string(rs[i:j]), false})
			i = j
		default:
			i++
		}
	}
	return out
}
