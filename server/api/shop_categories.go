package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// ShopCategory is a category a shopper can browse.
type ShopCategory struct {
	Category
	// ProductCount is how many listed products it holds, its subcategories'
	// included.
	ProductCount int `json:"product_count"`
}

// listShopCategories answers GET /api/v1/categories: the categories holding
// listed products, in display order, for the mini program's category bar.
func (h *productsAPI) listShopCategories(c echo.Context) error {
	cats, err := h.Catalog.BrowsableCategories(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]ShopCategory, len(cats))
	for i, b := range cats {
		out[i] = ShopCategory{Category: categoryDTO(b.Category), ProductCount: b.Products}
	}
	return c.JSON(http.StatusOK, Items[ShopCategory]{Items: out})
}
