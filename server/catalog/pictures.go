package catalog

import (
	"context"
	"slices"
	"time"

	"wemart/ent"
	"wemart/ent/product"
	"wemart/ent/productimage"
	"wemart/server/errs"
	"wemart/server/media"
	"wemart/server/storage"
)

// MaxPictures is how many uploaded pictures a product may have.
const MaxPictures = 9

// Pictures manages the pictures staff upload for products: the bytes in a
// media store (content addressed), a product_images row each, in display
// order (position 0 is the main picture), and the main picture's key on the
// product row (products.image_key), changed in the same transaction as the
// rows, so that every reader of a product has its picture with no other
// query. Every change also reaches the search index (the outbox), whose
// documents carry the main picture.
//
// Deleting a picture deletes its row, not the object: the same bytes may be
// another product's picture, an order line's (lines keep the picture they
// were bought with) or an avatar, and CDNs keep them as immutable. Such
// orphans are small and never change; they are left in the store.
type Pictures struct {
	client *ent.Client
	store  media.Store
}

// NewPictures returns the pictures of products, kept in store.
func NewPictures(client *ent.Client, store media.Store) *Pictures {
	return &Pictures{client: client, store: store}
}

// Exists reports (as an error) whether product id is in the catalogue: an
// upload checks it before reading the picture.
func (p *Pictures) Exists(ctx context.Context, id int) (err error) {
	defer errs.Op(&err, "catalog.Pictures.Exists")
	ok, err := p.client.Product.Query().Where(product.ID(id), product.DeletedAtIsNil()).Exist(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.NotFound, "no product %d", id)
	}
	return nil
}

// Add makes raw (an uploaded file) a picture of product id: checked and
// re-encoded by media.Prepare, stored, and added after the product's other
// pictures (the first becomes the main one). created is false when the
// product already had that picture (the same bytes once re-encoded): the
// upload is idempotent.
func (p *Pictures) Add(ctx context.Context, id int, raw []byte) (_ *ent.ProductImage, created bool, err error) {
	defer errs.Op(&err, "catalog.Pictures.Add")
	if err := p.Exists(ctx, id); err != nil {
		return nil, false, err
	}
	pic, err := media.Prepare(ctx, raw, media.ProductPicture)
	if err != nil {
		return nil, false, err
	}
	// A product that is full refuses before anything is stored (Attach
	// checks again, in its transaction).
	if err := p.room(ctx, id, pic.Key); err != nil {
		return nil, false, err
	}
	if err := StorePicture(ctx, p.store, pic); err != nil {
		return nil, false, err
	}
	return p.Attach(ctx, id, pic)
}

// room is a conflict when product id has MaxPictures pictures and key is
// none of them.
func (p *Pictures) room(ctx context.Context, id int, key string) error {
	rows, err := p.client.ProductImage.Query().Where(productimage.ProductID(id)).Select(productimage.FieldKey).Strings(ctx)
	if err != nil {
		return err
	}
	if len(rows) >= MaxPictures && !slices.Contains(rows, key) {
		return tooMany()
	}
	return nil
}

func tooMany() error {
	return errs.E(errs.Conflict, "a product has at most %d pictures; delete one first", MaxPictures).
		With("limit", "pictures").With("max", MaxPictures)
}

// StorePicture puts a prepared picture in the store; a store that fails is
// unavailable (a bucket down, a full disk), not the client's fault.
func StorePicture(ctx context.Context, store media.Store, pic media.Picture) error {
	if err := store.Put(ctx, pic.Key, pic.Data, pic.ContentType); err != nil {
		return errs.Wrap(err, errs.Unavailable, "the picture could not be stored; try again")
	}
	return nil
}

// Attach adds a picture already in the store to product id, as Add does.
func (p *Pictures) Attach(ctx context.Context, id int, pic media.Picture) (img *ent.ProductImage, created bool, err error) {
	defer errs.Op(&err, "catalog.Pictures.Attach")
	err = storage.WithTx(ctx, p.client, func(tx *ent.Tx) error {
		if err := lockProduct(ctx, tx, id); err != nil {
			return err
		}
		rows, err := tx.ProductImage.Query().Where(productimage.ProductID(id)).All(ctx)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Key == pic.Key {
				img = r
				return nil
			}
		}
		if len(rows) >= MaxPictures {
			return tooMany()
		}
		img, err = tx.ProductImage.Create().SetProductID(id).SetKey(pic.Key).SetContentType(pic.ContentType).
			SetWidth(pic.Width).SetHeight(pic.Height).SetBytes(int64(len(pic.Data))).SetPosition(len(rows)).
			SetCreatedAt(time.Now().UTC()).Save(ctx)
		if err != nil {
			return err
		}
		created = true
		if len(rows) > 0 {
			return nil // the main picture stays
		}
		return setMain(ctx, tx, id, pic.Key)
	})
	return img, created, err
}

