package subscribe

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

// Events an order can send a subscribe message on, in lifecycle order.
var Events = []string{"paid", "ready_for_pickup", "shipped", "delivered", "refunded"}

// Template is the subscribe message template of one order event: its id in
// the mini program's console, its title, the page it opens ("{id}" in it
// is the order's id; default pages/order/index?id=<order id>) and what fills each keyword ("thing1"
// → "goods"; see Format for the keyword types and their limits).
type Template struct {
	TemplateID string            `json:"template_id"`
	Title      string            `json:"title"`
	Page       string            `json:"page,omitempty"`
	Fields     map[string]string `json:"fields"`
}

// Templates are the templates by event.
type Templates map[string]Template

// templateID is the form of a template id.
var templateID = regexp.MustCompile(`^[0-9A-Za-z_\-]{1,128}$`)

// ValidTemplateID reports whether id has the form of a template id.
func ValidTemplateID(id string) bool { return templateID.MatchString(id) }

// DefaultTemplates are the sandbox's templates: the typical order
// templates of the WeChat template library (支付成功, 待取货提醒, 订单发货通知,
// 订单送达, 退款结果), with made-up ids.
func DefaultTemplates() Templates {
	return Templates{
		"paid": {TemplateID: "sbx-paid-2f8a", Title: "支付成功", Fields: map[string]string{
			"character_string1": "order_no", "amount2": "amount", "thing3": "goods", "thing4": "store", "time5": "time"}},
		"ready_for_pickup": {TemplateID: "sbx-pickup-7c1e", Title: "待取货提醒", Fields: map[string]string{
			"thing1": "store", "character_string2": "pickup_code", "thing3": "goods", "time4": "time"}},
		"shipped": {TemplateID: "sbx-shipped-4b9d", Title: "订单发货通知", Fields: map[string]string{
			"character_string1": "order_no", "phrase2": "status", "thing3": "carrier", "character_string4": "tracking_no", "time5": "time"}},
		"delivered": {TemplateID: "sbx-delivered-9e3a", Title: "订单送达", Fields: map[string]string{
			"character_string1": "order_no", "phrase2": "status", "thing3": "goods", "time4": "time"}},
		"refunded": {TemplateID: "sbx-refund-5d20", Title: "退款结果", Fields: map[string]string{
			"character_string1": "order_no", "amount2": "amount", "phrase3": "status", "thing4": "reason", "time5": "time"}},
	}
}

// ParseTemplates reads WEMART_SUBSCRIBE_TEMPLATES: inline JSON (starting
// with "{") or the path of a JSON file, mapping events to templates. Every
// event must be one of Events, every template id well formed, every
// keyword of a type wemart can fill and every value a name it knows.
func ParseTemplates(setting string) (Templates, error) {
	raw := []byte(setting)
	if !strings.HasPrefix(strings.TrimSpace(setting), "{") {
		b, err := os.ReadFile(setting)
		if err != nil {
			return nil, fmt.Errorf("WEMART_SUBSCRIBE_TEMPLATES: %w", err)
		}
		raw = b
	}
	var t Templates
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("WEMART_SUBSCRIBE_TEMPLATES: not a JSON object of event → {template_id, title, page?, fields}: %w", err)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("WEMART_SUBSCRIBE_TEMPLATES: %w", err)
	}
	return t, nil
}

// Validate reports the first template that wemart could not send.
func (t Templates) Validate() error {
	for _, ev := range sortedKeys(t) {
		tpl := t[ev]
		switch {
		case !known(ev):
			return fmt.Errorf("event %q is not one of %s", ev, strings.Join(Events, ", "))
		case !ValidTemplateID(tpl.TemplateID):
			return fmt.Errorf("%s: template_id must be 1 to 128 letters, digits, _ or -", ev)
		case strings.TrimSpace(tpl.Title) == "":
			return fmt.Errorf("%s: a title is required", ev)
		case len(tpl.Fields) == 0:
			return fmt.Errorf("%s: fields are required (keyword → value name)", ev)
		case len(tpl.Page) > 512 || strings.HasPrefix(tpl.Page, "/"):
			return fmt.Errorf("%s: page must be a mini program path without a leading /", ev)
		}
		for _, kw := range sortedKeys(tpl.Fields) {
			switch {
			case !keywordPattern.MatchString(kw) || !keywordTypes[keywordType(kw)]:
				return fmt.Errorf("%s: keyword %q is not a type wemart can fill (thing, character_string, phrase, number, letter, symbol, amount, time, date, name, phone_number, then its number)", ev, kw)
			case !valueNames[tpl.Fields[kw]]:
				return fmt.Errorf("%s: %s takes %q, which is not one of order_no, amount, goods, status, store, pickup_code, carrier, tracking_no, time, reason", ev, kw, tpl.Fields[kw])
			}
		}
	}
	return nil
}

func known(ev string) bool {
	for _, e := range Events {
		if e == ev {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
