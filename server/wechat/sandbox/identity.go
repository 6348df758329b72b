package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/server/wechat/wxpay"
)

// Identity is the sandbox's made-up WeChat account: a mini program (AppID,
// AppSecret), a merchant (MchID, its API key pair and certificate serial, its
// APIv3 key) and WeChat Pay's platform key pair (public-key mode, with a
// PUB_KEY_ID_ serial). It is generated once into the data dir and reused, so
// tokens and signatures stay valid across restarts.
type Identity struct {
	AppID         string `json:"appid"`
	AppSecret     string `json:"app_secret"`
	MchID         string `json:"mchid"`
	MchSerial     string `json:"mch_serial"`
	APIv3Key      string `json:"apiv3_key"`
	PlatformKeyID string `json:"platform_key_id"`
	// PushToken and PushAESKey (the EncodingAESKey, 43 characters) are the
	// mini program's message push settings, which the sandbox signs and
	// encrypts its pushes with (identities made before they existed derive
	// them from the app secret, see fillPush).
	PushToken  string `json:"push_token,omitempty"`
	PushAESKey string `json:"push_aes_key,omitempty"`

	// MchKey is the merchant's private key (the client signs with it; the
	// sandbox verifies with its public half).
	MchKey *rsa.PrivateKey `json:"-"`
	// PlatformKey is WeChat Pay's private key (the sandbox signs with it; the
	// client verifies with its public half).
	PlatformKey *rsa.PrivateKey `json:"-"`
}

// File names inside the sandbox directory.
const (
	identityFile    = "identity.json"
	mchKeyFile      = "apiclient_key.pem"
	platformKeyFile = "platform_key.pem"
	// PlatformPublicKeyFile is the platform public key, as WeChat Pay lets a
	// merchant download it (the client side reads this file).
	PlatformPublicKeyFile = "pub_key.pem"
)

// LoadOrCreateIdentity reads the identity from dir, generating it on first use.
func LoadOrCreateIdentity(dir string) (*Identity, error) {
	id, err := loadIdentity(dir)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("sandbox identity in %s: %w (delete the directory to start afresh)", dir, err)
	}
	id, err = newIdentity()
	if err != nil {
		return nil, err
	}
	if err := id.save(dir); err != nil {
		if errors.Is(err, os.ErrExist) { // another process got there first
			return loadIdentity(dir)
		}
		return nil, err
	}
	return id, nil
}

func newIdentity() (*Identity, error) {
	mch, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	platform, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	id := &Identity{
		AppID:         "wx" + randHex(8),
		AppSecret:     randHex(16),
		MchID:         "19" + randDigits(8),
		MchSerial:     upperHex(20),
		APIv3Key:      wxpay.Nonce(32),
		PlatformKeyID: "PUB_KEY_ID_01" + randDigits(20),
		MchKey:        mch,
		PlatformKey:   platform,
	}
	id.fillPush()
	return id, nil
}

func (id *Identity) save(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	js, err := json.MarshalIndent(id, "", "  ")
	if err != nil {
		return err
	}
	// Keys first; the identity file last and exclusively, so a reader never
	// sees an identity without its keys.
	files := []struct {
		name string
		data []byte
	}{
		{mchKeyFile, wxpay.PrivateKeyPEM(id.MchKey)},
		{platformKeyFile, wxpay.PrivateKeyPEM(id.PlatformKey)},
		{PlatformPublicKeyFile, wxpay.PublicKeyPEM(&id.PlatformKey.PublicKey)},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name+".tmp"), f.data, 0o600); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, identityFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	for _, k := range files {
		if err := os.Rename(filepath.Join(dir, k.name+".tmp"), filepath.Join(dir, k.name)); err != nil {
			f.Close()
			return err
		}
	}
	if _, err := f.Write(js); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func loadIdentity(dir string) (*Identity, error) {
	js, err := os.ReadFile(filepath.Join(dir, identityFile))
	if err != nil {
		return nil, err
	}
	var id Identity
	if err := json.Unmarshal(js, &id); err != nil || len(id.APIv3Key) != 32 || id.AppID == "" {
		return nil, errors.New("identity.json is corrupt")
	}
	if id.MchKey, err = readKey(filepath.Join(dir, mchKeyFile)); err != nil {
		return nil, err
	}
	if id.PlatformKey, err = readKey(filepath.Join(dir, platformKeyFile)); err != nil {
		return nil, err
	}
	id.fillPush()
	return &id, nil
}

// fillPush sets the message push token and EncodingAESKey when the
// identity has none: derived from the app secret, so an identity file of an
// older sandbox keeps the same ones across restarts without a rewrite.
func (id *Identity) fillPush() {
	if id.PushToken == "" {
		sum := sha256.Sum256([]byte("push-token:" + id.AppSecret))
		id.PushToken = "sbx" + hex.EncodeToString(sum[:])[:29]
	}
	if id.PushAESKey == "" {
		sum := sha256.Sum256([]byte("push-aes-key:" + id.AppSecret))
		id.PushAESKey = strings.TrimSuffix(base64.StdEncoding.EncodeToString(sum[:]), "=")
	}
}

