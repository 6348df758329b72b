package logistics

import (
	"crypto/md5"
	"encoding/hex"
	"net/http/httptest"
	"strings"
	"testing"

	"wemart/server/errs"
)

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestDadaSign: upper(md5(secret + name/value pairs by name + secret)),
// the signature field itself left out.
func TestDadaSign(t *testing.T) {
	fields := map[string]string{"v": "1.0", "timestamp": "1700000000", "source_id": "73753", "format": "json",
		"body": `{"order_id":"R1"}`, "app_key": "dadakey", "signature": "ignored"}
	want := strings.ToUpper(md5hex("s3cret" + "app_keydadakey" + `body{"order_id":"R1"}` + "formatjson" +
		"source_id73753" + "timestamp1700000000" + "v1.0" + "s3cret"))
	if got := DadaSign("s3cret", fields); got != want {
		t.Fatalf("DadaSign = %s, want %s", got, want)
	}
	if DadaSign("other", fields) == want {
		t.Fatal("the secret does not matter")
	}
}

// TestDadaCallbackSignature: md5 of the three values sorted as strings.
func TestDadaCallbackSignature(t *testing.T) {
	// "1700000000" < "DD123" < "R2026-1-000001" as strings.
	want := md5hex("1700000000" + "DD123" + "R2026-1-000001")
	if got := DadaCallbackSignature("DD123", "R2026-1-000001", "1700000000"); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestDadaStatus(t *testing.T) {
	for code, want := range map[int]string{1: RiderRequested, 2: RiderAccepted, 100: RiderArrived, 3: RiderPickedUp,
		4: RiderDelivered, 5: RiderCancelled, 9: RiderFailed, 10: RiderFailed, 1000: RiderFailed, 8: "", 42: ""} {
		if got := DadaStatus(code); got != want {
			t.Errorf("DadaStatus(%d) = %q, want %q", code, got, want)
		}
	}
	if b := RiderBefore(RiderPickedUp); strings.Join(b, ",") != "requested,accepted,arrived" {
		t.Errorf("before picked_up: %v", b)
	}
	if b := RiderBefore(RiderFailed); strings.Join(b, ",") != "requested,accepted,arrived,picked_up" {
		t.Errorf("before failed: %v", b)
	}
	if b := RiderBefore(RiderRequested); len(b) != 0 {
		t.Errorf("before requested: %v", b)
	}
}

// TestDadaParseCallback: a signed callback is read; a forged or broken one
// is refused with a client error.
func TestDadaParseCallback(t *testing.T) {
	d, err := NewDada(DadaConfig{BaseURL: "http://dada.invalid", AppKey: "k", AppSecret: "s", SourceID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	sig := DadaCallbackSignature("DD9", "R1-1-123456", "1700000000")
	body := `{"client_id":"DD9","order_id":"R1-1-123456","order_status":3,"cancel_reason":"","cancel_from":0,` +
		`"update_time":1700000000,"signature":"` + sig + `","dm_id":5,"dm_name":"张师傅","dm_mobile":"13800000000"}`
	ev, ack, err := d.ParseCallback(httptest.NewRequest("POST", "/", strings.NewReader(body)))
	if err != nil || ev.Status != RiderPickedUp || ev.OutNo != "R1-1-123456" || ev.TrackingNo != "DD9" ||
		ev.Rider.Name != "张师傅" || ev.At.Unix() != 1700000000 || ev.Dedupe == "" || !strings.Contains(string(ack), "success") {
		t.Fatalf("parsed %+v %s: %v", ev, ack, err)
	}
	for name, c := range map[string]struct {
		body string
		code errs.Code
	}{
		"forged":      {strings.Replace(body, `"order_status":3`, `"order_status":4`, 1), ""},
		"wrong order": {strings.Replace(body, `"R1-1-123456"`, `"R1-1-654321"`, 1), errs.Unauthenticated},
		"unsigned":    {strings.Replace(body, sig, "", 1), errs.Invalid},
		"not json":    {"<xml/>", errs.Invalid},
	} {
		_, _, err := d.ParseCallback(httptest.NewRequest("POST", "/", strings.NewReader(c.body)))
		if name == "forged" { // the status is not signed (Dada's rule): it parses
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if errs.CodeOf(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}
