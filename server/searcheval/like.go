package searcheval

import (
	"context"

	"wemart/ent"
	"wemart/ent/product"
)

// Like is the baseline ranker: the listed products whose title contains the
// query as typed (SQL LIKE '%q%', with % and _ taken literally), best
// sellers first, then by id. (SQLite's LIKE ignores the case of ASCII
// letters; PostgreSQL's does not.)
func Like(client *ent.Client) Ranker {
	return func(ctx context.Context, query string) ([]string, error) {
		titles, err := client.Product.Query().
			Where(product.DeletedAtIsNil(), product.StatusEQ(product.StatusListed), product.TitleContains(query)).
			Order(ent.Desc(product.FieldSales), ent.Asc(product.FieldID)).
			Limit(Depth).
			Select(product.FieldTitle).
			Strings(ctx)
		if err != nil {
			return nil, err
		}
		if titles == nil {
			titles = []string{}
		}
		return titles, nil
	}
}
