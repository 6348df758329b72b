package catalog

import (
	"context"

	"wemart/ent"
	"wemart/ent/category"
	"wemart/ent/product"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/patch"
)

// CategoryInput is a new category.
type CategoryInput struct {
	Name     string `json:"name"`
	ParentID *int   `json:"parent_id"`
	Sort     int    `json:"sort"`
}

// CategoryPatch changes a category; parent_id null moves it to the top level.
type CategoryPatch struct {
	Name     *string             `json:"name"`
	ParentID patch.Nullable[int] `json:"parent_id"`
	Sort     *int                `json:"sort"`
}

func checkCategory(name string, sort int) error {
	var c check.Checker
	c.Text("name", name, true, 50)
	c.Int("sort", int64(sort), -1_000_000, 1_000_000)
	return c.Err()
}

// CreateCategory adds a category.
func (s *Service) CreateCategory(ctx context.Context, in CategoryInput) (_ *ent.Category, err error) {
	defer errs.Op(&err, "catalog.CreateCategory")
	if err := checkCategory(in.Name, in.Sort); err != nil {
		return nil, err
	}
	if in.ParentID != nil {
		if err := s.checkParent(ctx, 0, *in.ParentID); err != nil {
			return nil, err
		}
	}
	return s.client.Category.Create().SetName(in.Name).SetNillableParentID(in.ParentID).SetSort(in.Sort).Save(ctx)
}

// Categories returns every category, in display order.
func (s *Service) Categories(ctx context.Context) (_ []*ent.Category, err error) {
	defer errs.Op(&err, "catalog.Categories")
	return s.client.Category.Query().Order(ent.Asc(category.FieldSort), ent.Asc(category.FieldID)).All(ctx)
}

// Category returns category id.
func (s *Service) Category(ctx context.Context, id int) (_ *ent.Category, err error) {
	defer errs.Op(&err, "catalog.Category")
	c, err := s.client.Category.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no category %d", id)
	}
	return c, err
}

// UpdateCategory applies p to category id.
func (s *Service) UpdateCategory(ctx context.Context, id int, p CategoryPatch) (_ *ent.Category, err error) {
	defer errs.Op(&err, "catalog.UpdateCategory")
	c, err := s.Category(ctx, id)
	if err != nil {
		return nil, err
	}
	name, sort := c.Name, c.Sort
	if p.Name != nil {
		name = *p.Name
	}
	if p.Sort != nil {
		sort = *p.Sort
	}
	if err := checkCategory(name, sort); err != nil {
		return nil, err
	}
	parent := p.ParentID.Ptr(c.ParentID)
	if parent != nil && p.ParentID.Set {
		if err := s.checkParent(ctx, id, *parent); err != nil {
			return nil, err
		}
	}
	return c.Update().SetName(name).SetSort(sort).ClearParentID().SetNillableParentID(parent).Save(ctx)
}

// maxDepth bounds category nesting (and the walk that checks for cycles).
const maxDepth = 5

// checkParent makes sure parentID exists and is not id or one of its
// descendants (which would make a cycle).
func (s *Service) checkParent(ctx context.Context, id, parentID int) error {
	cur := parentID
	for depth := 0; ; depth++ {
		if cur == id {
			return errs.InvalidField("parent_id", "would put the category inside itself")
		}
		if depth >= maxDepth {
			return errs.InvalidField("parent_id", "nests categories deeper than %d levels", maxDepth)
		}
		c, err := s.client.Category.Get(ctx, cur)
		if ent.IsNotFound(err) {
			return errs.InvalidField("parent_id", "names no category (%d)", cur)
		}
		if err != nil {
			return err
		}
		if c.ParentID == nil {
			return nil
		}
		cur = *c.ParentID
	}
}

// DeleteCategory removes an empty category: one with sub-categories or
// products is a conflict (move or delete them first).
func (s *Service) DeleteCategory(ctx context.Context, id int) (err error) {
	defer errs.Op(&err, "catalog.DeleteCategory")
	if _, err := s.Category(ctx, id); err != nil {
		return err
	}
	if n, err := s.client.Category.Query().Where(category.ParentID(id)).Count(ctx); err != nil {
		return err
	} else if n > 0 {
		return errs.E(errs.Conflict, "category %d has %d sub-categories", id, n)
	}
	if n, err := s.client.Product.Query().Where(product.CategoryID(id), product.DeletedAtIsNil()).Count(ctx); err != nil {
		return err
	} else if n > 0 {
		return errs.E(errs.Conflict, "category %d still has %d products", id, n)
	}
	// Deleted products keep no dangling reference: the FK sets them to NULL.
	err = s.client.Category.DeleteOneID(id).Exec(ctx)
	if ent.IsNotFound(err) {
		return errs.E(errs.NotFound, "no category %d", id)
	}
	return err
}
