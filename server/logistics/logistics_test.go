package logistics_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"wemart/ent/shipment"
	"wemart/server/errs"
	"wemart/server/logistics"
)

func TestKuaidi100Sign(t *testing.T) {
	// md5("abc") is 900150983cd24fb0d6963f7d28e17f72; Kuaidi100 wants it in
	// upper case, over the parts joined.
	if got := logistics.Kuaidi100Sign("a", "b", "c"); got != "900150983CD24FB0D6963F7D28E17F72" {
		t.Fatalf("sign %s", got)
	}
}

func TestKuaidi100States(t *testing.T) {
	cases := map[string]shipment.Status{
		"0": shipment.StatusInTransit, "1": shipment.StatusCollected, "2": shipment.StatusProblem,
		"3": shipment.StatusSigned, "4": shipment.StatusReturned, "5": shipment.StatusOutForDelivery,
		"8": shipment.StatusInTransit, "14": shipment.StatusRejected,
		"101": shipment.StatusCreated, "103": shipment.StatusCollected, "1002": shipment.StatusInTransit,
		"201": shipment.StatusProblem, "301": shipment.StatusSigned, "304": shipment.StatusSigned,
		"501": shipment.StatusOutForDelivery, "401": shipment.StatusReturned, "": shipment.StatusInTransit,
	}
	for code, want := range cases {
		if got := logistics.Kuaidi100State(code); got != want {
			t.Errorf("state %q is %s, want %s", code, got, want)
		}
	}
}

func TestTrackingNumberShapes(t *testing.T) {
	ok := map[string][]string{
		"SF":   {"SF1234567890123", "SF123456789012", "123456789012"},
		"ZTO":  {"78123456789012"},
		"YTO":  {"YT1234567890123"},
		"YD":   {"4312345678901"},
		"STO":  {"773123456789012"},
		"JD":   {"JDVA12345678901", "JD0123456789012"},
		"EMS":  {"1123456789012", "EA123456789CN"},
		"JTSD": {"JT1234567890123"},
		"DBL":  {"DPK301234567890", "12345678"},
	}
	bad := map[string][]string{
		"SF":  {"SF12345", "1234567890123456", "YT1234567890123"},
		"YTO": {"1234567890123"},
		"JD":  {"SF1234567890123"},
		"ZTO": {"ZT12345678901", "12345"},
	}
	for id, nos := range ok {
		c, found := logistics.CompanyByID(id)
		if !found {
			t.Fatalf("no company %s", id)
		}
		for _, no := range nos {
			if !c.ValidNumber(logistics.Normalize(no)) {
				t.Errorf("%s %s refused", id, no)
			}
		}
	}
	for id, nos := range bad {
		c, _ := logistics.CompanyByID(id)
		for _, no := range nos {
			if c.ValidNumber(no) {
				t.Errorf("%s %s accepted", id, no)
			}
		}
	}
	if _, found := logistics.CompanyByID("sf"); found {
		t.Error("company ids are WeChat's, in upper case")
	}
	if c, _ := logistics.CompanyByID("SF"); !c.ValidNumber(logistics.Normalize(" sf1234567890123 ")) {
		t.Error("a number is trimmed and upper-cased before its shape is checked")
	}
}

func TestParcelsOnlyMoveForward(t *testing.T) {
	has := func(to, from shipment.Status) bool { return slices.Contains(logistics.Predecessors(to), from) }
	for _, c := range []struct {
		from, to shipment.Status
		ok       bool
	}{
		{shipment.StatusCreated, shipment.StatusCollected, true},
		{shipment.StatusCollected, shipment.StatusOutForDelivery, true},
		{shipment.StatusOutForDelivery, shipment.StatusInTransit, false},
		{shipment.StatusSigned, shipment.StatusInTransit, false},
		{shipment.StatusSigned, shipment.StatusProblem, false},
		{shipment.StatusInTransit, shipment.StatusProblem, true},
		{shipment.StatusProblem, shipment.StatusInTransit, true},
		{shipment.StatusProblem, shipment.StatusCollected, false},
		{shipment.StatusProblem, shipment.StatusSigned, true},
		{shipment.StatusReturned, shipment.StatusSigned, false},
		{shipment.StatusRejected, shipment.StatusInTransit, false},
		{shipment.StatusInTransit, shipment.StatusRejected, true},
		{shipment.StatusSigned, shipment.StatusSigned, false},
	} {
		if got := has(c.to, c.from); got != c.ok {
			t.Errorf("%s → %s allowed %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}

func TestKuaidi100Push(t *testing.T) {
	k := logistics.NewKuaidi100(logistics.Kuaidi100Config{Salt: "our-salt"})
	param := `{"status":"polling","message":"","lastResult":{"state":"5","ischeck":"0","com":"shunfeng","nu":"SF1234567890123",` +
		`"data":[{"time":"2024-05-02 10:00:00","ftime":"2024-05-02 10:00:00","context":"快递员正在派件","status":"派件","areaName":"上海"},` +
		`{"time":"2024-05-01 08:00:00","context":"已揽收","status":"揽收"}]}}`
	push := func(param, sign string) *http.Request {
		form := url.Values{"param": {param}, "sign": {sign}}
		r := httptest.NewRequest("POST", "/logistics/kuaidi100/notify", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	tr, ack, err := k.ParsePush(push(param, logistics.Kuaidi100Sign(param, "our-salt")))
	if err != nil {
		t.Fatal(err)
	}
	if string(ack) != `{"result":true,"returnCode":"200","message":"成功"}` {
		t.Fatalf("ack %s", ack)
	}
	if tr.Carrier != "SF" || tr.Number != "SF1234567890123" || tr.Status != shipment.StatusOutForDelivery || len(tr.Events) != 2 {
		t.Fatalf("track %+v", tr)
	}
	e := tr.Events[0]
	if e.Status != shipment.StatusOutForDelivery || e.Location != "上海" || !e.Time.Equal(time.Date(2024, 5, 2, 2, 0, 0, 0, time.UTC)) ||
		tr.Events[1].Status != shipment.StatusCollected {
		t.Fatalf("events %+v", tr.Events)
	}
	for name, r := range map[string]*http.Request{
		"no sign":         push(param, ""),
		"another salt":    push(param, logistics.Kuaidi100Sign(param, "their-salt")),
		"param changed":   push(strings.Replace(param, `"5"`, `"3"`, 1), logistics.Kuaidi100Sign(param, "our-salt")),
		"sign of nothing": push("", logistics.Kuaidi100Sign("", "our-salt")),
	} {
		if _, _, err := k.ParsePush(r); errs.CodeOf(err) != errs.Unauthenticated {
			t.Errorf("%s: %v", name, err)
		}
	}
}
