package catalog

import (
	"context"
	"time"

	"wemart/ent"
	"wemart/ent/sku"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/patch"
	"wemart/server/prices"
	"wemart/server/storage"
)

// SkuInput is a new SKU.
type SkuInput struct {
	Name     string  `json:"name"`
	PriceFen *int64  `json:"price_fen"`
	Barcode  *string `json:"barcode"`
	Sort     *int    `json:"sort"`
}

// SkuPatch changes a SKU; barcode null removes it.
type SkuPatch struct {
	Name     *string                `json:"name"`
	PriceFen *int64                 `json:"price_fen"`
	Barcode  patch.Nullable[string] `json:"barcode"`
	Sort     *int                   `json:"sort"`
}

func checkSku(c *check.Checker, prefix, name string, price *int64, barcode *string, sort *int) {
	c.Text(prefix+"name", name, true, 60)
	c.Fen(prefix+"price_fen", price)
	if barcode != nil && !ValidGTIN(*barcode) {
		c.Fail(prefix+"barcode", "must be an EAN-13 (or GTIN-8/12/14) with a valid check digit")
	}
	if sort != nil {
		c.Int(prefix+"sort", int64(*sort), -1_000_000, 1_000_000)
	}
}

func (k SkuInput) check(c *check.Checker, prefix string) {
	checkSku(c, prefix, k.Name, k.PriceFen, k.Barcode, k.Sort)
}

func (k SkuInput) create(client *ent.Client, productID, position int) *ent.SkuCreate {
	sort := position
	if k.Sort != nil {
		sort = *k.Sort
	}
	return client.Sku.Create().SetProductID(productID).SetName(k.Name).SetPriceFen(*k.PriceFen).
		SetNillableBarcode(k.Barcode).SetSort(sort)
}

// AddSku adds a SKU to product productID.
func (s *Service) AddSku(ctx context.Context, productID int, in SkuInput) (_ *ent.Sku, err error) {
	defer errs.Op(&err, "catalog.AddSku")
	var c check.Checker
	in.check(&c, "")
	if err := c.Err(); err != nil {
		return nil, err
	}
	p, err := s.Product(ctx, productID)
	if err != nil {
		return nil, err
	}
	if len(p.Edges.Skus) >= MaxSkusPerProduct {
		return nil, errs.E(errs.Conflict, "product %d already has %d SKUs", productID, MaxSkusPerProduct)
	}
	if err := s.barcodeFree(ctx, s.client, in.Barcode, 0, "barcode"); err != nil {
		return nil, err
	}
	var k *ent.Sku
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		var err error
		if k, err = in.create(tx.Client(), productID, len(p.Edges.Skus)).Save(ctx); err != nil {
			return barcodeConflict(err, in.Barcode)
		}
		return shelvesChanged(ctx, tx, productID)
	})
	return k, err
}

// Sku returns SKU id (not deleted).
func (s *Service) Sku(ctx context.Context, id int) (_ *ent.Sku, err error) {
	defer errs.Op(&err, "catalog.Sku")
	k, err := s.client.Sku.Query().Where(sku.ID(id), sku.DeletedAtIsNil()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no SKU %d", id)
	}
	return k, err
}

