package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/server/orders"
)

// QuoteLevel is the shopper's member level as a quote applies it.
type QuoteLevel struct {
	Name         string `json:"name"`
	PercentOff   int    `json:"percent_off"`
	FreeDelivery bool   `json:"free_delivery"`
}

// QuoteCoupon is one of the shopper's coupons judged against the order.
type QuoteCoupon struct {
	ID          int       `json:"id"`
	TemplateID  int       `json:"template_id"`
	Name        string    `json:"name"`
	DiscountFen int64     `json:"discount_fen"`
	Usable      bool      `json:"usable"`
	Reason      string    `json:"reason"`
	ValidUntil  time.Time `json:"valid_until"`
}

// QuoteItem is an order line as priced, with its share of the discounts.
type QuoteItem struct {
	SkuID       int   `json:"sku_id"`
	Quantity    int   `json:"quantity"`
	AmountFen   int64 `json:"amount_fen"`
	DiscountFen int64 `json:"discount_fen"`
}

// Quote is the answer to POST /api/v1/orders/quote: what the checkout
// would cost, step by step, and the coupons and points the shopper could use.
type Quote struct {
	GoodsFen             int64         `json:"goods_fen"`
	Level                QuoteLevel    `json:"level"`
	LevelDiscountFen     int64         `json:"level_discount_fen"`
	Coupons              []QuoteCoupon `json:"coupons"`
	CouponID             *int          `json:"coupon_id"`
	CouponDiscountFen    int64         `json:"coupon_discount_fen"`
	PointsAvailable      int64         `json:"points_available"`
	PointsMax            int64         `json:"points_max"`
	PointsUsed           int64         `json:"points_used"`
	PointsDiscountFen    int64         `json:"points_discount_fen"`
	DeliveryFeeFen       int64         `json:"delivery_fee_fen"`
	DeliveryFeeWaivedFen int64         `json:"delivery_fee_waived_fen"`
	DiscountFen          int64         `json:"discount_fen"`
	PayableFen           int64         `json:"payable_fen"`
	Items                []QuoteItem   `json:"items"`
}

func (h *ordersAPI) quoteOrder(c echo.Context) error {
	var in orders.CreateInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := h.Orders.Quote(c.Request().Context(), shopperID(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, quoteDTO(p))
}

func quoteDTO(p *orders.Priced) Quote {
	q := p.Quote
	out := Quote{
		GoodsFen: q.GoodsFen(), LevelDiscountFen: q.LevelDiscountFen, CouponDiscountFen: q.CouponDiscountFen,
		Level:           QuoteLevel{Name: p.Level.Name, PercentOff: p.Level.PercentOff, FreeDelivery: p.Level.FreeDelivery},
		PointsAvailable: p.PointsAvailable, PointsMax: p.PointsMax, PointsUsed: q.PointsUsed, PointsDiscountFen: q.PointsDiscountFen,
		DeliveryFeeFen: q.DeliveryFeeFen, DeliveryFeeWaivedFen: q.DeliveryFeeWaivedFen,
		DiscountFen: q.DiscountFen(), PayableFen: q.PayableFen(),
		Coupons: make([]QuoteCoupon, len(p.Offers)), Items: make([]QuoteItem, len(q.Lines)),
	}
	if p.Coupon != nil {
		out.CouponID = &p.Coupon.CouponID
	}
	for i, o := range p.Offers {
		out.Coupons[i] = QuoteCoupon{ID: o.CouponID, TemplateID: o.TemplateID, Name: o.Name, DiscountFen: o.DiscountFen,
			Usable: o.Usable, Reason: o.Reason, ValidUntil: o.ValidUntil.UTC()}
	}
	for i, l := range q.Lines {
		out.Items[i] = QuoteItem{SkuID: l.SkuID, Quantity: l.Quantity, AmountFen: l.AmountFen, DiscountFen: l.DiscountFen}
	}
	return out
}
