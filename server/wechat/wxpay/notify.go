package wxpay

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Header names of WeChat Pay's signed responses and notifications.
const (
	HeaderTimestamp = "Wechatpay-Timestamp"
	HeaderNonce     = "Wechatpay-Nonce"
	HeaderSignature = "Wechatpay-Signature"
	HeaderSerial    = "Wechatpay-Serial"
)

// MaxClockSkew is how far a signed timestamp may be from our clock; older
// messages are replays as far as we are concerned.
const MaxClockSkew = 5 * time.Minute

// Notification is the envelope of a v3 notification.
type Notification struct {
	ID           string   `json:"id"`
	CreateTime   string   `json:"create_time"`
	EventType    string   `json:"event_type"`
	ResourceType string   `json:"resource_type"`
	Summary      string   `json:"summary"`
	Resource     Resource `json:"resource"`
}

// Resource is a notification's encrypted payload.
type Resource struct {
	Algorithm      string `json:"algorithm"`
	Ciphertext     string `json:"ciphertext"`
	AssociatedData string `json:"associated_data"`
	Nonce          string `json:"nonce"`
	OriginalType   string `json:"original_type"`
}

// Verifier checks signed messages from WeChat Pay against the platform's
// public keys (by serial: a "PUB_KEY_ID_..." key id or a platform certificate
// serial) and decrypts notification resources with the APIv3 key.
type Verifier struct {
	Keys     map[string]*rsa.PublicKey
	APIv3Key string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Rejection explains why a message was refused; Status is the HTTP status to
// answer WeChat with (it retries on anything but 2xx).
type Rejection struct {
	Status int
	// Kind is one of the Reject* kinds: the reason in a word, for metrics
	// (Reason is a sentence and may quote what the sender sent).
	Kind   string
	Reason string
}

// Kinds of Rejection.
const (
	// RejectSignature: an unknown serial, missing headers or a bad signature.
	RejectSignature = "signature"
	// RejectStale: a timestamp too far from our clock (a replay, or a bad clock).
	RejectStale = "stale"
	// RejectMalformed: not JSON, or an unknown algorithm or resource type.
	RejectMalformed = "malformed"
	// RejectDecrypt: the resource does not decrypt with the APIv3 key.
	RejectDecrypt = "decrypt"
	// RejectMerchant: a message for another appid or mchid.
	RejectMerchant = "merchant"
)

// Error implements error.
func (r *Rejection) Error() string { return r.Reason }

func reject(kind string, status int, format string, args ...any) error {
	return &Rejection{Status: status, Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// VerifySignature checks the Wechatpay-* headers over body: a known serial,
// a fresh timestamp, a valid signature.
func (v *Verifier) VerifySignature(h http.Header, body []byte) error {
	serial := h.Get(HeaderSerial)
	key, ok := v.Keys[serial]
	if !ok {
		return reject(RejectSignature, http.StatusUnauthorized, "unknown Wechatpay-Serial %q", serial)
	}
	ts, nonce, sig := h.Get(HeaderTimestamp), h.Get(HeaderNonce), h.Get(HeaderSignature)
	if ts == "" || nonce == "" || sig == "" {
		return reject(RejectSignature, http.StatusUnauthorized, "missing Wechatpay-Timestamp, -Nonce or -Signature")
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return reject(RejectSignature, http.StatusUnauthorized, "Wechatpay-Timestamp is not a number")
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if skew := now().Sub(time.Unix(secs, 0)); skew > MaxClockSkew || skew < -MaxClockSkew {
		return reject(RejectStale, http.StatusUnauthorized, "Wechatpay-Timestamp is %s away from now", skew.Round(time.Second))
	}
	if err := Verify(key, ResponseMessage(ts, nonce, string(body)), sig); err != nil {
		return reject(RejectSignature, http.StatusUnauthorized, "Wechatpay-Signature: %v", err)
	}
	return nil
}

// Open verifies a notification, parses it and decrypts its resource into out.
// Any failure is a *Rejection.
func (v *Verifier) Open(h http.Header, body []byte, out any) (*Notification, error) {
	if err := v.VerifySignature(h, body); err != nil {
		return nil, err
	}
	return v.Decrypt(body, out)
}

// Decrypt parses a notification whose signature was verified and decrypts
// its resource into out. Any failure is a *Rejection.
func (v *Verifier) Decrypt(body []byte, out any) (*Notification, error) {
	var n Notification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, reject(RejectMalformed, http.StatusBadRequest, "notification is not JSON")
	}
	if n.Resource.Algorithm != "AEAD_AES_256_GCM" {
		return nil, reject(RejectMalformed, http.StatusBadRequest, "unsupported resource algorithm %q", n.Resource.Algorithm)
	}
	plain, err := Decrypt(v.APIv3Key, n.Resource.Nonce, n.Resource.AssociatedData, n.Resource.Ciphertext)
	if err != nil {
		return nil, reject(RejectDecrypt, http.StatusBadRequest, "resource: %v", err)
	}
	if err := json.Unmarshal(plain, out); err != nil {
		return nil, reject(RejectMalformed, http.StatusBadRequest, "decrypted resource is not the expected JSON")
	}
	return &n, nil
}

// IsRejection reports whether err is a verifier refusal (as opposed to, say,
// a database failure while handling an accepted notification).
func IsRejection(err error) (*Rejection, bool) {
	var r *Rejection
	ok := errors.As(err, &r)
	return r, ok
}

// NewNotification builds a notification body as WeChat Pay sends it: the
// resource JSON sealed under the APIv3 key with a fresh nonce; kind is the
// original_type and associated data ("transaction" or "refund").
func NewNotification(apiV3Key, id, event, summary, kind string, resource any, at time.Time) ([]byte, error) {
	plain, err := json.Marshal(resource)
	if err != nil {
		return nil, err
	}
	nonce := Nonce(12)
	ct, err := Encrypt(apiV3Key, nonce, kind, plain)
	if err != nil {
		return nil, err
	}
	return json.Marshal(Notification{
		ID: id, CreateTime: at.In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339), EventType: event,
		ResourceType: "encrypt-resource", Summary: summary,
		Resource: Resource{Algorithm: "AEAD_AES_256_GCM", Ciphertext: ct, AssociatedData: kind, Nonce: nonce, OriginalType: kind},
	})
}

// Signer signs responses and notifications as WeChat Pay does (used by the
// sandbox, which plays WeChat Pay).
type Signer struct {
	Key    *rsa.PrivateKey
	Serial string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Headers returns the Wechatpay-* headers signing body.
func (s Signer) Headers(body []byte) (http.Header, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	nonce := Nonce(32)
	sig, err := Sign(s.Key, ResponseMessage(ts, nonce, string(body)))
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderNonce, nonce)
	h.Set(HeaderSignature, sig)
	h.Set(HeaderSerial, s.Serial)
	h.Set("Wechatpay-Signature-Type", SignatureType)
	return h, nil
}
