package shipping

import (
	"strings"
	"testing"
	"unicode/utf8"

	"wemart/ent"
)

// TestItemDesc: lines as "title*qty" joined, cut to WeChat's 120
// characters with "...".
func TestItemDesc(t *testing.T) {
	items := []*ent.OrderItem{{Title: "光明鲜牛奶 950ml", Quantity: 2}, {Title: " 全麦吐司 ", Quantity: 1}}
	if got := ItemDesc(items); got != "光明鲜牛奶 950ml*2;全麦吐司*1" {
		t.Fatalf("ItemDesc = %q", got)
	}
	var many []*ent.OrderItem
	for range 20 {
		many = append(many, &ent.OrderItem{Title: "有机冷压初榨橄榄油", Quantity: 3})
	}
	got := ItemDesc(many)
	if utf8.RuneCountInString(got) != 120 || !strings.HasSuffix(got, "...") || !strings.HasPrefix(got, "有机冷压初榨橄榄油*3;") {
		t.Fatalf("long ItemDesc = %q (%d characters)", got, utf8.RuneCountInString(got))
	}
	if got := ItemDesc(nil); got == "" {
		t.Fatal("an empty item_desc (WeChat refuses it)")
	}
}

// TestMaskPhone: the last four digits are kept, the middle masked.
func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678":       "138****5678",
		"+86 138-1234-5678": "138****5678",
		"021-6123456":       "******3456",
		"1234":              "1234",
	} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}
