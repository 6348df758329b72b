// Package wxpay is the cryptography of WeChat Pay API v3, written from the
// specification because the SDK lacks parts of it: RSA-SHA256 signatures of
// requests (the Authorization header), of responses and notifications (the
// Wechatpay-* headers), and AEAD_AES_256_GCM encryption of notification
// resources. Our notification verifier and the local sandbox both use it, so
// the sandbox signs exactly what the verifier checks.
package wxpay

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// SignatureType is the only signature scheme of API v3.
const SignatureType = "WECHATPAY2-SHA256-RSA2048"

// Sign returns base64(RSA-SHA256-PKCS1v15(key, message)).
func Sign(key *rsa.PrivateKey, message string) (string, error) {
	sum := sha256.Sum256([]byte(message))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// Verify checks a base64 RSA-SHA256-PKCS1v15 signature of message.
func Verify(key *rsa.PublicKey, message, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return errors.New("signature is not base64")
	}
	sum := sha256.Sum256([]byte(message))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig); err != nil {
		return errors.New("signature does not verify")
	}
	return nil
}

// RequestMessage is what a merchant signs for a request: method, the URL path
// with its query as sent to api.mch.weixin.qq.com, timestamp, nonce and body,
// each followed by a newline.
func RequestMessage(method, pathAndQuery, timestamp, nonce, body string) string {
	return method + "\n" + pathAndQuery + "\n" + timestamp + "\n" + nonce + "\n" + body + "\n"
}

// ResponseMessage is what WeChat Pay signs for a response or a notification.
func ResponseMessage(timestamp, nonce, body string) string {
	return timestamp + "\n" + nonce + "\n" + body + "\n"
}

// Authorization is the parsed Authorization header of a merchant request.
type Authorization struct {
	MchID     string
	Nonce     string
	Timestamp string
	Serial    string
	Signature string
}

// String renders the header value.
func (a Authorization) String() string {
	return fmt.Sprintf(`%s mchid="%s",nonce_str="%s",timestamp="%s",serial_no="%s",signature="%s"`,
		SignatureType, a.MchID, a.Nonce, a.Timestamp, a.Serial, a.Signature)
}

// ParseAuthorization reads an Authorization header value.
func ParseAuthorization(h string) (Authorization, error) {
	rest, ok := strings.CutPrefix(h, SignatureType+" ")
	if !ok {
		return Authorization{}, errors.New("authorization scheme must be " + SignatureType)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return Authorization{}, fmt.Errorf("malformed authorization parameter %q", part)
		}
		fields[k] = v[1 : len(v)-1]
	}
	a := Authorization{MchID: fields["mchid"], Nonce: fields["nonce_str"], Timestamp: fields["timestamp"],
		Serial: fields["serial_no"], Signature: fields["signature"]}
	if a.MchID == "" || a.Nonce == "" || a.Timestamp == "" || a.Serial == "" || a.Signature == "" {
		return Authorization{}, errors.New("authorization lacks mchid, nonce_str, timestamp, serial_no or signature")
	}
	return a, nil
}

// Encrypt seals plaintext with AEAD_AES_256_GCM under the 32-byte APIv3 key,
// returning base64(ciphertext || tag) as notification resources carry it.
func Encrypt(apiV3Key, nonce, associatedData string, plaintext []byte) (string, error) {
	gcm, err := newGCM(apiV3Key)
	if err != nil {
		return "", err
	}
	if len(nonce) != gcm.NonceSize() {
		return "", fmt.Errorf("nonce must be %d bytes", gcm.NonceSize())
	}
	return base64.StdEncoding.EncodeToString(gcm.Seal(nil, []byte(nonce), plaintext, []byte(associatedData))), nil
}

// Decrypt opens a resource sealed by Encrypt (or by WeChat Pay).
func Decrypt(apiV3Key, nonce, associatedData, ciphertext string) ([]byte, error) {
	gcm, err := newGCM(apiV3Key)
	if err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil {
		return nil, errors.New("ciphertext is not base64")
	}
	if len(nonce) != gcm.NonceSize() {
		return nil, fmt.Errorf("nonce must be %d bytes", gcm.NonceSize())
	}
	plain, err := gcm.Open(nil, []byte(nonce), raw, []byte(associatedData))
	if err != nil {
		return nil, errors.New("resource does not decrypt under the APIv3 key")
	}
	return plain, nil
}

func newGCM(apiV3Key string) (cipher.AEAD, error) {
	if len(apiV3Key) != 32 {
		return nil, errors.New("the APIv3 key must be 32 bytes")
	}
	block, err := aes.NewCipher([]byte(apiV3Key))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

const nonceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Nonce returns n random alphanumeric characters, from crypto/rand.
func Nonce(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic(err) // crypto/rand.Read does not fail (Go 1.24+)
		}
		for _, c := range buf {
			// Bytes below the largest multiple of the alphabet's size make
			// every character equally likely.
			if int(c) < 256-256%len(nonceChars) && len(out) < n {
				out = append(out, nonceChars[int(c)%len(nonceChars)])
			}
		}
	}
	return string(out)
}

// ParsePrivateKey reads an RSA private key PEM (PKCS#8, as WeChat issues
// apiclient_key.pem, or PKCS#1).
func ParsePrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("no PEM block in private key")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("private key is not RSA")
		}
		return rk, nil
	}
	return x509.ParsePKCS1PrivateKey(block.Bytes)
}

// ParsePublicKey reads an RSA public key PEM (PKIX "PUBLIC KEY", as the
// platform public key comes, PKCS#1, or an X.509 platform certificate).
func ParsePublicKey(pemBytes []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("no PEM block in public key")
	}
	var pub any
	var err error
	switch block.Type {
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			pub = cert.PublicKey
		}
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	}
	if err != nil {
		return nil, err
	}
	rk, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("public key is not RSA")
	}
	return rk, nil
}

// PrivateKeyPEM encodes key as PKCS#8 PEM.
func PrivateKeyPEM(key *rsa.PrivateKey) []byte {
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// PublicKeyPEM encodes key as PKIX PEM.
func PublicKeyPEM(key *rsa.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
