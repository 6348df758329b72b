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
	errInvalidScene      = 40129
	errSceneTooLong      = 40169
	errInvalidPage       = 41030
	errTokenExpired      = 42001
	errUserRefused       = 43101
	errArgument          = 47003
)

// tokenMemory is how long after expiring a token is still remembered (and
// answered 42001 "expired" rather than 40001 "invalid").
const tokenMemory = 24 * time.Hour

// issueToken makes a new access token; call with s.mu held. Tokens long
// expired are forgotten on the way, so the table stays small.
func (s *Sandbox) issueToken(classic bool) (string, time.Time) {
	now := s.now()
	for old, t := range s.st.Tokens {
		if now.Sub(t.Expiry) > tokenMemory {
			delete(s.st.Tokens, old)
			s.put(recToken, old, nil)
		}
	}
	tok := "sandbox_" + randHex(24)
	exp := now.Add(s.opt.TokenTTL)
	s.st.Tokens[tok] = accessToken{Expiry: exp, Classic: classic}
	s.put(recToken, tok, s.st.Tokens[tok])
	return tok, exp
}

// expiresIn is WeChat's expires_in of a token: whole seconds left, rounded
// up (a fresh token says 7200, not 7199).
func (s *Sandbox) expiresIn(exp time.Time) int {
	left := exp.Sub(s.now())
	return int((left + time.Second - 1) / time.Second)
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
	for old, t := range s.st.Tokens {
		if t.Classic && t.Expiry.After(cutoff) {
			t.Expiry = cutoff
			s.st.Tokens[old] = t
			s.put(recToken, old, t)
		}
	}
	tok, exp := s.issueToken(true)
	s.mu.Unlock()
	return c.JSON(http.StatusOK, tokenAnswer{tok, s.expiresIn(exp)})
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
	st := &s.st.Stable
	if req.ForceRefresh || st.Token == "" || !s.now().Before(st.Expiry) {
		if st.Token != "" {
			delete(s.st.Tokens, st.Token)
			s.put(recToken, st.Token, nil)
		}
		st.Token, st.Expiry = s.issueToken(false)
		s.put(recStable, "", *st)
	}
	answer := tokenAnswer{st.Token, s.expiresIn(st.Expiry)}
	s.mu.Unlock()
	return c.JSON(http.StatusOK, answer)
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
	t, ok := s.st.Tokens[tok]
	s.mu.Unlock()
	switch {
	case !ok:
		return errInvalidCredential, "invalid credential, access_token is invalid or not latest"
	case !s.now().Before(t.Expiry):
		return errTokenExpired, "access_token expired"
	}
	return 0, ""
}

// ExpireTokens makes every access token stale, as if two hours had passed.
func (s *Sandbox) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.now().Add(-time.Second)
	for tok, t := range s.st.Tokens {
		t.Expiry = past
		s.st.Tokens[tok] = t
		s.put(recToken, tok, t)
	}
	s.st.Stable.Expiry = past
	s.put(recStable, "", s.st.Stable)
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
var sceneChars = regexp.MustCompile(`^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$`)

// maxScene is getwxacodeunlimit's limit on a scene, in characters.
const maxScene = 32

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
	switch {
	case utf8.RuneCountInString(req.Scene) > maxScene:
		return fail(c, errSceneTooLong, "invalid length for scene, or the data is not json string")
	case !sceneChars.MatchString(req.Scene):
		return fail(c, errInvalidScene, "invalid scene: 1 to 32 characters of [0-9A-Za-z!#$&'()*+,/:;=?@-._~]")
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
	img, err := qrJPEG(WXACodeContent(req.Page, req.Scene), width)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "image/jpeg", img)
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
	// Each accept in wx.requestSubscribeMessage allows one message.
	if s.st.Grants[req.ToUser][req.TemplateID] < 1 {
		s.mu.Unlock()
		return fail(c, errUserRefused, "user refuse to accept the msg")
	}
	s.useGrant(req.ToUser, req.TemplateID, -1)
	req.MsgID = 1
	if n := len(s.st.Subscribes); n > 0 {
		req.MsgID = s.st.Subscribes[n-1].MsgID + 1
	}
	req.At = s.now().UTC()
	s.st.logSubscribe(req)
	s.put(recSubscribe, "", req)
	s.mu.Unlock()
	return c.JSON(http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": req.MsgID})
}

// useGrant adds n (negative: uses up) to the messages openid accepted of a
// template; call with s.mu held.
func (s *Sandbox) useGrant(openid, templateID string, n int) int {
	g := s.st.Grants[openid]
	if g == nil {
		g = map[string]int{}
		s.st.Grants[openid] = g
	}
	g[templateID] += n
	left := g[templateID]
	if left <= 0 {
		delete(g, templateID)
	}
	if len(g) == 0 {
		delete(s.st.Grants, openid)
		s.put(recGrants, openid, nil)
	} else {
		s.put(recGrants, openid, g)
	}
	return max(left, 0)
}

// Subscribes returns the subscribe messages accepted so far (the last 500).
func (s *Sandbox) Subscribes() []SubscribeRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SubscribeRecord(nil), s.st.Subscribes...)
}
