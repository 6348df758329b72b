package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"wemart/server/catalog"
	"wemart/server/prices"
)

func (h *catalogAPI) listCategories(c echo.Context) error {
	items, err := h.Catalog.Categories(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]Category, len(items))
	for i, it := range items {
		out[i] = categoryDTO(it)
	}
	return c.JSON(http.StatusOK, Items[Category]{Items: out})
}

func (h *catalogAPI) createCategory(c echo.Context) error {
	var in catalog.CategoryInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	cat, err := h.Catalog.CreateCategory(c.Request().Context(), in)
	return reply(c, http.StatusCreated, cat, err, categoryDTO)
}

func (h *catalogAPI) getCategory(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cat, err := h.Catalog.Category(c.Request().Context(), id)
	return reply(c, http.StatusOK, cat, err, categoryDTO)
}

func (h *catalogAPI) updateCategory(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var p catalog.CategoryPatch
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	cat, err := h.Catalog.UpdateCategory(c.Request().Context(), id, p)
	return reply(c, http.StatusOK, cat, err, categoryDTO)
}

func (h *catalogAPI) deleteCategory(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Catalog.DeleteCategory(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *catalogAPI) listProducts(c echo.Context) error {
	p, err := queryPage(c)
	if err != nil {
		return err
	}
	q, err := queryText(c, "q")
	if err != nil {
		return err
	}
	cat, err := queryOptInt(c, "category_id", 1, 1<<31-1)
	if err != nil {
		return err
	}
	var catID *int
	if cat != nil {
		v := int(*cat)
		catID = &v
	}
	items, total, err := h.Catalog.Products(c.Request().Context(), catalog.ProductFilter{
		Query: q, CategoryID: catID, Status: c.QueryParam("status"), Offset: p.Offset(), Limit: p.Size,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, total, p, h.productDTO))
}

func (h *catalogAPI) createProduct(c echo.Context) error {
	var in catalog.ProductInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := h.Catalog.CreateProduct(c.Request().Context(), in)
	return reply(c, http.StatusCreated, p, err, h.productDTO)
}

func (h *catalogAPI) getProduct(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := h.Catalog.Product(c.Request().Context(), id)
	return reply(c, http.StatusOK, p, err, h.productDTO)
}

func (h *catalogAPI) updateProduct(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in catalog.ProductPatch
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := h.Catalog.UpdateProduct(c.Request().Context(), id, in)
	return reply(c, http.StatusOK, p, err, h.productDTO)
}

func (h *catalogAPI) deleteProduct(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Catalog.DeleteProduct(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *catalogAPI) addSku(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in catalog.SkuInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	k, err := h.Catalog.AddSku(c.Request().Context(), id, in)
	return reply(c, http.StatusCreated, k, err, skuDTO)
}

func (h *catalogAPI) getSku(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	k, err := h.Catalog.Sku(c.Request().Context(), id)
	return reply(c, http.StatusOK, k, err, skuDTO)
}

func (h *catalogAPI) updateSku(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in catalog.SkuPatch
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	k, err := h.Catalog.UpdateSku(c.Request().Context(), prices.Staff(principal(c).ID), id, in)
	return reply(c, http.StatusOK, k, err, skuDTO)
}

func (h *catalogAPI) deleteSku(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Catalog.DeleteSku(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
