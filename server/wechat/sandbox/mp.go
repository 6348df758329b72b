package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// wxError is the body of a failed mini program API call. WeChat answers these
// with HTTP 200, and so does the sandbox.
type wxError struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func fail(c echo.Context, code int, msg string) error {
	return c.JSON(http.StatusOK, wxError{ErrCode: code, ErrMsg: msg + " rid: sandbox"})
}

// WeChat error codes the sandbox answers with.
const (
	errInvalidCredential = 40001 // access_token invalid or not latest
	errInvalidOpenID     = 40003
	errInvalidAppID      = 40013
	errInvalidCode       = 40029
	errInvalidTemplate   = 40037
	errInvalidArgs       = 40097
	errInvalidSecret     = 40125
	errInvalidPage       = 41030
	errTokenExpired      = 42001
	errArgument          = 47003
)

func (s *Sandbox) issueToken() (string, time.Time) {
	tok := "sandbox_" + randHex(24)
	exp := s.now().Add(s.opt.TokenTTL)
	s.tokens[tok] = exp
	return tok, exp
}

type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

// classicGrace is how long WeChat keeps a classic access token valid after a
// newer one was issued.
const classicGrace = 5 * time.Minute

// token is GET cgi-bin/token: a fresh token per call and, as at WeChat, the
// previous classic tokens die five minutes later. This is how processes that
// each fetch their own token knock each other out, and why wemart uses
// stable_token (whose tokens are separate and shared).
func (s *Sandbox) token(c echo.Context) error {
	if code, msg := s.checkApp(c.QueryParam("appid"), c.QueryParam("secret")); code != 0 {
		return fail(c, code, msg)
	}
	if c.QueryParam("grant_type") != "client_credential" {
		return fail(c, 40002, "invalid grant_type")
	}
	s.mu.Lock()
	cutoff := s.now().Add(classicGrace)
	for old := range s.classic {
		if s.tokens[old].After(cutoff) {
			s.tokens[old] = cutoff
		}
	}
	tok, exp := s.issueToken()
	s.classic[tok] = true
	s.mu.Unlock()
	return c.JSON(http.StatusOK, tokenAnswer{tok, int(exp.Sub(s.now()).Seconds())})
}

// stableToken is POST cgi-bin/stable_token: every caller gets the same token
// until it expires (so N processes never invalidate each other);
// force_refresh makes a new one.
func (s *Sandbox) stableToken(c echo.Context) error {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
		return fail(c, errArgument, "argument invalid! data format error")
	}
	if code, msg := s.checkApp(req.AppID, req.Secret); code != 0 {
		return fail(c, code, msg)
	}
	if req.GrantType != "client_credential" {
		return fail(c, 40002, "invalid grant_type")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.ForceRefresh || s.stable.token == "" || !s.now().Before(s.stable.expiry) {
		delete(s.tokens, s.stable.token)
		s.stable.token, s.stable.expiry = s.issueToken()
	}
	return c.JSON(http.StatusOK, tokenAnswer{s.stable.token, int(s.stable.expiry.Sub(s.now()).Seconds())})
}

func (s *Sandbox) checkApp(appID, secret string) (int, string) {
	switch {
	case appID != s.id.AppID:
		return errInvalidAppID, "invalid appid"
	case !hmac.Equal([]byte(secret), []byte(s.id.AppSecret)):
		return errInvalidSecret, "invalid appsecret"
	}
	return 0, ""
}

// checkToken validates the access_token query parameter of an API call.
func (s *Sandbox) checkToken(c echo.Context) (int, string) {
	tok := c.QueryParam("access_token")
	s.mu.Lock()
	exp, ok := s.tokens[tok]
	s.mu.Unlock()
	switch {
	case !ok:
		return errInvalidCredential, "invalid credential, access_token is invalid or not latest"
	case !s.now().Before(exp):
		return errTokenExpired, "access_token expired"
	}
	return 0, ""
}

// ExpireTokens makes every access token stale, as if two hours had passed.
func (s *Sandbox) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok := range s.tokens {
		s.tokens[tok] = s.now().Add(-time.Second)
	}
	s.stable.expiry = s.now().Add(-time.Second)
}

// validCode is the sandbox's rule for wx.login and phone codes: non-empty,
// at most 64 characters, no control characters.
func validCode(code string) bool {
	if code == "" || utf8.RuneCountInString(code) > 64 || !utf8.ValidString(code) {
		return false
	}
	return strings.IndexFunc(code, unicode.IsControl) < 0
}

func (s *Sandbox) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, []byte(s.id.AppSecret))
	m.Write([]byte(strings.Join(parts, "\x00")))
	return m.Sum(nil)
}

// OpenID is the openid the sandbox gives the user who logs in with code: the
// same code always gives the same user. The openid carries a MAC, so the
// sandbox can tell its own openids from made-up ones without remembering them.
func (s *Sandbox) OpenID(code string) string {
	h := sha256.Sum256([]byte(s.id.AppID + "\x00" + code))
	return s.openIDOf(h[:12])
}

func (s *Sandbox) openIDOf(body []byte) string {
	tag := s.mac("openid", string(body))[:8]
	return "o" + base64.RawURLEncoding.EncodeToString(append(append([]byte{}, body...), tag...))
}

// knownOpenID reports whether openid is one the sandbox handed out.
func (s *Sandbox) knownOpenID(openid string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(openid, "o"))
	if err != nil || len(raw) != 20 || !strings.HasPrefix(openid, "o") {
		return false
	}
	return s.openIDOf(raw[:12]) == openid
}

