package sandbox

import (
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
)

// grantRequest is the body of POST /sandbox/subscribe/grants.
type grantRequest struct {
	// OpenID or Code names the user: the mini program knows the wx.login
	// code it used, and the sandbox maps codes to openids itself.
	OpenID     string `json:"openid"`
	Code       string `json:"code"`
	TemplateID string `json:"template_id"`
	// Count is how many accepts (1 when left out).
	Count *int `json:"count"`
}

var templateID = regexp.MustCompile(`^[0-9A-Za-z_\-]{1,128}$`)

// grant is POST /sandbox/subscribe/grants: it plays the shopper tapping
// "allow" in wx.requestSubscribeMessage for a template, count times. Each
// accept lets the mini program's server send that user one message of that
// template; without one, subscribe/send answers 43101 as WeChat does.
func (s *Sandbox) grant(c echo.Context) error {
	var req grantRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return errs.E(errs.Invalid, `the body must be {"openid" or "code", "template_id", "count"?}`)
	}
	count := 1
	if req.Count != nil {
		count = *req.Count
	}
	switch {
	case (req.OpenID == "") == (req.Code == ""):
		return errs.InvalidField("openid", "or code (the wx.login code) is required, not both")
	case req.Code != "" && !validCode(req.Code):
		return errs.InvalidField("code", "must be a wx.login code of 1 to 64 characters")
	case req.OpenID != "" && !s.knownOpenID(req.OpenID):
		return errs.InvalidField("openid", "is not a user of the sandbox's mini program")
	case !templateID.MatchString(req.TemplateID):
		return errs.InvalidField("template_id", "must be 1 to 128 letters, digits, _ or -")
	case count < 1 || count > 100:
		return errs.InvalidField("count", "must be between 1 and 100")
	}
	openid := req.OpenID
	if openid == "" {
		openid = s.OpenID(req.Code)
	}
	left := s.Grant(openid, req.TemplateID, count)
	return c.JSON(http.StatusOK, map[string]any{"openid": openid, "template_id": req.TemplateID, "remaining": left})
}

// Grant records that the user accepted count more messages of a template
// and returns how many may now be sent.
func (s *Sandbox) Grant(openid, templateID string, count int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.useGrant(openid, templateID, count)
}
