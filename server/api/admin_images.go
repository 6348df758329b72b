package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/ent"
	"wemart/server/media"
)

// ProductImage is an uploaded picture of a product.
type ProductImage struct {
	ID          int       `json:"id"`
	ProductID   int       `json:"product_id"`
	URL         string    `json:"url"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	ContentType string    `json:"content_type"`
	Bytes       int64     `json:"bytes"`
	Position    int       `json:"position"`
	CreatedAt   time.Time `json:"created_at"`
}

func (v views) imageDTO(i *ent.ProductImage) ProductImage {
	return ProductImage{ID: i.ID, ProductID: i.ProductID, URL: v.URLs.Of(i.Key), Width: i.Width, Height: i.Height,
		ContentType: i.ContentType, Bytes: i.Bytes, Position: i.Position, CreatedAt: i.CreatedAt.UTC()}
}

func (v views) imagesDTO(rows []*ent.ProductImage) Items[ProductImage] {
	out := make([]ProductImage, len(rows))
	for i, r := range rows {
		out[i] = v.imageDTO(r)
	}
	return Items[ProductImage]{Items: out}
}

// addImage is POST /admin/v1/products/:id/images: a picture uploaded as
// multipart/form-data (part "file"). 201 with the picture; 200 with it when
// the product already had this picture.
func (h *catalogAPI) addImage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// A product that does not exist is refused before the upload is read.
	if err := h.Pictures.Exists(ctx, id); err != nil {
		return err
	}
	raw, err := readUpload(c, media.ProductUploadBytes)
	if err != nil {
		return err
	}
	img, created, err := h.Pictures.Add(ctx, id, raw)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, h.imageDTO(img))
}

func (h *catalogAPI) listImages(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rows, err := h.Pictures.List(c.Request().Context(), id)
	return reply(c, http.StatusOK, rows, err, h.imagesDTO)
}

func (h *catalogAPI) deleteImage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	imageID, err := pathID(c, "image_id")
	if err != nil {
		return err
	}
	if err := h.Pictures.Delete(c.Request().Context(), id, imageID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// setMainImage is PUT /admin/v1/products/:id/images/:image_id/main: that
// picture becomes the main one (position 0); the answer is every picture
// in the new order.
func (h *catalogAPI) setMainImage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	imageID, err := pathID(c, "image_id")
	if err != nil {
		return err
	}
	rows, err := h.Pictures.SetMain(c.Request().Context(), id, imageID)
	return reply(c, http.StatusOK, rows, err, h.imagesDTO)
}
