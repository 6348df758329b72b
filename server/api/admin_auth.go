package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Staff     Staff     `json:"staff"`
}

func (h *staffAPI) login(c echo.Context) error {
	var req loginRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	s, err := h.Staff.Login(c.Request().Context(), req.Username, req.Password)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, loginResponse{Token: s.Token, ExpiresAt: s.ExpiresAt.UTC(), Staff: staffDTO(s.Staff)})
}

func (h *staffAPI) me(c echo.Context) error {
	st, err := h.Staff.Get(c.Request().Context(), principal(c).ID)
	return reply(c, http.StatusOK, st, err, staffDTO)
}

// logout revokes every token of the caller's account issued so far: a staff
// member leaving a shared counter device logs out everywhere.
func (h *staffAPI) logout(c echo.Context) error {
	if err := h.Staff.Logout(c.Request().Context(), principal(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
