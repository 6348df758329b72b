package seed

import (
	"context"
	"fmt"

	"wemart/ent/product"
	"wemart/server/catalog"
	"wemart/server/errs"
	"wemart/server/media"
	"wemart/server/seed/pictures"
	"wemart/server/storage"
)

// DemoProduct is a product of the demo catalogue: its category and title.
type DemoProduct struct{ Category, Title string }

// DemoProducts lists the demo catalogue's products.
func DemoProducts() []DemoProduct {
	var out []DemoProduct
	for _, c := range demoCatalogue {
		for _, it := range c.items {
			out = append(out, DemoProduct{Category: c.name, Title: it.title})
		}
	}
	return out
}

// DemoPictures gives the demo's products their pictures (embedded: see
// package pictures): each picture (a JPEG the generator made, taken as it
// is) goes into store (a no-op for one already there) and becomes the main
// picture of every demo product (by title) that has no picture. It returns
// how many products it gave a picture. Seeding the demo runs it.
func DemoPictures(ctx context.Context, db *storage.DB, store media.Store) (int, error) {
	return demoPictures(ctx, db, store, true)
}

// RestoreDemoPictures puts back into store the demo pictures that products
// still show (a media directory lost since the demo was seeded). It gives
// no product a picture: `wemart seed --demo --if-empty` runs it on every
// `make run`, and a catalogue that is not (or no longer) the demo, where a
// product may share a title with the demo's, must stay as staff left it.
func RestoreDemoPictures(ctx context.Context, db *storage.DB, store media.Store) error {
	_, err := demoPictures(ctx, db, store, false)
	return err
}

func demoPictures(ctx context.Context, db *storage.DB, store media.Store, attach bool) (_ int, err error) {
	defer errs.Op(&err, "seed.DemoPictures")
	fileOf := map[string]string{} // title → picture file
	for _, p := range DemoProducts() {
		fileOf[p.Title] = pictures.For(p.Category, p.Title)
	}
	titles := make([]string, 0, len(fileOf))
	for t := range fileOf {
		titles = append(titles, t)
	}
	rows, err := db.Client.Product.Query().Where(product.TitleIn(titles...), product.DeletedAtIsNil()).
		Select(product.FieldID, product.FieldTitle, product.FieldImageKey).All(ctx)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	prepared := map[string]media.Picture{}
	picture := func(file string) (media.Picture, error) {
		if pic, ok := prepared[file]; ok {
			return pic, nil
		}
		raw, err := pictures.FS.ReadFile(file)
		if err != nil {
			return media.Picture{}, fmt.Errorf("demo picture %s: %w", file, err)
		}
		pic, err := media.Own(raw)
		if err != nil {
			return media.Picture{}, fmt.Errorf("demo picture %s: %w", file, err)
		}
		if err := catalog.StorePicture(ctx, store, pic); err != nil {
			return media.Picture{}, err
		}
		prepared[file] = pic
		return pic, nil
	}
	pics := catalog.NewPictures(db.Client, store)
	n := 0
	for _, p := range rows {
		if !attach {
			if p.ImageKey != "" && p.ImageKey == pictureKey(fileOf[p.Title]) {
				if _, err := picture(fileOf[p.Title]); err != nil {
					return n, err
				}
			}
			continue
		}
		pic, err := picture(fileOf[p.Title])
		if err != nil {
			return n, err
		}
		if p.ImageKey != "" {
			continue
		}
		if _, _, err := pics.Attach(ctx, p.ID, pic); err != nil {
			return n, fmt.Errorf("product %s: %w", p.Title, err)
		}
		n++
	}
	return n, nil
}

// pictureKey is the media key of a demo picture file ("" when unreadable).
func pictureKey(file string) string {
	raw, err := pictures.FS.ReadFile(file)
	if err != nil {
		return ""
	}
	return media.Key(raw, "jpg")
}
