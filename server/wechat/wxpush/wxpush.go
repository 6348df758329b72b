// Package wxpush is the mini program's message push (消息推送): WeChat posts
// events (the shipping-info service's trade_manage_* among them) to a URL
// of ours, signed with a token we share with it, as XML or JSON, in plain
// or safe (AES) mode; it checks the URL first with a GET whose echostr we
// echo. This package verifies and opens those messages, and seals them the
// same way for the sandbox.
//
// signature = sha1 of the sorted token, timestamp and nonce (every mode);
// in safe mode msg_signature = sha1 of the sorted token, timestamp, nonce
// and Encrypt, and Encrypt is AES-256-CBC (key = base64 of EncodingAESKey
// + "=", IV = the key's first 16 bytes, PKCS#7 padding to 32 bytes) of 16
// random bytes, the message's length (4 bytes, big-endian), the message and
// the appid.
package wxpush

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// AESKeyLen is the length of an EncodingAESKey.
const AESKeyLen = 43

// Codec verifies, opens and seals the pushes of one mini program.
type Codec struct {
	token string
	key   []byte // nil: plain mode only
	appID string
}

// New returns the Codec of a push configuration: the token, the
// EncodingAESKey (43 characters; "" for plain mode only) and the mini
// program's appid, which safe-mode messages must end with.
func New(token, encodingAESKey, appID string) (*Codec, error) {
	if token == "" {
		return nil, errors.New("wxpush: a token is required")
	}
	c := &Codec{token: token, appID: appID}
	if encodingAESKey != "" {
		key, err := DecodeAESKey(encodingAESKey)
		if err != nil {
			return nil, err
		}
		c.key = key
	}
	return c, nil
}

// DecodeAESKey is the 32-byte AES key of an EncodingAESKey.
func DecodeAESKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != AESKeyLen {
		return nil, fmt.Errorf("wxpush: the EncodingAESKey must be %d characters", AESKeyLen)
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("wxpush: the EncodingAESKey is not base64 of 32 bytes")
	}
	return key, nil
}

// Signature is WeChat's push signature: sha1 (hex) of the parts sorted and
// joined.
func Signature(parts ...string) string {
	p := append([]string(nil), parts...)
	sort.Strings(p)
	sum := sha1.Sum([]byte(strings.Join(p, "")))
	return hex.EncodeToString(sum[:])
}

// ErrSignature is a push (or URL check) whose signature is missing or wrong.
var ErrSignature = errors.New("wxpush: bad signature")

// ErrMalformed is a push that cannot be read (its signature was right).
var ErrMalformed = errors.New("wxpush: malformed message")

func same(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// VerifyURL checks the GET WeChat sends to check the URL and returns the
// echostr to answer with.
func (c *Codec) VerifyURL(q url.Values) (string, error) {
	if q.Get("signature") == "" || !same(q.Get("signature"), Signature(c.token, q.Get("timestamp"), q.Get("nonce"))) {
		return "", ErrSignature
	}
	return q.Get("echostr"), nil
}

// Message is a pushed message: the common fields and those of the
// shipping-info events. XML and JSON pushes name them alike.
type Message struct {
	ToUserName   string `json:"ToUserName" xml:"ToUserName"`
	FromUserName string `json:"FromUserName" xml:"FromUserName"`
	CreateTime   int64  `json:"CreateTime" xml:"CreateTime"`
	MsgType      string `json:"MsgType" xml:"MsgType"`
	Event        string `json:"Event" xml:"Event"`

	TransactionID   string `json:"transaction_id" xml:"transaction_id"`
	MerchantID      string `json:"merchant_id" xml:"merchant_id"`
	MerchantTradeNo string `json:"merchant_trade_no" xml:"merchant_trade_no"`
	PayTime         int64  `json:"pay_time" xml:"pay_time"`
	ShippedTime     int64  `json:"shipped_time" xml:"shipped_time"`
	// ConfirmReceiveMethod is 1 (automatic) or 2 (by the shopper); field
	// reports say WeChat has sent them the other way round, so it is a hint.
	ConfirmReceiveMethod int    `json:"confirm_receive_method" xml:"confirm_receive_method"`
	ConfirmReceiveTime   int64  `json:"confirm_receive_time" xml:"confirm_receive_time"`
	SettlementTime       int64  `json:"settlement_time" xml:"settlement_time"`
	Msg                  string `json:"msg" xml:"msg"`
}

// envelope is a safe-mode body.
type envelope struct {
	ToUserName string `json:"ToUserName" xml:"ToUserName"`
	Encrypt    string `json:"Encrypt" xml:"Encrypt"`
}

// isXML reports whether a body is XML (else JSON).
func isXML(body []byte) bool { return bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) }

