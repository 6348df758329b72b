package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/server/cart"
	"wemart/server/errs"
)

func (h *cartAPI) getCart(c echo.Context) error {
	storeID, err := queryID(c, "store_id")
	if err != nil {
		return err
	}
	ct, err := h.Cart.Get(c.Request().Context(), shopperID(c), storeID)
	return reply(c, http.StatusOK, ct, err, h.cartDTO)
}

func (h *cartAPI) putCartItem(c echo.Context) error {
	var in cart.PutInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ct, err := h.Cart.Put(c.Request().Context(), shopperID(c), in)
	return reply(c, http.StatusOK, ct, err, h.cartDTO)
}

// selectInput selects or deselects cart lines (all when sku_ids is left out).
type selectInput struct {
	StoreID  int   `json:"store_id"`
	SkuIDs   []int `json:"sku_ids"`
	Selected *bool `json:"selected"`
}

func (h *cartAPI) selectCart(c echo.Context) error {
	var in selectInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.Selected == nil {
		return errs.InvalidField("selected", "is required (true or false)")
	}
	ct, err := h.Cart.Select(c.Request().Context(), shopperID(c), in.StoreID, in.SkuIDs, *in.Selected)
	return reply(c, http.StatusOK, ct, err, h.cartDTO)
}

func (h *cartAPI) clearCart(c echo.Context) error {
	storeID, err := queryID(c, "store_id")
	if err != nil {
		return err
	}
	ct, err := h.Cart.Clear(c.Request().Context(), shopperID(c), storeID)
	return reply(c, http.StatusOK, ct, err, h.cartDTO)
}

// CartLine is a line of a cart, priced now.
type CartLine struct {
	SkuID     int    `json:"sku_id"`
	ProductID int    `json:"product_id"`
	Title     string `json:"title"`
	SkuName   string `json:"sku_name"`
	// Image is ImageURL under its former name.
	Image string `json:"image"`
	// ImageURL is the product's main picture ("" for none).
	ImageURL     string `json:"image_url"`
	Quantity     int    `json:"quantity"`
	Selected     bool   `json:"selected"`
	PriceFen     int64  `json:"price_fen"`
	SeenPriceFen int64  `json:"seen_price_fen"`
	PriceChanged bool   `json:"price_changed"`
	AmountFen    int64  `json:"amount_fen"`
	// Stock is the quantity available at the store.
	Stock     int64   `json:"stock"`
	Available bool    `json:"available"`
	Problem   *string `json:"problem"`
}

// Cart is a shopper's cart at one store.
type Cart struct {
	StoreID       int        `json:"store_id"`
	Items         []CartLine `json:"items"`
	GoodsFen      int64      `json:"goods_fen"`
	SelectedCount int        `json:"selected_count"`
	// HasChanges is true when some line changed price or cannot be ordered.
	HasChanges bool       `json:"has_changes"`
	UpdatedAt  *time.Time `json:"updated_at"`
}

func (v views) cartDTO(c cart.Cart) Cart {
	out := Cart{StoreID: c.StoreID, Items: make([]CartLine, len(c.Lines)), GoodsFen: c.GoodsFen,
		SelectedCount: c.Selected, UpdatedAt: utcPtr(c.UpdatedAt)}
	for i, l := range c.Lines {
		var problem *string
		if l.Problem != "" {
			problem = &l.Problem
		}
		out.Items[i] = CartLine{
			SkuID: l.SkuID, ProductID: l.ProductID, Title: l.Title, SkuName: l.SkuName, Image: v.URLs.Of(l.Image), ImageURL: v.URLs.Of(l.Image),
			Quantity: l.Quantity, Selected: l.Selected, PriceFen: l.PriceFen, SeenPriceFen: l.SeenPriceFen,
			PriceChanged: l.PriceChanged(), AmountFen: l.PriceFen * int64(l.Quantity),
			Stock: l.Stock, Available: l.Orderable(), Problem: problem,
		}
		if l.PriceChanged() || !l.Orderable() {
			out.HasChanges = true
		}
	}
	return out
}