// List returns the pictures of product id in display order.
func (p *Pictures) List(ctx context.Context, id int) (_ []*ent.ProductImage, err error) {
	defer errs.Op(&err, "catalog.Pictures.List")
	if err := p.Exists(ctx, id); err != nil {
		return nil, err
	}
	return p.client.ProductImage.Query().Where(productimage.ProductID(id)).
		Order(ent.Asc(productimage.FieldPosition), ent.Asc(productimage.FieldID)).All(ctx)
}

// Delete removes picture imageID from product id; the next one becomes the
// main picture if it was. The object stays in the store (see Pictures).
func (p *Pictures) Delete(ctx context.Context, id, imageID int) (err error) {
	defer errs.Op(&err, "catalog.Pictures.Delete")
	return storage.WithTx(ctx, p.client, func(tx *ent.Tx) error {
		if err := lockProduct(ctx, tx, id); err != nil {
			return err
		}
		n, err := tx.ProductImage.Delete().Where(productimage.ID(imageID), productimage.ProductID(id)).Exec(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.NotFound, "product %d has no picture %d", id, imageID)
		}
		_, err = reorder(ctx, tx, id, 0)
		return err
	})
}

// SetMain makes picture imageID the main picture of product id (position
// 0; the others keep their order after it) and returns the pictures in
// their new order.
func (p *Pictures) SetMain(ctx context.Context, id, imageID int) (out []*ent.ProductImage, err error) {
	defer errs.Op(&err, "catalog.Pictures.SetMain")
	err = storage.WithTx(ctx, p.client, func(tx *ent.Tx) error {
		if err := lockProduct(ctx, tx, id); err != nil {
			return err
		}
		out, err = reorder(ctx, tx, id, imageID)
		return err
	})
	return out, err
}

// lockProduct takes product id's row for the transaction (a row lock on
// PostgreSQL; SQLite has one writer): pictures of one product change one
// at a time, so positions and the count stay consistent.
func lockProduct(ctx context.Context, tx *ent.Tx, id int) error {
	n, err := tx.Product.Update().Where(product.ID(id), product.DeletedAtIsNil()).SetUpdatedAt(time.Now().UTC()).Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.E(errs.NotFound, "no product %d", id)
	}
	return nil
}

// reorder numbers product id's pictures 0, 1, ... in their order, with
// first (if not 0) moved to the front, and makes the product's main
// picture the first one. The caller holds the product (lockProduct).
func reorder(ctx context.Context, tx *ent.Tx, id, first int) ([]*ent.ProductImage, error) {
	rows, err := tx.ProductImage.Query().Where(productimage.ProductID(id)).
		Order(ent.Asc(productimage.FieldPosition), ent.Asc(productimage.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	if first != 0 {
		at := -1
		for i, r := range rows {
			if r.ID == first {
				at = i
			}
		}
		if at < 0 {
			return nil, errs.E(errs.NotFound, "product %d has no picture %d", id, first)
		}
		rows = append([]*ent.ProductImage{rows[at]}, append(rows[:at:at], rows[at+1:]...)...)
	}
	for i, r := range rows {
		if r.Position != i {
			if rows[i], err = r.Update().SetPosition(i).Save(ctx); err != nil {
				return nil, err
			}
		}
	}
	key := ""
	if len(rows) > 0 {
		key = rows[0].Key
	}
	return rows, setMain(ctx, tx, id, key)
}

// setMain records key as product id's main picture, for the API, the
// search index and the carts (which show it: shelvesChanged).
func setMain(ctx context.Context, tx *ent.Tx, id int, key string) error {
	if err := tx.Product.UpdateOneID(id).SetImageKey(key).Exec(ctx); err != nil {
		return err
	}
	return shelvesChanged(ctx, tx, id)
}
