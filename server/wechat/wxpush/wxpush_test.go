package wxpush

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net/url"
	"testing"
)

const (
	token  = "wemartToken1"
	aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	appID  = "wx1234567890abcdef"
)

// TestSignatureIsSHA1OfSortedParts: WeChat's rule, checked by hand.
func TestSignatureIsSHA1OfSortedParts(t *testing.T) {
	sum := sha1.Sum([]byte("1700000000" + "nonce" + token)) // sorted: digits < letters, "n" < "w"
	if got := Signature(token, "1700000000", "nonce"); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("Signature = %s", got)
	}
}

// TestSealOpen: a sealed message opens with the same settings, in JSON and
// XML; a wrong msg_signature, a wrong appid or a tampered body does not.
func TestSealOpen(t *testing.T) {
	c, err := New(token, aesKey, appID)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte(`{"Event":"trade_manage_order_settlement","transaction_id":"4200001","CreateTime":5}`)
	body, q, err := c.SealJSON("gh_1", msg, "1700000000", "n1")
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Open(q, body)
	if err != nil || m.Event != "trade_manage_order_settlement" || m.TransactionID != "4200001" || m.CreateTime != 5 {
		t.Fatalf("opened %+v, %v", m, err)
	}
	xmlMsg := []byte(`<xml><Event><![CDATA[trade_manage_remind_shipping]]></Event><transaction_id>42002</transaction_id></xml>`)
	body, q, _ = c.SealXML("gh_1", xmlMsg, "1700000001", "n2")
	if m, err := c.Open(q, body); err != nil || m.Event != "trade_manage_remind_shipping" || m.TransactionID != "42002" {
		t.Fatalf("opened XML %+v, %v", m, err)
	}
	bad := url.Values{}
	for k, v := range q {
		bad[k] = v
	}
	bad.Set("msg_signature", "00")
	if _, err := c.Open(bad, body); !errors.Is(err, ErrSignature) {
		t.Fatalf("a wrong msg_signature: %v", err)
	}
	other, _ := New(token, aesKey, "wx0000000000000000")
	body, q, _ = other.SealJSON("gh_1", msg, "1700000002", "n3")
	if _, err := c.Open(q, body); !errors.Is(err, ErrMalformed) {
		t.Fatalf("another appid: %v", err)
	}
	if _, err := New(token, "short", appID); err == nil {
		t.Fatal("a short EncodingAESKey was taken")
	}
}
