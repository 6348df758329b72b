package members

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"wemart/ent"
	"wemart/ent/counter"
	"wemart/ent/countersale"
	"wemart/ent/memberlevel"
	"wemart/ent/order"
	"wemart/ent/refund"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/storage"
)

// Level is a membership level and its checkout benefits.
type Level struct {
	ID   int
	Name string
	// MinSpendFen is the spend of the level window that reaches the level.
	MinSpendFen int64
	// PercentOff comes off every line's goods at checkout (0: none).
	PercentOff int
	// FreeDelivery waives the delivery fee.
	FreeDelivery bool
}

// DefaultLevels are the levels a new deployment starts with.
func DefaultLevels() []LevelInput {
	return []LevelInput{
		{Name: "普通会员", MinSpendFen: 0},
		{Name: "银卡", MinSpendFen: 50_000, PercentOff: 2},
		{Name: "金卡", MinSpendFen: 200_000, PercentOff: 5, FreeDelivery: true},
		{Name: "黑金", MinSpendFen: 1_000_000, PercentOff: 8, FreeDelivery: true},
	}
}

// LevelInput is a level as staff give it.
type LevelInput struct {
	Name         string `json:"name"`
	MinSpendFen  int64  `json:"min_spend_fen"`
	PercentOff   int    `json:"percent_off"`
	FreeDelivery bool   `json:"free_delivery"`
}

// Level rules.
const (
	MaxLevels       = 20
	MaxLevelName    = 20
	MaxLevelPercent = 50
)

// levelsCounter names the counter (table counters) every replacement of
// the levels bumps first, so replacements take turns.
const levelsCounter = "member_levels"

func levelOf(l *ent.MemberLevel) Level {
	return Level{ID: l.ID, Name: l.Name, MinSpendFen: l.MinSpendFen, PercentOff: l.PercentOff, FreeDelivery: l.FreeDelivery}
}

// Levels are the levels, lowest first. An empty table gets DefaultLevels
// first (SeedLevels).
func (s *Service) Levels(ctx context.Context) (_ []Level, err error) {
	defer errs.Op(&err, "members.Levels")
	rows, err := s.client.MemberLevel.Query().Order(ent.Asc(memberlevel.FieldMinSpendFen)).All(ctx)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		if err := s.SeedLevels(ctx); err != nil {
			return nil, err
		}
		if rows, err = s.client.MemberLevel.Query().Order(ent.Asc(memberlevel.FieldMinSpendFen)).All(ctx); err != nil {
			return nil, err
		}
	}
	out := make([]Level, len(rows))
	for i, l := range rows {
		out[i] = levelOf(l)
	}
	return out, nil
}

// SeedLevels writes DefaultLevels when there are no levels at all (at
// start; two processes starting together write them once).
func (s *Service) SeedLevels(ctx context.Context) (err error) {
	defer errs.Op(&err, "members.SeedLevels")
	if some, err := s.client.MemberLevel.Query().Exist(ctx); err != nil || some {
		return err // the usual start: nothing to write
	}
	return storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if err := bumpLevels(ctx, tx); err != nil {
			return err
		}
		if some, err := tx.MemberLevel.Query().Exist(ctx); err != nil || some {
			return err
		}
		return createLevels(ctx, tx, DefaultLevels())
	})
}

// ReplaceLevels replaces every level by in, lowest first: 1 to MaxLevels
// levels, the first at min_spend_fen 0 (everyone has a level), each
// min_spend_fen above the one before, names 1 to 20 characters and none
// twice, percent_off 0 to 50.
func (s *Service) ReplaceLevels(ctx context.Context, in []LevelInput) (_ []Level, err error) {
	defer errs.Op(&err, "members.ReplaceLevels")
	in = slices.Clone(in)
	for i := range in {
		in[i].Name = strings.TrimSpace(in[i].Name) // "金卡 " and "金卡" are one name
	}
	if err := checkLevels(in); err != nil {
		return nil, err
	}
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if err := bumpLevels(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.MemberLevel.Delete().Exec(ctx); err != nil {
			return err
		}
		return createLevels(ctx, tx, in)
	})
	if err != nil {
		return nil, err
	}
	return s.Levels(ctx)
}

