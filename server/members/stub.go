// Package members is a placeholder until the members branch lands.
package members

import (
	"context"
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/server/pricing"
)

// Service is a placeholder.
type Service struct{}

// Rules is a placeholder.
type Rules struct{}

// Level is a placeholder.
type Level struct {
	ID           int
	Name         string
	MinSpendFen  int64
	PercentOff   int
	FreeDelivery bool
}

// New is a placeholder.
func New(*ent.Client, []byte, func() time.Time, Rules) *Service { return &Service{} }

// LevelOf is a placeholder.
func (s *Service) LevelOf(context.Context, int) (Level, error) { return Level{}, nil }

// Balance is a placeholder.
func (s *Service) Balance(context.Context, int) (int64, int64, error) { return 0, 0, nil }

// MaxSpend is a placeholder.
func (s *Service) MaxSpend(int64, *pricing.Quote) int64 { return 0 }

// Spend is a placeholder.
func (s *Service) Spend(context.Context, *ent.Tx, int, int, int64) error { return nil }

// OnMove is a placeholder.
func (s *Service) OnMove(context.Context, *ent.Tx, *ent.Order, order.Status) error { return nil }

// Refunded is a placeholder.
func (s *Service) Refunded(context.Context, *ent.Tx, *ent.Order, int, int64) error { return nil }

// Award is a placeholder.
func (s *Service) Award(context.Context, *ent.Tx, int, int, int64) error { return nil }

// Reverse is a placeholder.
func (s *Service) Reverse(context.Context, *ent.Tx, int, int) error { return nil }
