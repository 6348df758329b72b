package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/ent"
	"wemart/server/catalog"
	"wemart/server/media"
	"wemart/server/shoppers"
)

// Shopper is a shopper as the shopper API shows them (never the openid).
type Shopper struct {
	ID        int       `json:"id"`
	Nickname  string    `json:"nickname"`
	AvatarURL string    `json:"avatar_url"`
	Phone     *string   `json:"phone"`
	CreatedAt time.Time `json:"created_at"`
}

func (v views) shopperDTO(s *ent.Shopper) Shopper {
	return Shopper{ID: s.ID, Nickname: s.Nickname, AvatarURL: v.URLs.Of(s.AvatarURL), Phone: s.Phone, CreatedAt: s.CreatedAt.UTC()}
}

type codeRequest struct {
	Code string `json:"code"`
}

// shopperLoginRequest is a shopper login: the wx.login code and, when the mini
// program was opened from a share, the sharer's invite code and how.
type shopperLoginRequest struct {
	Code    string `json:"code"`
	Inviter string `json:"inviter"`
	Source  string `json:"source"`
}

type shopperLoginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	New       bool      `json:"new"`
	User      Shopper   `json:"user"`
}

func (h *shopperAPI) shopperLogin(c echo.Context) error {
	var req shopperLoginRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if err := checkInviter(req.Inviter, req.Source); err != nil {
		return err
	}
	s, err := h.Shoppers.Login(c.Request().Context(), req.Code)
	if err != nil {
		return err
	}
	if req.Inviter != "" && h.Referrals != nil {
		h.bindInviter(c, s.Shopper.ID, req.Inviter, req.Source)
	}
	return c.JSON(http.StatusOK, shopperLoginResponse{Token: s.Token, ExpiresAt: s.ExpiresAt.UTC(), New: s.New, User: h.shopperDTO(s.Shopper)})
}

func (h *shopperAPI) bindPhone(c echo.Context) error {
	var req codeRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	s, err := h.Shoppers.BindPhone(c.Request().Context(), shopperID(c), req.Code)
	return reply(c, http.StatusOK, s, err, h.shopperDTO)
}

func (h *shopperAPI) shopperMe(c echo.Context) error {
	s, err := h.Shoppers.Get(c.Request().Context(), shopperID(c))
	return reply(c, http.StatusOK, s, err, h.shopperDTO)
}

// updateMe is PATCH /api/v1/me: the shopper's nickname.
func (h *shopperAPI) updateMe(c echo.Context) error {
	var p shoppers.ProfilePatch
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	s, err := h.Shoppers.UpdateProfile(c.Request().Context(), shopperID(c), p)
	return reply(c, http.StatusOK, s, err, h.shopperDTO)
}

// uploadAvatar is POST /api/v1/me/avatar: a picture (multipart part
// "file", as wx.uploadFile sends the file chooseAvatar gave) becomes the
// shopper's avatar; the answer is the profile.
func (h *shopperAPI) uploadAvatar(c echo.Context) error {
	raw, err := readUpload(c, media.AvatarUploadBytes)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	pic, err := media.Prepare(ctx, raw, media.Avatar)
	if err != nil {
		return err
	}
	if err := catalog.StorePicture(ctx, h.Media, pic); err != nil {
		return err
	}
	s, err := h.Shoppers.SetAvatar(ctx, shopperID(c), pic.Key)
	return reply(c, http.StatusOK, s, err, h.shopperDTO)
}
