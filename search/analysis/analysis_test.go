package analysis

import (
	"slices"
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"鮮牛奶":         "鲜牛奶",
		"可樂 ５００ＭＬ":    "可乐 500ml",
		"ＯＲＥＯ\t\n奧利奧": "oreo 奥利奥",
		"Coca-Cola":   "coca-cola",
		"bad\xffutf8": "bad utf8",
		"  光明　牛奶  ":   "光明 牛奶",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWords(t *testing.T) {
	for in, want := range map[string]string{
		"康师傅红烧牛肉面":  "康师傅 红烧牛肉面",
		"光明牛奶":      "光明 牛奶",
		"蒙牛纯牛奶":     "蒙牛 纯牛奶",
		"农夫山泉橙汁":    "农夫山泉 橙汁",
		"光明nn":      "光明 nn",
		"可乐 500ml":  "可乐 500ml",
		"lay's 薯片":  "lay's 薯片",
		"coca-cola": "coca cola",
		"🥛!!! ":     "",
	} {
		if got := strings.Join(Words(Fold(in)), " "); got != want {
			t.Errorf("Words(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPinyin(t *testing.T) {
	full, ini := Pinyin(Fold("光明 优倍 鲜牛奶"))
	for _, w := range []string{"guangming", "youbei", "xianniunai", "niunai", "guangmingniunai", "niu", "nai"} {
		if !slices.Contains(full, w) {
			t.Errorf("full pinyin %v lacks %q", full, w)
		}
	}
	for _, w := range []string{"gm", "nn", "xnn", "gmnn", "gmxnn"} {
		if !slices.Contains(ini, w) {
			t.Errorf("initials %v lack %q", ini, w)
		}
	}
	if slices.Contains(ini, "nngm") {
		t.Errorf("initials %v pair words backwards", ini)
	}
	// A character's second reading counts: 番茄 is fanqie to shoppers.
	full, ini = Pinyin(Fold("云南 小番茄"))
	if !slices.Contains(full, "fanqie") || !slices.Contains(full, "xiaofanqie") || !slices.Contains(ini, "fq") {
		t.Errorf("小番茄: %v %v", full, ini)
	}
	if f, i := PinyinOf("可乐"); f != "kele" || i != "kl" {
		t.Errorf("PinyinOf(可乐) = %q, %q", f, i)
	}
}

func TestParse(t *testing.T) {
	syn := NewSynonyms([][]string{{"方便面", "泡面", "Instant Noodles"}, {"可乐", "coke"}})
	cs := Parse("Instant noodles 牛乃", syn)
	if len(cs) != 2 || cs[0].Text != "instant noodles" || !slices.Contains(cs[0].Synonyms, "方便面") {
		t.Fatalf("concepts %+v", cs)
	}
	if !cs[1].Han || cs[1].Pinyin != "niunai" {
		t.Fatalf("concept %+v", cs[1])
	}
	if cs := Parse("COKE", syn); len(cs) != 1 || !slices.Equal(cs[0].Synonyms, []string{"可乐"}) {
		t.Fatalf("concepts %+v", cs)
	}
	// Pinyin of a Chinese term finds its group (pinyin is indexed from
	// titles and aliases only).
	for _, typed := range []string{"fangbianmian", "fbm"} {
		if cs := Parse(typed, syn); len(cs) != 1 || !slices.Contains(cs[0].Synonyms, "方便面") || !slices.Contains(cs[0].Synonyms, "泡面") {
			t.Fatalf("%s: concepts %+v", typed, cs)
		}
	}
	if cs := Parse(strings.Repeat("牛奶 ", 50), nil); len(cs) != MaxConcepts {
		t.Fatalf("%d concepts", len(cs))
	}
	if cs := Parse("!!!🥛", syn); len(cs) != 0 {
		t.Fatalf("concepts %+v", cs)
	}
}
