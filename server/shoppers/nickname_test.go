package shoppers_test

import (
	"testing"

	"wemart/server/shoppers"
)

// TestNicknameInvisibleOrBidi: nicknames that display as nothing, or reorder
// what follows, are refused: zero-width space, BOM, Hangul filler, and the
// bidi marks (RLM, ALM) outside the override ranges; emoji and their
// joiners, and Chinese names, are fine.
func TestNicknameInvisibleOrBidi(t *testing.T) {
	for _, nick := range []string{"\u200b", "\ufeff", "\u3164", "\u2800", "a\u200fb", "a\u061cb", "\u200b\u200b\u200b"} {
		if got, err := shoppers.CheckNickname(nick); err == nil {
			t.Errorf("CheckNickname(%+q) accepted %+q: invisible or direction-changing", nick, got)
		}
	}
}

// TestNicknameVisibleKept: the names people use pass as they are.
func TestNicknameVisibleKept(t *testing.T) {
	for _, nick := range []string{"小王", "Ana", "👩‍👩‍👧", "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "é", "李 四"} {
		if got, err := shoppers.CheckNickname(nick); err != nil || got != nick {
			t.Errorf("CheckNickname(%+q) = %+q, %v", nick, got, err)
		}
	}
	if _, err := shoppers.CheckNickname("a\u0301\u0301\u0301\u0301\u0301"); err == nil {
		t.Error("five combining marks on one letter accepted")
	}
}