// UpdateSku applies p to SKU id on behalf of by. The write is a
// compare-and-set on the price it read (retried on a fresh read if the price
// moved meanwhile), and a price change writes its ledger row in the same
// transaction: the ledger's old price is the one actually replaced.
func (s *Service) UpdateSku(ctx context.Context, by prices.Actor, id int, p SkuPatch) (_ *ent.Sku, err error) {
	defer errs.Op(&err, "catalog.UpdateSku")
	k, err := s.Sku(ctx, id)
	if err != nil {
		return nil, err
	}
	f := patchedSku(k, p)
	var c check.Checker
	checkSku(&c, "", f.name, &f.price, f.barcode, &f.sort)
	if err := c.Err(); err != nil {
		return nil, err
	}
	if p.Barcode.Set {
		if err := s.barcodeFree(ctx, s.client, f.barcode, id, "barcode"); err != nil {
			return nil, err
		}
	}
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		for range casRetries {
			upd := tx.Sku.Update().Where(sku.ID(id), sku.DeletedAtIsNil(), sku.PriceFen(k.PriceFen)).
				SetName(f.name).SetPriceFen(f.price).SetSort(f.sort)
			// Set or clear, never both: PostgreSQL refuses two assignments
			// to one column.
			if f.barcode != nil {
				upd.SetBarcode(*f.barcode)
			} else {
				upd.ClearBarcode()
			}
			n, err := upd.Save(ctx)
			if err != nil {
				return barcodeConflict(err, f.barcode)
			}
			if n == 1 {
				if f.price != k.PriceFen {
					if err := prices.RecordChain(ctx, tx.Client(), by, id, k.PriceFen, f.price); err != nil {
						return err
					}
				}
				if k, err = tx.Sku.Get(ctx, id); err != nil {
					return err
				}
				return shelvesChanged(ctx, tx, k.ProductID)
			}
			// The price moved (or the SKU went) since we read it: read again and
			// apply the patch to what is there now.
			k, err = tx.Sku.Query().Where(sku.ID(id), sku.DeletedAtIsNil()).Only(ctx)
			if ent.IsNotFound(err) {
				return errs.E(errs.NotFound, "no SKU %d", id)
			}
			if err != nil {
				return err
			}
			f = patchedSku(k, p)
		}
		return errs.E(errs.Conflict, "the price of SKU %d is changing too fast; try again", id)
	})
	return k, err
}

// casRetries bounds how often a compare-and-set is retried when another
// transaction changed the row between our read and our write.
const casRetries = 20

// skuFields are a SKU's editable fields, as a patch leaves them.
type skuFields struct {
	name    string
	price   int64
	sort    int
	barcode *string
}

func patchedSku(k *ent.Sku, p SkuPatch) skuFields {
	f := skuFields{name: k.Name, price: k.PriceFen, sort: k.Sort, barcode: p.Barcode.Ptr(k.Barcode)}
	setv(&f.name, p.Name)
	setv(&f.price, p.PriceFen)
	setv(&f.sort, p.Sort)
	return f
}

// DeleteSku removes a SKU (soft; its barcode is released). A product keeps at
// least one SKU: delete the product instead.
func (s *Service) DeleteSku(ctx context.Context, id int) (err error) {
	defer errs.Op(&err, "catalog.DeleteSku")
	k, err := s.Sku(ctx, id)
	if err != nil {
		return err
	}
	n, err := s.client.Sku.Query().Where(sku.ProductID(k.ProductID), sku.DeletedAtIsNil()).Count(ctx)
	if err != nil {
		return err
	}
	if n <= 1 {
		return errs.E(errs.Conflict, "SKU %d is the last of product %d; delete the product instead", id, k.ProductID)
	}
	return storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if err := tx.Sku.Update().Where(sku.ID(id), sku.DeletedAtIsNil()).
			SetDeletedAt(time.Now().UTC()).ClearBarcode().Exec(ctx); err != nil {
			return err
		}
		return shelvesChanged(ctx, tx, k.ProductID)
	})
}

// barcodeFree answers a clear conflict when barcode belongs to another SKU;
// the unique index is the last word (see barcodeConflict) under a race.
func (s *Service) barcodeFree(ctx context.Context, client *ent.Client, barcode *string, self int, field string) error {
	if barcode == nil {
		return nil
	}
	other, err := client.Sku.Query().Where(sku.Barcode(*barcode), sku.IDNEQ(self)).First(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return errs.E(errs.Conflict, "%s %s is already used by SKU %d", field, *barcode, other.ID)
}

func barcodeConflict(err error, barcode *string) error {
	if err != nil && ent.IsConstraintError(err) && barcode != nil {
		return errs.E(errs.Conflict, "barcode %s is already used by another SKU", *barcode)
	}
	return err
}
