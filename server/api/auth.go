package api

import (
	"strings"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
	"wemart/server/staff"
)

const principalKey = "wemart.staff"

// requireStaff authenticates the staff bearer token; the principal is then
// available to handlers through principal(c).
func (h *staffAPI) requireStaff(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := bearer(c)
		if token == "" {
			return errs.E(errs.Unauthenticated, "send a staff token as Authorization: Bearer <token>")
		}
		p, err := h.Staff.Authenticate(c.Request().Context(), token)
		if err != nil {
			return err
		}
		c.Set(principalKey, p)
		return next(c)
	}
}

func principal(c echo.Context) staff.Principal {
	p, _ := c.Get(principalKey).(staff.Principal)
	return p
}

func bearer(c echo.Context) string {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

const shopperKey = "wemart.shopper"

// requireShopper authenticates a shopper bearer token.
func (h *shopperAPI) requireShopper(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := bearer(c)
		if token == "" {
			return errs.E(errs.Unauthenticated, "log in first: send the shopper token as Authorization: Bearer <token>")
		}
		id, err := h.Shoppers.Authenticate(c.Request().Context(), token)
		if err != nil {
			return err
		}
		c.Set(shopperKey, id)
		return next(c)
	}
}

func shopperID(c echo.Context) int {
	id, _ := c.Get(shopperKey).(int)
	return id
}
