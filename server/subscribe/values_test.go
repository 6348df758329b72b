package subscribe

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestFormatClampsToWeChatsLimits: every keyword type's value is cut or
// filtered to what WeChat accepts, and what cannot be made valid fails.
func TestFormatClampsToWeChatsLimits(t *testing.T) {
	at := time.Date(2026, 3, 4, 22, 5, 0, 0, time.UTC) // 06:05 next day in Beijing
	for _, c := range []struct {
		keyword string
		in      any
		want    string
	}{
		{"thing1", "光明鲜牛奶 950ml", "光明鲜牛奶 950ml"},
		{"thing2", strings.Repeat("长", 25), strings.Repeat("长", 19) + "…"},
		{"thing3", "", "无"},
		{"character_string1", "WM20260304-0001 订单", "WM20260304-0001"},
		{"character_string2", strings.Repeat("A", 40), strings.Repeat("A", 32)},
		{"character_string3", "中文", "-"},
		{"phrase1", "已发货 shipped", "已发货"},
		{"phrase2", "配送中心正在处理", "配送中心正"},
		{"number1", "12件.5", "12.5"},
		{"letter1", "abc123DEF", "abcDEF"},
		{"symbol1", "a-+*/%&", "-+*/%"},
		{"amount1", Fen(1230), "¥12.30"},
		{"amount2", Fen(5), "¥0.05"},
		{"time1", at, "2026年3月5日 06:05"},
		{"date1", at, "2026年3月5日"},
		{"name1", "李雷 Li Lei", "李雷"},
		{"name2", "Alexander Maximilian Jones", "Alexander Maximilian"},
		{"phone_number1", "+86 138-1234-5678 ext", "+86 138-1234-5678"},
	} {
		got, err := Format(c.keyword, c.in)
		if err != nil || got != c.want {
			t.Errorf("Format(%s, %v) = %q, %v; want %q", c.keyword, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		keyword string
		in      any
	}{
		{"amount1", "12.30"},               // an amount comes from fen
		{"amount2", Fen(123456789012)},     // more than 10 digits
		{"time1", "tomorrow"},              // a time comes from a time
		{"number1", "十二"},                  // no digits
		{"letter1", "中文123"},               // no letters
		{"car_number1", "沪A12345"},         // a type wemart cannot fill
		{"phone_number1", "call me"},       // nothing of a phone
		{"symbol1", "abc"},                 // no symbols
		{"name1", "123"},                   // no name
		{"enum1", "x"},                     // enum values are the template's
		{"thing", strings.Repeat("x", 30)}, // shaped by type even without a number
	} {
		got, err := Format(c.keyword, c.in)
		if c.keyword == "thing" {
			if err != nil || utf8.RuneCountInString(got) != 20 {
				t.Errorf("Format(thing) = %q, %v", got, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("Format(%s, %v) = %q, want an error", c.keyword, c.in, got)
		}
	}
}

// TestTemplatesValidate: the built-in templates are valid and what
// ParseTemplates refuses names the problem.
func TestTemplatesValidate(t *testing.T) {
	if err := DefaultTemplates().Validate(); err != nil {
		t.Fatal(err)
	}
	good := `{"paid": {"template_id": "abc_-1", "title": "支付成功", "fields": {"amount1": "amount", "thing2": "goods"}}}`
	if tpl, err := ParseTemplates(good); err != nil || tpl["paid"].Fields["thing2"] != "goods" {
		t.Fatalf("%v %v", tpl, err)
	}
	for bad, want := range map[string]string{
		`{"cancelled": {"template_id": "a", "title": "t", "fields": {"thing1": "goods"}}}`:    "event",
		`{"paid": {"template_id": "a b", "title": "t", "fields": {"thing1": "goods"}}}`:       "template_id",
		`{"paid": {"template_id": "a", "title": "t", "fields": {"car_number1": "goods"}}}`:    "keyword",
		`{"paid": {"template_id": "a", "title": "t", "fields": {"thing1": "address"}}}`:       "address",
		`{"paid": {"template_id": "a", "title": "t", "fields": {}}}`:                          "fields",
		`{"paid": {"template_id": "a", "title": "t", "fields": {"thing1": "goods"}, "x": 1}}`: "unknown field",
		`/nonexistent/templates.json`: "no such file",
	} {
		if _, err := ParseTemplates(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error about %s", bad, err, want)
		}
	}
}
