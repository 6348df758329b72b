package wxpay

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	keysOnce          sync.Once
	platform, another *rsa.PrivateKey
)

func keys(t *testing.T) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		platform, _ = rsa.GenerateKey(rand.Reader, 2048)
		another, _ = rsa.GenerateKey(rand.Reader, 2048)
	})
	return platform, another
}

const apiV3Key = "0123456789abcdef0123456789abcdef"

type txn struct {
	OutTradeNo string `json:"out_trade_no"`
	Amount     struct {
		Total int `json:"total"`
	} `json:"amount"`
}

// notification builds a signed, encrypted notification as WeChat Pay sends it.
func notification(t *testing.T, key *rsa.PrivateKey, serial, v3key string, at time.Time, resource any) (http.Header, []byte) {
	t.Helper()
	body, err := NewNotification(v3key, "EV-1", "TRANSACTION.SUCCESS", "支付成功", "transaction", resource, at)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Signer{Key: key, Serial: serial, Now: func() time.Time { return at }}.Headers(body)
	if err != nil {
		t.Fatal(err)
	}
	return h, body
}

func TestVerifierAcceptsAGenuineNotification(t *testing.T) {
	pk, _ := keys(t)
	v := &Verifier{Keys: map[string]*rsa.PublicKey{"PUB_KEY_ID_1": &pk.PublicKey}, APIv3Key: apiV3Key}
	h, body := notification(t, pk, "PUB_KEY_ID_1", apiV3Key, time.Now(), map[string]any{"out_trade_no": "W1", "amount": map[string]int{"total": 990}})
	var got txn
	n, err := v.Open(h, body, &got)
	if err != nil {
		t.Fatal(err)
	}
	if n.EventType != "TRANSACTION.SUCCESS" || got.OutTradeNo != "W1" || got.Amount.Total != 990 {
		t.Fatalf("opened %+v %+v", n, got)
	}
}

func TestVerifierRejections(t *testing.T) {
	pk, other := keys(t)
	v := &Verifier{Keys: map[string]*rsa.PublicKey{"PUB_KEY_ID_1": &pk.PublicKey}, APIv3Key: apiV3Key}
	res := map[string]any{"out_trade_no": "W1", "amount": map[string]int{"total": 990}}
	tests := map[string]func() (http.Header, []byte){
		"tampered body": func() (http.Header, []byte) {
			h, b := notification(t, pk, "PUB_KEY_ID_1", apiV3Key, time.Now(), res)
			return h, []byte(strings.Replace(string(b), "EV-1", "EV-2", 1))
		},
		"signed with another key": func() (http.Header, []byte) {
			return notification(t, other, "PUB_KEY_ID_1", apiV3Key, time.Now(), res)
		},
		"unknown serial": func() (http.Header, []byte) {
			return notification(t, pk, "PUB_KEY_ID_9", apiV3Key, time.Now(), res)
		},
		"stale timestamp": func() (http.Header, []byte) {
			return notification(t, pk, "PUB_KEY_ID_1", apiV3Key, time.Now().Add(-6*time.Minute), res)
		},
		"timestamp from the future": func() (http.Header, []byte) {
			return notification(t, pk, "PUB_KEY_ID_1", apiV3Key, time.Now().Add(6*time.Minute), res)
		},
		"encrypted under another APIv3 key": func() (http.Header, []byte) {
			return notification(t, pk, "PUB_KEY_ID_1", strings.Repeat("x", 32), time.Now(), res)
		},
		"not JSON, but signed": func() (http.Header, []byte) {
			body := []byte("<xml>hello</xml>")
			h, _ := Signer{Key: pk, Serial: "PUB_KEY_ID_1"}.Headers(body)
			return h, body
		},
		"no signature headers": func() (http.Header, []byte) {
			_, b := notification(t, pk, "PUB_KEY_ID_1", apiV3Key, time.Now(), res)
			return http.Header{"Wechatpay-Serial": {"PUB_KEY_ID_1"}}, b
		},
	}
	for name, make := range tests {
		t.Run(name, func(t *testing.T) {
			h, body := make()
			var got txn
			_, err := v.Open(h, body, &got)
			r, ok := IsRejection(err)
			if !ok || r.Status < 400 || r.Status > 499 {
				t.Fatalf("Open = %v, want a 4xx rejection", err)
			}
		})
	}
}

func TestAuthorizationRoundTrip(t *testing.T) {
	pk, _ := keys(t)
	msg := RequestMessage("POST", "/v3/pay/transactions/jsapi", "1700000000", "NONCE", `{"a":1}`)
	sig, err := Sign(pk, msg)
	if err != nil {
		t.Fatal(err)
	}
	a := Authorization{MchID: "1900000109", Nonce: "NONCE", Timestamp: "1700000000", Serial: "ABC", Signature: sig}
	back, err := ParseAuthorization(a.String())
	if err != nil || back != a {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	if err := Verify(&pk.PublicKey, msg, back.Signature); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "Bearer x", SignatureType + ` mchid="1"`, SignatureType + ` mchid=1,nonce_str="a"`} {
		if _, err := ParseAuthorization(bad); err == nil {
			t.Errorf("ParseAuthorization(%q) accepted", bad)
		}
	}
}

func TestKeysRoundTripPEM(t *testing.T) {
	pk, _ := keys(t)
	back, err := ParsePrivateKey(PrivateKeyPEM(pk))
	if err != nil || !back.Equal(pk) {
		t.Fatalf("private key: %v", err)
	}
	pub, err := ParsePublicKey(PublicKeyPEM(&pk.PublicKey))
	if err != nil || !pub.Equal(&pk.PublicKey) {
		t.Fatalf("public key: %v", err)
	}
}

// TestNonce: the asked length, alphanumeric only, every character of the
// alphabet in use, and no repeats.
func TestNonce(t *testing.T) {
	for _, n := range []int{1, 32, 100} {
		if got := Nonce(n); len(got) != n {
			t.Fatalf("Nonce(%d) = %q", n, got)
		}
	}
	seen, used := map[string]bool{}, map[rune]bool{}
	for range 1000 {
		s := Nonce(32)
		if seen[s] {
			t.Fatalf("nonce %q twice", s)
		}
		seen[s] = true
		for _, c := range s {
			if !strings.ContainsRune(nonceChars, c) {
				t.Fatalf("nonce %q holds %q", s, c)
			}
			used[c] = true
		}
	}
	if len(used) != len(nonceChars) {
		t.Fatalf("1000 nonces used %d of the %d characters", len(used), len(nonceChars))
	}
	// Every character as likely as any other: over 102400 characters each
	// is expected 1652 times (σ ≈ 40); taking bytes modulo 62 without
	// rejecting the top ones would make the first eight 25% likelier.
	count := map[rune]int{}
	for range 3200 {
		for _, c := range Nonce(32) {
			count[c]++
		}
	}
	want := 3200 * 32 / len(nonceChars)
	for _, c := range nonceChars {
		if n := count[c]; n < want*85/100 || n > want*115/100 {
			t.Errorf("%q came %d times in 102400 characters, want about %d", c, n, want)
		}
	}
}