func readKey(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return wxpay.ParsePrivateKey(b)
}

// MchKeyPath is the merchant private key file the client side is configured
// with, exactly as live mode reads apiclient_key.pem.
func MchKeyPath(dir string) string { return filepath.Join(dir, mchKeyFile) }

// PlatformPublicKeyPath is the platform public key file the client verifies
// WeChat Pay's signatures with, as live mode reads pub_key.pem.
func PlatformPublicKeyPath(dir string) string { return filepath.Join(dir, PlatformPublicKeyFile) }

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func upperHex(n int) string {
	s := randHex(n)
	out := make([]byte, len(s))
	for i := range s {
		c := s[i]
		if c >= 'a' && c <= 'f' {
			c -= 'a' - 'A'
		}
		out[i] = c
	}
	return string(out)
}

func randDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

// PublicIdentity is what GET /sandbox/identity tells a wemart server that
// uses a shared sandbox: everything its WeChat clients need to act as the
// sandbox's mini program and merchant (all made up, like the sandbox), but
// not the platform's private key, which only WeChat Pay holds.
type PublicIdentity struct {
	AppID         string `json:"appid"`
	AppSecret     string `json:"app_secret"`
	MchID         string `json:"mchid"`
	MchSerial     string `json:"mch_serial"`
	APIv3Key      string `json:"apiv3_key"`
	PlatformKeyID string `json:"platform_key_id"`
	// MchPrivateKey is the merchant's apiclient_key.pem (PKCS#8 PEM).
	MchPrivateKey string `json:"mch_private_key"`
	// PlatformPublicKey is the platform's pub_key.pem.
	PlatformPublicKey string `json:"platform_public_key"`
	// Kuaidi100Customer and Kuaidi100Key are the made-up Kuaidi100 account
	// of the sandbox's parcel tracking (see Identity.Kuaidi100).
	Kuaidi100Customer string `json:"kuaidi100_customer"`
	Kuaidi100Key      string `json:"kuaidi100_key"`
	// PushToken and PushAESKey are the mini program's message push token
	// and EncodingAESKey (the sandbox's pushes are signed and encrypted with
	// them).
	PushToken  string `json:"push_token"`
	PushAESKey string `json:"push_aes_key"`
}

// Public is the identity as a merchant sees it.
func (id *Identity) Public() PublicIdentity {
	customer, key := id.Kuaidi100()
	return PublicIdentity{
		Kuaidi100Customer: customer, Kuaidi100Key: key,
		AppID: id.AppID, AppSecret: id.AppSecret, MchID: id.MchID, MchSerial: id.MchSerial,
		APIv3Key: id.APIv3Key, PlatformKeyID: id.PlatformKeyID,
		MchPrivateKey:     string(wxpay.PrivateKeyPEM(id.MchKey)),
		PlatformPublicKey: string(wxpay.PublicKeyPEM(&id.PlatformKey.PublicKey)),
		PushToken:         id.PushToken, PushAESKey: id.PushAESKey,
	}
}

// identity is GET /sandbox/identity: the sandbox's made-up account, so that
// one WEMART_SANDBOX_URL is all a server needs to use a shared sandbox.
func (s *Sandbox) identity(c echo.Context) error {
	return c.JSON(http.StatusOK, s.id.Public())
}

// FetchIdentity asks the sandbox at base (scheme and host) for its identity,
// waiting up to patience for it to come up (servers of a fleet may start
// before their sandbox).
func FetchIdentity(ctx context.Context, base string, patience time.Duration) (PublicIdentity, error) {
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(patience)
	url := strings.TrimSuffix(base, "/") + "/sandbox/identity"
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		id, err := fetchIdentity(ctx, client, url)
		if err == nil || time.Now().After(deadline) {
			return id, err
		}
		select {
		case <-ctx.Done():
			return id, err
		case <-time.After(wait):
		}
	}
}

func fetchIdentity(ctx context.Context, client *http.Client, url string) (PublicIdentity, error) {
	var id PublicIdentity
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return id, err
	}
	res, err := client.Do(req)
	if err != nil {
		return id, fmt.Errorf("the sandbox at %s: %w", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return id, fmt.Errorf("the sandbox at %s answered %s (is it a `wemart sandbox`?)", url, res.Status)
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&id); err != nil {
		return id, fmt.Errorf("the sandbox at %s: %w", url, err)
	}
	if id.AppID == "" || len(id.APIv3Key) != 32 || id.MchPrivateKey == "" || id.PlatformPublicKey == "" {
		return id, fmt.Errorf("the sandbox at %s gave an incomplete identity", url)
	}
	return id, nil
}
