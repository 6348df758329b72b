package synonyms_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"wemart/server/errs"
	"wemart/server/synonyms"
)

// TestFold: terms are compared as search reads text: full-width Latin
// letters and digits as ASCII, lower case, traditional characters as
// simplified, words (split by script, spaces and punctuation) joined by one
// space; nothing for punctuation or emoji alone.
func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Coke": "coke",
		"ＣＯＫＥ": "coke",
		"Ｃｏｃａ－Ｃｏｌａ　３３０ｍｌ": "coca cola 330ml",
		"可樂":                    "可乐",
		"Kit-Kat":               "kit kat",
		"!!! 🥛":                 "",
		"  Instant \t Noodles ": "instant noodles",
		"\u3000可乐\u3000":        "可乐",
		"酸奶":                    "酸奶",
		"Ｌ’Ｏｒéａｌ":               "l oréal",
		"":                      "",
	} {
		if got := synonyms.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTerms: a group is 2 to 20 terms of 1 to 30 characters once folded,
// none twice; the first problem is named by its field.
func TestTerms(t *testing.T) {
	got, err := synonyms.Terms([]string{"可乐", " Ｃｏｋｅ", "COLA "})
	if err != nil || !slices.Equal(got, []string{"可乐", "coke", "cola"}) {
		t.Fatalf("Terms = %q, %v", got, err)
	}
	long := strings.Repeat("可", synonyms.MaxTermChars)
	if _, err := synonyms.Terms([]string{long, "ｘ" + strings.Repeat(" ", 40)}); err != nil {
		t.Fatalf("terms at the limit: %v", err)
	}
	for _, c := range []struct {
		terms []string
		field string
	}{
		{nil, "terms"},
		{[]string{"可乐"}, "terms"},
		{make([]string, synonyms.MaxTerms+1), "terms"},
		{[]string{"可乐", long + "乐"}, "terms[1]"},
		{[]string{"可乐", " \u3000 "}, "terms[1]"},
		{[]string{"可乐", "!!!"}, "terms[1]"},
		{[]string{"可乐", "可樂"}, "terms[1]"},
		{[]string{"coke", "可乐", "ＣＯＫＥ"}, "terms[2]"},
	} {
		_, err := synonyms.Terms(c.terms)
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Invalid || e.Field != c.field {
			t.Errorf("Terms(%q) = %v, want invalid_argument naming %s", c.terms, err, c.field)
		}
	}
}
