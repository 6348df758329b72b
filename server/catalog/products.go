// Package catalog is the chain-wide catalogue: categories, products (SPUs) and
// their SKUs with prices in fen and barcodes. What each store holds of a SKU
// is package inventory's business.
package catalog

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"wemart/ent"
	"wemart/ent/category"
	"wemart/ent/product"
	"wemart/ent/sku"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/patch"
	"wemart/server/storage"
	"wemart/server/synonyms"
)

// Limits on a product.
const (
	MaxSkusPerProduct = 50
	MaxImages         = 9
	MaxAliases        = 10 // other names, each
	MaxAliasChars     = 40 // characters at most, trimmed
)

// Service manages the catalogue.
type Service struct {
	client *ent.Client
	// shelves keeps what Shelves read, under the shelf versions of then.
	shelves *shelfCache
}

// New returns a Service.
func New(client *ent.Client) *Service { return &Service{client: client, shelves: newShelfCache()} }

// ProductInput is a new product with its SKUs.
type ProductInput struct {
	Title       string     `json:"title"`
	Subtitle    string     `json:"subtitle"`
	Description string     `json:"description"`
	CategoryID  *int       `json:"category_id"`
	Images      []string   `json:"images"`
	Status      string     `json:"status"`
	Aliases     []string   `json:"aliases"` // other names shoppers search for it by (milk, 泡面)
	Skus        []SkuInput `json:"skus"`
}

// ProductPatch changes a product's own fields (SKUs have their own calls);
// category_id null removes it from its category.
type ProductPatch struct {
	Title       *string             `json:"title"`
	Subtitle    *string             `json:"subtitle"`
	Description *string             `json:"description"`
	CategoryID  patch.Nullable[int] `json:"category_id"`
	Images      *[]string           `json:"images"`
	Status      *string             `json:"status"`
	Aliases     *[]string           `json:"aliases"` // the whole new list ([] clears it)
}

type productFields struct {
	title, subtitle, description, status string
	categoryID                           *int
	images, aliases                      []string
}

// check checks the fields and trims the aliases.
func (f *productFields) check(c *check.Checker) {
	c.Text("title", f.title, true, 120)
	c.Text("subtitle", f.subtitle, false, 200)
	c.Text("description", f.description, false, 5000)
	c.OneOf("status", f.status, string(product.StatusListed), string(product.StatusUnlisted))
	if len(f.images) > MaxImages {
		c.Fail("images", "must have at most %d entries", MaxImages)
	}
	for i, img := range f.images {
		u, err := url.Parse(img)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(img) > 500 {
			c.Fail(fmt.Sprintf("images[%d]", i), "must be an http(s) URL of at most 500 characters")
		}
	}
	// Aliases are kept as typed, trimmed; two that search would take for
	// the same (case, full-width forms) are one too many.
	f.aliases = c.Texts("aliases", f.aliases, MaxAliases, MaxAliasChars, strings.TrimSpace, synonyms.Fold)
}

// CreateProduct adds a product and its SKUs in one transaction.
func (s *Service) CreateProduct(ctx context.Context, in ProductInput) (_ *ent.Product, err error) {
	defer errs.Op(&err, "catalog.CreateProduct")
	if in.Status == "" {
		in.Status = string(product.StatusListed)
	}
	var c check.Checker
	f := productFields{in.Title, in.Subtitle, in.Description, in.Status, in.CategoryID, in.Images, in.Aliases}
	f.check(&c)
	switch {
	case len(in.Skus) == 0:
		c.Fail("skus", "must have at least one SKU")
	case len(in.Skus) > MaxSkusPerProduct:
		c.Fail("skus", "must have at most %d SKUs", MaxSkusPerProduct)
	}
	seen := map[string]bool{}
	for i, k := range in.Skus {
		k.check(&c, fmt.Sprintf("skus[%d].", i))
		if k.Barcode != nil {
			if seen[*k.Barcode] {
				c.Fail(fmt.Sprintf("skus[%d].barcode", i), "repeats another SKU's barcode")
			}
			seen[*k.Barcode] = true
		}
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	if err := s.checkCategoryRef(ctx, in.CategoryID); err != nil {
		return nil, err
	}
	var id int
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		p, err := tx.Product.Create().SetTitle(in.Title).SetSubtitle(in.Subtitle).
			SetDescription(in.Description).SetNillableCategoryID(in.CategoryID).
			SetImages(orEmpty(in.Images)).SetAliases(f.aliases).SetStatus(product.Status(in.Status)).Save(ctx)
		if err != nil {
			return err
		}
		id = p.ID
		for i, k := range in.Skus {
			if err := s.barcodeFree(ctx, tx.Client(), k.Barcode, 0, fmt.Sprintf("skus[%d].barcode", i)); err != nil {
				return err
			}
			if _, err := k.create(tx.Client(), p.ID, i).Save(ctx); err != nil {
				return barcodeConflict(err, k.Barcode)
			}
		}
		return shelvesChanged(ctx, tx, p.ID)
	})
	if err != nil {
		return nil, err
	}
	return s.Product(ctx, id)
}

// Product returns a product (not deleted) with its live SKUs in display order.
func (s *Service) Product(ctx context.Context, id int) (_ *ent.Product, err error) {
	defer errs.Op(&err, "catalog.Product")
	p, err := s.client.Product.Query().Where(product.ID(id), product.DeletedAtIsNil()).
		WithSkus(liveSkus).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no product %d", id)
	}
	return p, err
}