func (s *Sandbox) code2Session(c echo.Context) error {
	if code, msg := s.checkApp(c.QueryParam("appid"), c.QueryParam("secret")); code != 0 {
		return fail(c, code, msg)
	}
	if c.QueryParam("grant_type") != "authorization_code" {
		return fail(c, 40002, "invalid grant_type")
	}
	code := c.QueryParam("js_code")
	if !validCode(code) {
		return fail(c, errInvalidCode, "invalid code")
	}
	union := sha256.Sum256([]byte("unionid\x00" + code))
	return c.JSON(http.StatusOK, map[string]any{
		"openid":      s.OpenID(code),
		"session_key": base64.StdEncoding.EncodeToString(s.mac("session_key", code)[:16]),
		"unionid":     "o" + base64.RawURLEncoding.EncodeToString(union[:20])[:27],
	})
}

// PhoneNumber is the number the sandbox binds for a getPhoneNumber code: a
// mainland mobile number derived from the code.
func (s *Sandbox) PhoneNumber(code string) string {
	h := s.mac("phone", code)
	digits := make([]byte, 8)
	for i := range digits {
		digits[i] = '0' + h[i+1]%10
	}
	return fmt.Sprintf("1%d%d%s", 3+h[0]%7, h[9]%10, digits)
}

func (s *Sandbox) phoneNumber(c echo.Context) error {
	if code, msg := s.checkToken(c); code != 0 {
		return fail(c, code, msg)
	}
	var req struct {
		Code string `json:"code"`
	}
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
		return fail(c, errArgument, "argument invalid! data format error")
	}
	if !validCode(req.Code) {
		return fail(c, errInvalidCode, "invalid code")
	}
	phone := s.PhoneNumber(req.Code)
	return c.JSON(http.StatusOK, map[string]any{
		"errcode": 0, "errmsg": "ok",
		"phone_info": map[string]any{
			"phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86",
			"watermark": map[string]any{"timestamp": s.now().Unix(), "appid": s.id.AppID},
		},
	})
}

// sceneChars is what getwxacodeunlimit allows in a scene: letters, digits and
// !#$&'()*+,/:;=?@-._~
var sceneChars = regexp.MustCompile(`^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$`)
var pagePath = regexp.MustCompile(`^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$`)

// WXACodeContent is what the sandbox's mini program code for page and scene
// encodes (a real one is opaque; this one can be read back by any QR reader).
func WXACodeContent(page, scene string) string {
	return "wxacode:" + page + "?scene=" + scene
}

func (s *Sandbox) wxaCode(c echo.Context) error {
	if code, msg := s.checkToken(c); code != 0 {
		return fail(c, code, msg)
	}
	req := struct {
		Scene      string  `json:"scene"`
		Page       string  `json:"page"`
		CheckPath  *bool   `json:"check_path"`
		EnvVersion string  `json:"env_version"`
		Width      float64 `json:"width"`
	}{}
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
		return fail(c, errArgument, "argument invalid! data format error")
	}
	if !sceneChars.MatchString(req.Scene) {
		return fail(c, errInvalidArgs, "invalid args: scene must be 1 to 32 visible characters of [0-9A-Za-z!#$&'()*+,/:;=?@-._~]")
	}
	if req.Page != "" {
		if !pagePath.MatchString(req.Page) {
			return fail(c, errInvalidPage, "invalid page: no leading slash, no query string")
		}
		if (req.CheckPath == nil || *req.CheckPath) && len(s.opt.Pages) > 0 && !contains(s.opt.Pages, req.Page) {
			return fail(c, errInvalidPage, "invalid page: not a page of the released mini program")
		}
	}
	switch req.EnvVersion {
	case "", "release", "trial", "develop":
	default:
		return fail(c, errInvalidArgs, "invalid args: env_version must be release, trial or develop")
	}
	width := int(req.Width)
	if width == 0 {
		width = 430
	}
	if width < 280 || width > 1280 {
		return fail(c, errInvalidArgs, "invalid args: width must be 280 to 1280")
	}
	png, err := qrPNG(WXACodeContent(req.Page, req.Scene), width)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "image/png", png)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// SubscribeRecord is a subscribe message the sandbox accepted.
type SubscribeRecord struct {
	ToUser     string                       `json:"touser"`
	TemplateID string                       `json:"template_id"`
	Page       string                       `json:"page,omitempty"`
	State      string                       `json:"miniprogram_state,omitempty"`
	Data       map[string]map[string]string `json:"data"`
	MsgID      int64                        `json:"msgid"`
	At         time.Time                    `json:"at"`
}

func (s *Sandbox) sendSubscribe(c echo.Context) error {
	if code, msg := s.checkToken(c); code != 0 {
		return fail(c, code, msg)
	}
	var req SubscribeRecord
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
		return fail(c, errArgument, "argument invalid! data format error")
	}
	switch {
	case !s.knownOpenID(req.ToUser):
		return fail(c, errInvalidOpenID, "invalid openid")
	case req.TemplateID == "":
		return fail(c, errInvalidTemplate, "invalid template_id")
	case len(req.Data) == 0:
		return fail(c, errArgument, "argument invalid! data is empty")
	}
	for k, v := range req.Data {
		if strings.TrimSpace(v["value"]) == "" {
			return fail(c, errArgument, "argument invalid! data."+k+".value is empty")
		}
	}
	switch req.State {
	case "", "developer", "trial", "formal":
	default:
		return fail(c, errArgument, "argument invalid! miniprogram_state")
	}
	s.mu.Lock()
	req.MsgID = int64(len(s.subscribe) + 1)
	req.At = s.now().UTC()
	s.subscribe = append(s.subscribe, req)
	s.mu.Unlock()
	return c.JSON(http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": req.MsgID})
}

// Subscribes returns the subscribe messages accepted so far.
func (s *Sandbox) Subscribes() []SubscribeRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SubscribeRecord(nil), s.subscribe...)
}
