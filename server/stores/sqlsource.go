package stores

import (
	"context"
	"fmt"

	"wemart/ent"
	"wemart/ent/predicate"
	"wemart/ent/store"
	"wemart/server/errs"
	"wemart/server/geo"
)

// SQLSource finds stores through the database's indexed H3 columns
// (WHERE h3_r8 IN (...)) instead of the in-memory index: the same search,
// one query a ring. It is the baseline the index is measured against, and
// the way to search without holding stores in memory.
type SQLSource struct{ Client *ent.Client }

// Places implements geo.Source.
func (s SQLSource) Places(ctx context.Context, res int, cells []int64, yield func(geo.Place[*Entry])) (err error) {
	defer errs.Op(&err, "stores.SQLSource.Places")
	var in func(...int64) predicate.Store
	switch res {
	case 5:
		in = store.H3R5In
	case 7:
		in = store.H3R7In
	case 8:
		in = store.H3R8In
	default:
		return fmt.Errorf("no H3 column at resolution %d", res)
	}
	for start := 0; start < len(cells); start += 500 {
		// Deleted stores are skipped here, not in SQL: with "deleted_at IS NULL"
		// in the WHERE, planners without statistics pick the deleted_at index
		// (true of every row) over the H3 one and scan the table.
		rows, err := s.Client.Store.Query().Where(in(cells[start:min(start+500, len(cells))]...)).All(ctx)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.DeletedAt != nil {
				continue
			}
			e := entryOf(r)
			yield(geo.Place[*Entry]{ID: e.ID, Point: e.Point, Value: e})
		}
	}
	return nil
}
