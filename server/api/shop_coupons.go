package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/ent"
	"wemart/server/coupons"
	"wemart/server/errs"
)

// ShopCouponTemplate is a template a shopper may claim now.
type ShopCouponTemplate struct {
	CouponTemplate
	// ClaimedByMe counts the shopper's coupons of it.
	ClaimedByMe int `json:"claimed_by_me"`
	// CanClaim: the shopper is below its per_shopper limit.
	CanClaim bool `json:"can_claim"`
}

// Coupon is a coupon a shopper holds, with what its template says.
type Coupon struct {
	ID         int    `json:"id"`
	TemplateID int    `json:"template_id"`
	Status     string `json:"status"`
	CouponTerms
	ValidFrom  time.Time  `json:"valid_from"`
	ValidUntil time.Time  `json:"valid_until"`
	Source     string     `json:"source"`
	OrderID    *int       `json:"order_id"`
	UsedAt     *time.Time `json:"used_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// couponDTO needs the coupon's template loaded (Edges.Template).
func couponDTO(c *ent.Coupon) Coupon {
	out := Coupon{ID: c.ID, TemplateID: c.TemplateID, Status: string(c.Status), CouponTerms: couponTermsDTO(c.Edges.Template),
		ValidFrom: c.ValidFrom.UTC(), ValidUntil: c.ValidUntil.UTC(), Source: string(c.Source), UsedAt: utcPtr(c.UsedAt),
		CreatedAt: c.CreatedAt.UTC()}
	if c.Status == "locked" || c.Status == "used" { // the order holding it
		out.OrderID = c.OrderID
	}
	return out
}

func (h *couponsAPI) claimableTemplates(c echo.Context) error {
	storeID, err := queryOptInt(c, "store_id", 1, 1<<31-1)
	if err != nil {
		return err
	}
	var at *int
	if storeID != nil {
		id := int(*storeID)
		at = &id
	}
	list, err := h.Coupons.Claimable(c.Request().Context(), shopperID(c), at)
	return reply(c, http.StatusOK, list, err, itemsOf(func(o coupons.Offering) ShopCouponTemplate {
		return ShopCouponTemplate{CouponTemplate: couponTemplateDTO(o.Template), ClaimedByMe: o.ClaimedByMe, CanClaim: o.CanClaim}
	}))
}

func (h *couponsAPI) claimCoupon(c echo.Context) error {
	var in struct {
		TemplateID int `json:"template_id"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.TemplateID < 1 {
		return errs.InvalidField("template_id", "must be a positive integer")
	}
	cp, err := h.Coupons.Claim(c.Request().Context(), shopperID(c), in.TemplateID)
	return reply(c, http.StatusCreated, cp, err, couponDTO)
}

func (h *couponsAPI) myCoupons(c echo.Context) error {
	cs, err := h.Coupons.Mine(c.Request().Context(), shopperID(c), c.QueryParam("status"))
	return reply(c, http.StatusOK, cs, err, itemsOf(couponDTO))
}
