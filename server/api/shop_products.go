package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/ent"
	"wemart/server/errs"
	"wemart/server/media"
	"wemart/server/prices"
)

// ShopProduct is a product as shoppers see it, with stock at a store when
// one is given.
type ShopProduct struct {
	ID          int      `json:"id"`
	Title       string   `json:"title"`
	Subtitle    string   `json:"subtitle"`
	Description string   `json:"description"`
	CategoryID  *int     `json:"category_id"`
	Images      []string `json:"images"`
	// ImageURL is the main picture's URL ("" for none).
	ImageURL  string    `json:"image_url"`
	StoreID   *int      `json:"store_id"`
	Available *bool     `json:"available"`
	Skus      []ShopSku `json:"skus"`
}

// ShopSku is a SKU as shoppers see it: PriceFen is its price at the store
// (the store's own, if it has one) and Stock what is available there (on
// hand minus reserved), null when no store was given.
type ShopSku struct {
	ID       int     `json:"id"`
	Name     string  `json:"name"`
	PriceFen int64   `json:"price_fen"`
	Barcode  *string `json:"barcode"`
	Stock    *int64  `json:"stock"`
}

// shopProduct builds the shopper view of p, with prices and stock at storeID
// (0: none, chain prices).
func (h *productsAPI) shopProduct(c echo.Context, p *ent.Product, storeID int) (ShopProduct, error) {
	out := ShopProduct{ID: p.ID, Title: p.Title, Subtitle: p.Subtitle, Description: p.Description,
		CategoryID: p.CategoryID, Images: p.Images, ImageURL: h.URLs.Of(media.ProductRef(p.ImageKey, p.Images)), Skus: make([]ShopSku, len(p.Edges.Skus))}
	if out.Images == nil {
		out.Images = []string{}
	}
	ids := make([]int, len(p.Edges.Skus))
	for i, k := range p.Edges.Skus {
		ids[i] = k.ID
		out.Skus[i] = ShopSku{ID: k.ID, Name: k.Name, PriceFen: k.PriceFen, Barcode: k.Barcode}
	}
	if storeID == 0 {
		return out, nil
	}
	levels, err := h.Inventory.Levels(c.Request().Context(), storeID, ids)
	if err != nil {
		return out, err
	}
	available := false
	for i := range out.Skus {
		l := levels[out.Skus[i].ID]
		n := l.Available
		out.Skus[i].Stock = &n
		out.Skus[i].PriceFen = prices.Effective(out.Skus[i].PriceFen, l.PriceFen)
		available = available || n > 0
	}
	out.StoreID, out.Available = &storeID, &available
	return out, nil
}

func (h *productsAPI) getShopProduct(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	storeID, err := queryInt(c, "store_id", 0, 1, 1<<31-1)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if storeID != 0 {
		e, err := h.Stores.Index().Get(ctx, int(storeID))
		if err != nil {
			return err
		}
		if e == nil {
			return errs.E(errs.NotFound, "no store %d", storeID)
		}
	}
	p, err := h.Catalog.ListedProduct(ctx, id)
	if err != nil {
		return err
	}
	out, err := h.shopProduct(c, p, int(storeID))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
