package wechat

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"wemart/server/wechat/wxpay"
)

// Hosts of live WeChat.
const (
	LiveAPIBase = "https://api.weixin.qq.com/"
	LiveMchBase = "https://api.mch.weixin.qq.com"
)

// Timeout bounds every call to WeChat, token fetches included.
const Timeout = 10 * time.Second

// Credentials are a mini program's and its merchant account's: live ones from
// WEMART_WECHAT_*, or the sandbox's made-up ones.
type Credentials struct {
	AppID     string
	AppSecret string
	MchID     string
	// MchSerial is the serial number of the merchant API certificate.
	MchSerial string
	// MchKeyPEM is the merchant API private key (apiclient_key.pem, PKCS#8).
	MchKeyPEM []byte
	// APIv3Key decrypts notification resources.
	APIv3Key string
	// PlatformKeyID and PlatformKey verify WeChat Pay's signatures
	// (public-key mode: the key id is "PUB_KEY_ID_...").
	PlatformKeyID string
	PlatformKey   *rsa.PublicKey
}

// Endpoints say where WeChat is and where it should call back.
type Endpoints struct {
	// APIBase stands for https://api.weixin.qq.com/ (trailing slash required).
	APIBase string
	// MchBase stands for https://api.mch.weixin.qq.com (scheme and host).
	MchBase string
	// MchPrefix is a path prefix to put before /v3/... (the sandbox's mount point).
	MchPrefix string
	// NotifyURL is where WeChat Pay posts payment and refund notifications.
	NotifyURL string
}

// LoadKeys reads the merchant private key and platform public key files.
func LoadKeys(c *Credentials, mchKeyFile, platformKeyFile string) error {
	b, err := os.ReadFile(mchKeyFile)
	if err != nil {
		return fmt.Errorf("merchant private key: %w", err)
	}
	pb, err := os.ReadFile(platformKeyFile)
	if err != nil {
		return fmt.Errorf("platform public key: %w", err)
	}
	if err := ParseKeys(c, b, pb); err != nil {
		return fmt.Errorf("%w (files %s, %s)", err, mchKeyFile, platformKeyFile)
	}
	return nil
}

// ParseKeys sets the merchant private key and platform public key from
// their PEM texts (as a shared sandbox hands them out).
func ParseKeys(c *Credentials, mchKeyPEM, platformKeyPEM []byte) error {
	if _, err := wxpay.ParsePrivateKey(mchKeyPEM); err != nil {
		return fmt.Errorf("merchant private key: %w", err)
	}
	if !strings.Contains(string(mchKeyPEM), "BEGIN PRIVATE KEY") {
		return errors.New("merchant private key must be PKCS#8 (BEGIN PRIVATE KEY); convert with openssl pkcs8 -topk8 -nocrypt")
	}
	key, err := wxpay.ParsePublicKey(platformKeyPEM)
	if err != nil {
		return fmt.Errorf("platform public key: %w", err)
	}
	c.MchKeyPEM, c.PlatformKey = mchKeyPEM, key
	return nil
}

func (c Credentials) validate() error {
	if c.AppID == "" || c.AppSecret == "" || c.MchID == "" || c.MchSerial == "" || len(c.MchKeyPEM) == 0 ||
		len(c.APIv3Key) != 32 || c.PlatformKeyID == "" || c.PlatformKey == nil {
		return errors.New("wechat: incomplete credentials")
	}
	return nil
}

// httpClient is the client every WeChat call goes through: bounded in time
// at every stage.
func httpClient() *http.Client {
	return &http.Client{
		Timeout: Timeout,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ResponseHeaderTimeout: Timeout,
			TLSHandshakeTimeout:   5 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   16,
		},
	}
}