func unmarshal(body []byte, v any) error {
	if isXML(body) {
		return xml.Unmarshal(body, v)
	}
	return json.Unmarshal(body, v)
}

// Open verifies a POSTed push by its query (signature, timestamp, nonce,
// and in safe mode encrypt_type=aes and msg_signature) and returns its
// message. A wrong signature is ErrSignature; a body that cannot be read,
// decrypted, or names another appid is ErrMalformed.
func (c *Codec) Open(q url.Values, body []byte) (Message, error) {
	var m Message
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	if q.Get("signature") == "" || !same(q.Get("signature"), Signature(c.token, ts, nonce)) {
		return m, ErrSignature
	}
	plain := body
	if q.Get("encrypt_type") == "aes" {
		if c.key == nil {
			return m, fmt.Errorf("%w: a safe-mode push, but no EncodingAESKey is configured", ErrMalformed)
		}
		var env envelope
		if err := unmarshal(body, &env); err != nil || env.Encrypt == "" {
			return m, fmt.Errorf("%w: no Encrypt", ErrMalformed)
		}
		if q.Get("msg_signature") == "" || !same(q.Get("msg_signature"), Signature(c.token, ts, nonce, env.Encrypt)) {
			return m, ErrSignature
		}
		var err error
		if plain, err = c.decrypt(env.Encrypt); err != nil {
			return m, err
		}
	}
	if err := unmarshal(plain, &m); err != nil {
		return m, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return m, nil
}

// decrypt opens a safe-mode Encrypt and checks the appid at its end.
func (c *Codec) decrypt(encrypted string) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: Encrypt is not AES-CBC in base64", ErrMalformed)
	}
	block, _ := aes.NewCipher(c.key)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, c.key[:aes.BlockSize]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > 32 || pad > len(pt) {
		return nil, fmt.Errorf("%w: bad padding", ErrMalformed)
	}
	pt = pt[:len(pt)-pad]
	if len(pt) < 20 {
		return nil, fmt.Errorf("%w: too short", ErrMalformed)
	}
	n := binary.BigEndian.Uint32(pt[16:20])
	if uint64(n) > uint64(len(pt)-20) {
		return nil, fmt.Errorf("%w: bad length", ErrMalformed)
	}
	msg, appID := pt[20:20+n], string(pt[20+n:])
	if appID != c.appID {
		return nil, fmt.Errorf("%w: for another appid", ErrMalformed)
	}
	return msg, nil
}

// Seal encrypts msg as WeChat does in safe mode and returns Encrypt.
func (c *Codec) Seal(msg []byte) (string, error) {
	if c.key == nil {
		return "", errors.New("wxpush: no EncodingAESKey to seal with")
	}
	var buf bytes.Buffer
	random := make([]byte, 16)
	_, _ = rand.Read(random)
	buf.Write(random)
	_ = binary.Write(&buf, binary.BigEndian, uint32(len(msg)))
	buf.Write(msg)
	buf.WriteString(c.appID)
	pad := 32 - buf.Len()%32
	buf.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, _ := aes.NewCipher(c.key)
	ct := make([]byte, buf.Len())
	cipher.NewCBCEncrypter(block, c.key[:aes.BlockSize]).CryptBlocks(ct, buf.Bytes())
	return base64.StdEncoding.EncodeToString(ct), nil
}

// Query is the query string WeChat sends a push with: plain-mode
// signature, and in safe mode (encrypt non-empty) encrypt_type=aes and
// msg_signature.
func (c *Codec) Query(timestamp, nonce, encrypt string) url.Values {
	q := url.Values{"signature": {Signature(c.token, timestamp, nonce)}, "timestamp": {timestamp}, "nonce": {nonce}}
	if encrypt != "" {
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", Signature(c.token, timestamp, nonce, encrypt))
	}
	return q
}

// SealJSON is a safe-mode JSON body of msg, with its query.
func (c *Codec) SealJSON(toUser string, msg []byte, timestamp, nonce string) ([]byte, url.Values, error) {
	enc, err := c.Seal(msg)
	if err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(envelope{ToUserName: toUser, Encrypt: enc})
	return body, c.Query(timestamp, nonce, enc), err
}

// SealXML is a safe-mode XML body of msg, with its query.
func (c *Codec) SealXML(toUser string, msg []byte, timestamp, nonce string) ([]byte, url.Values, error) {
	enc, err := c.Seal(msg)
	if err != nil {
		return nil, nil, err
	}
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>", toUser, enc)
	return []byte(body), c.Query(timestamp, nonce, enc), nil
}
