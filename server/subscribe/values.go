package subscribe

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Value names a template field may take (what wemart fills it with).
var valueNames = map[string]bool{
	"order_no": true, "amount": true, "goods": true, "status": true, "store": true,
	"pickup_code": true, "carrier": true, "tracking_no": true, "time": true, "reason": true,
}

// keywordTypes are the keyword types of subscribe message templates that
// wemart can fill (car_number and enum cannot be).
var keywordTypes = map[string]bool{
	"thing": true, "character_string": true, "phrase": true, "number": true, "letter": true, "symbol": true,
	"amount": true, "time": true, "date": true, "name": true, "phone_number": true,
}

// keywordType is the type of a template keyword: "thing" of "thing12".
func keywordType(keyword string) string { return strings.TrimRight(keyword, "0123456789") }

// keywordPattern is the form of a template keyword: a type and a number.
var keywordPattern = regexp.MustCompile(`^[a-z_]+[0-9]{1,3}$`)

// beijing is the time zone subscribe messages show times in.
var beijing = time.FixedZone("CST", 8*3600)

// Fen is an amount of money (fen) as a field value.
type Fen int64

// yuan formats fen as WeChat's amount keyword wants it: "¥12.30".
func (f Fen) yuan() string {
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	return fmt.Sprintf("%s¥%d.%02d", sign, f/100, f%100)
}

// text is a value as plain text, before a keyword type shapes it.
func text(v any) string {
	switch x := v.(type) {
	case Fen:
		return x.yuan()
	case time.Time:
		return x.In(beijing).Format("2006-01-02 15:04")
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// Format is a value as the keyword's type allows it (WeChat's limits on
// subscribe message values), clamped rather than refused where it can be:
// thing ≤ 20 characters; character_string ≤ 32 ASCII letters, digits and
// symbols; phrase ≤ 5 Chinese characters; number, letter ≤ 32; symbol ≤ 5;
// amount "¥12.30" from fen; time and date in Beijing time; name ≤ 10
// Chinese characters or 20 letters; phone_number ≤ 17 digits and symbols.
// A value that cannot be made valid is an error, so it fails in wemart's
// tests, not at WeChat (47003).
func Format(keyword string, v any) (string, error) {
	typ := keywordType(keyword)
	var out string
	switch typ {
	case "amount":
		f, ok := v.(Fen)
		if !ok {
			return "", fmt.Errorf("%s: an amount keyword takes an amount of money, not %q", keyword, text(v))
		}
		out = f.yuan()
		if len(strings.Map(keepDigits, out)) > 10 {
			return "", fmt.Errorf("%s: %s has more than 10 digits", keyword, out)
		}
	case "time", "date":
		t, ok := v.(time.Time)
		if !ok {
			return "", fmt.Errorf("%s: a %s keyword takes a time, not %q", keyword, typ, text(v))
		}
		layout := "2006年1月2日 15:04"
		if typ == "date" {
			layout = "2006年1月2日"
		}
		out = t.In(beijing).Format(layout)
	case "thing":
		out = strings.TrimSpace(text(v))
		if utf8.RuneCountInString(out) > 20 {
			out = string([]rune(out)[:19]) + "…"
		}
		if out == "" {
			out = "无"
		}
	case "character_string":
		out = cut(strings.Map(func(r rune) rune {
			if r > ' ' && r <= '~' {
				return r
			}
			return -1
		}, text(v)), 32)
		if out == "" {
			out = "-"
		}
	case "phrase":
		out = cut(strings.Map(keepHan, text(v)), 5)
		if out == "" {
			out = "无"
		}
	case "number":
		out = cut(strings.Map(func(r rune) rune {
			if (r >= '0' && r <= '9') || r == '.' {
				return r
			}
			return -1
		}, text(v)), 32)
	case "letter":
		out = cut(strings.Map(func(r rune) rune {
			if r < utf8.RuneSelf && unicode.IsLetter(r) {
				return r
			}
			return -1
		}, text(v)), 32)
	case "symbol":
		out = cut(strings.Map(func(r rune) rune {
			if r > ' ' && r <= '~' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return r
			}
			return -1
		}, text(v)), 5)
	case "name":
		s := strings.TrimSpace(text(v))
		if han := strings.Map(keepHan, s); han != "" {
			out = cut(han, 10)
		} else {
			out = cut(strings.Map(func(r rune) rune {
				if r < utf8.RuneSelf && (unicode.IsLetter(r) || r == ' ') {
					return r
				}
				return -1
			}, s), 20)
		}
	case "phone_number":
		out = cut(strings.Map(func(r rune) rune {
			if (r >= '0' && r <= '9') || strings.ContainsRune("+-() ", r) {
				return r
			}
			return -1
		}, text(v)), 17)
	default:
		return "", fmt.Errorf("%s: keyword type %q is not one wemart can fill", keyword, typ)
	}
	if strings.TrimSpace(out) == "" {
		return "", fmt.Errorf("%s: nothing of %q fits a %s keyword", keyword, text(v), typ)
	}
	return out, nil
}

func keepDigits(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}

func keepHan(r rune) rune {
	if unicode.Is(unicode.Han, r) {
		return r
	}
	return -1
}

// cut is s cut to n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