func liveSkus(q *ent.SkuQuery) {
	q.Where(sku.DeletedAtIsNil()).Order(ent.Asc(sku.FieldSort), ent.Asc(sku.FieldID))
}

// ProductFilter narrows the product list.
type ProductFilter struct {
	Query      string
	CategoryID *int
	Status     string
	Offset     int
	Limit      int
}

// Products lists products (not deleted) with their SKUs, newest first, and the
// total matching. This is the staff list; shoppers search through package search.
func (s *Service) Products(ctx context.Context, f ProductFilter) (_ []*ent.Product, _ int, err error) {
	defer errs.Op(&err, "catalog.Products")
	q := s.client.Product.Query().Where(product.DeletedAtIsNil())
	if f.CategoryID != nil {
		q.Where(product.CategoryID(*f.CategoryID))
	}
	if f.Status != "" {
		if f.Status != string(product.StatusListed) && f.Status != string(product.StatusUnlisted) {
			return nil, 0, errs.InvalidField("status", "must be listed or unlisted")
		}
		q.Where(product.StatusEQ(product.Status(f.Status)))
	}
	if t := strings.TrimSpace(f.Query); t != "" {
		q.Where(product.TitleContains(t))
	}
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	items, err := q.Order(ent.Desc(product.FieldID)).Offset(f.Offset).Limit(f.Limit).WithSkus(liveSkus).All(ctx)
	return items, total, err
}

// UpdateProduct applies p to product id.
func (s *Service) UpdateProduct(ctx context.Context, id int, p ProductPatch) (_ *ent.Product, err error) {
	defer errs.Op(&err, "catalog.UpdateProduct")
	cur, err := s.Product(ctx, id)
	if err != nil {
		return nil, err
	}
	f := productFields{cur.Title, cur.Subtitle, cur.Description, string(cur.Status), cur.CategoryID, cur.Images, cur.Aliases}
	setv(&f.title, p.Title)
	setv(&f.subtitle, p.Subtitle)
	setv(&f.description, p.Description)
	setv(&f.status, p.Status)
	setv(&f.images, p.Images)
	setv(&f.aliases, p.Aliases)
	f.categoryID = p.CategoryID.Ptr(cur.CategoryID)
	var c check.Checker
	f.check(&c)
	if err := c.Err(); err != nil {
		return nil, err
	}
	if p.CategoryID.Set {
		if err := s.checkCategoryRef(ctx, f.categoryID); err != nil {
			return nil, err
		}
	}
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		n, err := tx.Product.Update().Where(product.ID(id), product.DeletedAtIsNil()).
			SetTitle(f.title).SetSubtitle(f.subtitle).SetDescription(f.description).
			SetStatus(product.Status(f.status)).SetImages(orEmpty(f.images)).SetAliases(f.aliases).
			ClearCategoryID().SetNillableCategoryID(f.categoryID).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.NotFound, "no product %d", id)
		}
		return shelvesChanged(ctx, tx, id)
	})
	if err != nil {
		return nil, err
	}
	return s.Product(ctx, id)
}

// DeleteProduct removes a product and its SKUs from the catalogue (soft: past
// orders keep their lines). Their barcodes are released for reuse.
func (s *Service) DeleteProduct(ctx context.Context, id int) (err error) {
	defer errs.Op(&err, "catalog.DeleteProduct")
	return storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		now := time.Now().UTC()
		n, err := tx.Product.Update().Where(product.ID(id), product.DeletedAtIsNil()).SetDeletedAt(now).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.NotFound, "no product %d", id)
		}
		if err := tx.Sku.Update().Where(sku.ProductID(id), sku.DeletedAtIsNil()).
			SetDeletedAt(now).ClearBarcode().Exec(ctx); err != nil {
			return err
		}
		return shelvesChanged(ctx, tx, id)
	})
}

func (s *Service) checkCategoryRef(ctx context.Context, id *int) error {
	if id == nil {
		return nil
	}
	ok, err := s.client.Category.Query().Where(category.ID(*id)).Exist(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errs.InvalidField("category_id", "names no category (%d)", *id)
	}
	return nil
}

func orEmpty(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func setv[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// ListedProduct returns a product shoppers may see (listed, not deleted)
// with its live SKUs.
func (s *Service) ListedProduct(ctx context.Context, id int) (_ *ent.Product, err error) {
	defer errs.Op(&err, "catalog.ListedProduct")
	p, err := s.client.Product.Query().
		Where(product.ID(id), product.DeletedAtIsNil(), product.StatusEQ(product.StatusListed)).
		WithSkus(liveSkus).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no product %d", id)
	}
	return p, err
}

// SkuByBarcode finds the live SKU of a listed product by its barcode.
func (s *Service) SkuByBarcode(ctx context.Context, code string) (_ *ent.Sku, err error) {
	defer errs.Op(&err, "catalog.SkuByBarcode")
	k, err := s.client.Sku.Query().
		Where(sku.Barcode(code), sku.DeletedAtIsNil(),
			sku.HasProductWith(product.DeletedAtIsNil(), product.StatusEQ(product.StatusListed))).
		WithProduct(func(q *ent.ProductQuery) { q.WithSkus(liveSkus) }).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no product has barcode %s", code)
	}
	return k, err
}
