// Package coupons is a placeholder until the coupons branch lands.
package coupons

import (
	"context"
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/server/pricing"
)

// Service is a placeholder.
type Service struct{}

// Offer is a placeholder.
type Offer struct {
	CouponID, TemplateID int
	Name                 string
	DiscountFen          int64
	Usable               bool
	Reason               string
	Lines                []int
	ValidUntil           time.Time
}

// New is a placeholder.
func New(*ent.Client, func() time.Time) *Service { return &Service{} }

// Offers is a placeholder.
func (s *Service) Offers(context.Context, int, int, *pricing.Quote) ([]Offer, error) { return nil, nil }

// Check is a placeholder.
func (s *Service) Check(context.Context, *ent.Tx, int, int, int, *pricing.Quote) (Offer, error) {
	return Offer{}, nil
}

// Lock is a placeholder.
func (s *Service) Lock(context.Context, *ent.Tx, int, int, int) error { return nil }

// OnMove is a placeholder.
func (s *Service) OnMove(context.Context, *ent.Tx, *ent.Order, order.Status) error { return nil }

// Revoke is a placeholder.
func (s *Service) Revoke(context.Context, *ent.Tx, int) (bool, error) { return false, nil }