func checkLevels(in []LevelInput) error {
	var c check.Checker
	if len(in) < 1 || len(in) > MaxLevels {
		c.Fail("items", "must hold 1 to %d levels", MaxLevels)
	}
	names := map[string]int{}
	for i, l := range in {
		at := func(f string) string { return fmt.Sprintf("items[%d].%s", i, f) }
		c.Text(at("name"), l.Name, true, MaxLevelName)
		if j, seen := names[l.Name]; seen {
			c.Fail(at("name"), "repeats items[%d].name (%q)", j, l.Name)
		}
		names[l.Name] = i
		switch {
		case i == 0 && l.MinSpendFen != 0:
			c.Fail(at("min_spend_fen"), "must be 0: the first level is everyone's")
		case i > 0 && l.MinSpendFen <= in[i-1].MinSpendFen:
			c.Fail(at("min_spend_fen"), "must be above items[%d].min_spend_fen (levels go lowest first)", i-1)
		}
		c.Int(at("min_spend_fen"), l.MinSpendFen, 0, check.MaxPriceFen)
		c.Int(at("percent_off"), int64(l.PercentOff), 0, MaxLevelPercent)
	}
	return c.Err()
}

func createLevels(ctx context.Context, tx *ent.Tx, in []LevelInput) error {
	rows := make([]*ent.MemberLevelCreate, len(in))
	for i, l := range in {
		rows[i] = tx.MemberLevel.Create().SetName(l.Name).SetMinSpendFen(l.MinSpendFen).
			SetPercentOff(l.PercentOff).SetFreeDelivery(l.FreeDelivery)
	}
	return tx.MemberLevel.CreateBulk(rows...).Exec(ctx)
}

func bumpLevels(ctx context.Context, tx *ent.Tx) error {
	return tx.Counter.Create().SetID(levelsCounter).SetValue(1).OnConflictColumns(counter.FieldID).
		Update(func(u *ent.CounterUpsert) { u.AddValue(1) }).Exec(ctx)
}

// SpendFen is what the shopper spent in the level window up to now: the
// orders paid in it (what was paid, less what was refunded of them) and
// her purchases at the counter.
func (s *Service) SpendFen(ctx context.Context, shopperID int) (_ int64, err error) {
	defer errs.Op(&err, "members.SpendFen")
	since := s.clock().Add(-s.rules.LevelWindow)
	paid, err := s.client.Order.Query().Where(order.ShopperID(shopperID), order.PaidAtGTE(since)).
		Aggregate(sum(order.FieldPayableFen)).Int(ctx)
	if err != nil {
		return 0, err
	}
	refunded, err := s.client.Refund.Query().Where(refund.StatusEQ(refund.StatusSucceeded),
		refund.HasOrderWith(order.ShopperID(shopperID), order.PaidAtGTE(since))).
		Aggregate(sum(refund.FieldAmountFen)).Int(ctx)
	if err != nil {
		return 0, err
	}
	counter, err := s.client.CounterSale.Query().Where(countersale.ShopperID(shopperID), countersale.CreatedAtGTE(since)).
		Aggregate(sum(countersale.FieldAmountFen)).Int(ctx)
	if err != nil {
		return 0, err
	}
	return max(0, int64(paid-refunded)) + int64(counter), nil
}

// LevelOf is the shopper's level now: the highest whose min_spend_fen her
// spend of the level window reaches.
func (s *Service) LevelOf(ctx context.Context, shopperID int) (_ Level, err error) {
	defer errs.Op(&err, "members.LevelOf")
	st, err := s.Standing(ctx, shopperID)
	return st.Level, err
}

// Standing is where a shopper stands in the levels.
type Standing struct {
	Level Level
	// SpendFen is her spend of the level window.
	SpendFen int64
	// Next is the level above hers (nil at the top).
	Next *Level
}

// Standing is the shopper's level, spend and next level.
func (s *Service) Standing(ctx context.Context, shopperID int) (_ Standing, err error) {
	defer errs.Op(&err, "members.Standing")
	levels, err := s.Levels(ctx)
	if err != nil {
		return Standing{}, err
	}
	spend, err := s.SpendFen(ctx, shopperID)
	if err != nil {
		return Standing{}, err
	}
	return standingIn(levels, spend), nil
}

// standingIn is where spend stands in levels (lowest first).
func standingIn(levels []Level, spend int64) Standing {
	st := Standing{SpendFen: spend}
	for i, l := range levels {
		if l.MinSpendFen > spend {
			st.Next = &levels[i]
			break
		}
		st.Level = l
	}
	return st
}
