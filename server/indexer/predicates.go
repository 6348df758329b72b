package indexer

import (
	"entgo.io/ent/dialect/sql"

	"wemart/ent/predicate"
	"wemart/ent/stock"
)

// availablePositive is "on_hand - reserved > 0".
func availablePositive() predicate.Stock {
	return func(s *sql.Selector) {
		s.Where(sql.P(func(b *sql.Builder) {
			b.WriteString(s.C(stock.FieldOnHand)).WriteString(" > ").WriteString(s.C(stock.FieldReserved))
		}))
	}
}
