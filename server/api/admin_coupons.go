package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/ent"
	"wemart/server/coupons"
	"wemart/server/staff"
)

// couponsAPI serves coupons: the staff's templates and issuing, the
// shoppers' claiming and their coupons.
type couponsAPI struct {
	Coupons *coupons.Service
}

// Coupons adds the routes of coupons. Templates and issuing are for the
// whole chain (promotions.manage: admins and chain-wide managers).
func (r *Router) Coupons(s *coupons.Service) {
	h := &couponsAPI{Coupons: s}
	r.staffRoute(http.MethodGet, "/coupon-templates", h.listTemplates, may(staff.PermManagePromotions))
	r.staffRoute(http.MethodPost, "/coupon-templates", h.createTemplate, may(staff.PermManagePromotions))
	r.staffRoute(http.MethodGet, "/coupon-templates/:id", h.getTemplate, may(staff.PermManagePromotions))
	r.staffRoute(http.MethodPatch, "/coupon-templates/:id", h.updateTemplate, may(staff.PermManagePromotions))
	r.staffRoute(http.MethodPost, "/coupon-templates/:id/issue", h.issueCoupon, may(staff.PermManagePromotions))
	r.shopperRoute(http.MethodGet, "/coupon-templates", h.claimableTemplates)
	r.shopperRoute(http.MethodPost, "/coupons", h.claimCoupon)
	r.shopperRoute(http.MethodGet, "/coupons", h.myCoupons)
}

// CouponTerms are what a coupon template says a coupon takes off, from
// how much, where and on what: a template's, and each of its coupons'.
type CouponTerms struct {
	Name           string `json:"name"`
	Description    string `json:"description"`
	DiscountFen    *int64 `json:"discount_fen"`
	PercentOff     *int   `json:"percent_off"`
	MaxDiscountFen *int64 `json:"max_discount_fen"`
	MinSpendFen    int64  `json:"min_spend_fen"`
	StoreIDs       []int  `json:"store_ids"`
	CategoryIDs    []int  `json:"category_ids"`
	ProductIDs     []int  `json:"product_ids"`
}

func couponTermsDTO(t *ent.CouponTemplate) CouponTerms {
	return CouponTerms{Name: t.Name, Description: t.Description, DiscountFen: t.DiscountFen, PercentOff: t.PercentOff,
		MaxDiscountFen: t.MaxDiscountFen, MinSpendFen: t.MinSpendFen, StoreIDs: intsOrEmpty(t.StoreIds),
		CategoryIDs: intsOrEmpty(t.CategoryIds), ProductIDs: intsOrEmpty(t.ProductIds)}
}

// CouponTemplate is a kind of coupon staff defined.
type CouponTemplate struct {
	ID int `json:"id"`
	CouponTerms
	Total      int        `json:"total"`
	Issued     int        `json:"issued"`
	Remaining  int        `json:"remaining"`
	PerShopper int        `json:"per_shopper"`
	ValidDays  *int       `json:"valid_days"`
	StartsAt   *time.Time `json:"starts_at"`
	EndsAt     *time.Time `json:"ends_at"`
	Claimable  bool       `json:"claimable"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

func couponTemplateDTO(t *ent.CouponTemplate) CouponTemplate {
	return CouponTemplate{ID: t.ID, CouponTerms: couponTermsDTO(t), Total: t.Total, Issued: t.Issued,
		Remaining: t.Total - t.Issued, PerShopper: t.PerShopper, ValidDays: t.ValidDays, StartsAt: utcPtr(t.StartsAt),
		EndsAt: utcPtr(t.EndsAt), Claimable: t.Claimable, Status: string(t.Status), CreatedAt: t.CreatedAt.UTC(),
		UpdatedAt: t.UpdatedAt.UTC()}
}

// intsOrEmpty is list, or an empty list for nil.
func intsOrEmpty(list []int) []int {
	if list == nil {
		return []int{}
	}
	return list
}

func (h *couponsAPI) listTemplates(c echo.Context) error {
	ts, err := h.Coupons.Templates(c.Request().Context())
	return reply(c, http.StatusOK, ts, err, itemsOf(couponTemplateDTO))
}

func (h *couponsAPI) createTemplate(c echo.Context) error {
	var in coupons.TemplateInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	t, err := h.Coupons.CreateTemplate(c.Request().Context(), in)
	return reply(c, http.StatusCreated, t, err, couponTemplateDTO)
}

func (h *couponsAPI) getTemplate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	t, err := h.Coupons.Template(c.Request().Context(), id)
	return reply(c, http.StatusOK, t, err, couponTemplateDTO)
}

func (h *couponsAPI) updateTemplate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in coupons.TemplatePatch
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	t, err := h.Coupons.UpdateTemplate(c.Request().Context(), id, in)
	return reply(c, http.StatusOK, t, err, couponTemplateDTO)
}

func (h *couponsAPI) issueCoupon(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		ShopperID int `json:"shopper_id"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	cp, err := h.Coupons.IssueByStaff(c.Request().Context(), id, in.ShopperID)
	return reply(c, http.StatusCreated, cp, err, couponDTO)
}
