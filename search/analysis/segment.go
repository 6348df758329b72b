package analysis

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/go-ego/gse"
)

// The dictionaries: dict/zh.txt.gz is gse's simplified Chinese dictionary
// (from jieba; Apache-2.0) cut to the 81,000 words seen at least 20 times,
// which segments as well for shop text at a tenth of the load time and
// memory (0.3 s, 26 MB instead of 3 s, 130 MB); dict/grocery.txt adds the
// brands and products of a supermarket.
//
//go:embed dict/zh.txt.gz dict/grocery.txt
var dicts embed.FS

// groceryFreq is the frequency grocery words get: high enough that the
// segmenter prefers them whole (农夫山泉 rather than 农夫 + 山泉).
const groceryFreq = 50000

var (
	segOnce sync.Once
	seg     *gse.Segmenter
	segErr  error
)

// segmenter loads the dictionaries on first use.
func segmenter() (*gse.Segmenter, error) {
	segOnce.Do(func() {
		s := &gse.Segmenter{SkipLog: true}
		var text strings.Builder
		if err := readGeneral(&text); err != nil {
			segErr = err
			return
		}
		g, err := dicts.ReadFile("dict/grocery.txt")
		if err != nil {
			segErr = err
			return
		}
		for line := range strings.Lines(string(g)) {
			if strings.HasPrefix(line, "#") {
				continue
			}
			for _, w := range strings.Fields(line) {
				fmt.Fprintf(&text, "%s %d nz\n", w, groceryFreq)
			}
		}
		if err := s.LoadDictStr(text.String()); err != nil {
			segErr = fmt.Errorf("search dictionary: %w", err)
			return
		}
		seg = s
	})
	return seg, segErr
}

func readGeneral(out *strings.Builder) error {
	raw, err := dicts.ReadFile("dict/zh.txt.gz")
	if err != nil {
		return err
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	b, err := io.ReadAll(bufio.NewReader(zr))
	if err != nil {
		return err
	}
	out.Write(b)
	return nil
}

// Load loads the dictionaries now (a third of a second) rather than at the
// first search; its error says the embedded data is broken.
func Load() error {
	_, err := segmenter()
	if err == nil {
		converter()
	}
	return err
}

// cut splits a Chinese run into words: precise mode (each character in one
// word) or, for indexing, search mode (the words and, for a long word, the
// dictionary words inside it: 鲜牛奶 → 牛奶, 鲜牛奶). Without a dictionary
// every character is a word.
func cut(text string, search bool) []string {
	s, err := segmenter()
	if err != nil {
		return strings.Split(text, "")
	}
	var ws []string
	if search {
		ws = s.CutSearch(text, true)
	} else {
		ws = s.Cut(text, true)
	}
	out := ws[:0]
	for _, w := range ws {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// Words splits folded text into the words a query is made of: Chinese runs
// segmented by the dictionary (康师傅红烧牛肉面 → 康师傅, 红烧, 牛肉面), Latin
// words and numbers with units as they are (500ml, coca, cola).
func Words(folded string) []string {
	var out []string
	for _, r := range runs(folded) {
		if r.han {
			out = append(out, cut(r.text, false)...)
		} else {
			out = append(out, r.text)
		}
	}
	return out
}
