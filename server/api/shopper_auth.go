package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/ent"
)

// Shopper is a shopper as the shopper API shows them (never the openid).
type Shopper struct {
	ID        int       `json:"id"`
	Nickname  string    `json:"nickname"`
	AvatarURL string    `json:"avatar_url"`
	Phone     *string   `json:"phone"`
	CreatedAt time.Time `json:"created_at"`
}

func shopperDTO(s *ent.Shopper) Shopper {
	return Shopper{ID: s.ID, Nickname: s.Nickname, AvatarURL: s.AvatarURL, Phone: s.Phone, CreatedAt: s.CreatedAt.UTC()}
}

type codeRequest struct {
	Code string `json:"code"`
}

type shopperLoginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	New       bool      `json:"new"`
	User      Shopper   `json:"user"`
}

func (h *shopperAPI) shopperLogin(c echo.Context) error {
	var req codeRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	s, err := h.Shoppers.Login(c.Request().Context(), req.Code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, shopperLoginResponse{Token: s.Token, ExpiresAt: s.ExpiresAt.UTC(), New: s.New, User: shopperDTO(s.Shopper)})
}

func (h *shopperAPI) bindPhone(c echo.Context) error {
	var req codeRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	s, err := h.Shoppers.BindPhone(c.Request().Context(), shopperID(c), req.Code)
	return reply(c, http.StatusOK, s, err, shopperDTO)
}

func (h *shopperAPI) shopperMe(c echo.Context) error {
	s, err := h.Shoppers.Get(c.Request().Context(), shopperID(c))
	return reply(c, http.StatusOK, s, err, shopperDTO)
}
