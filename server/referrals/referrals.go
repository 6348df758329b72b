// Package referrals follows purchases along the shopper's relationships:
// every shopper has an invite code their shares carry (inviter=<code> in the
// shared page's path), a new shopper who arrives through a share is bound to
// the sharer at first login, and the sharer is rewarded (points, or a coupon)
// when the invited shopper's first order completes — and loses the reward if
// that order is refunded.
//
// The rules are constraints, not checks: one referral row per invited
// shopper (a unique shopper_id: the first touch wins, racing logins bind
// once, nothing rebinds), never to oneself (a CHECK); a reward is granted by
// a compare-and-set on the referral row inside the transaction that
// completes the order, and taken back the same way inside the refund's.
package referrals

import (
	"context"
	"crypto/rand"
	"log/slog"
	"time"

	"wemart/ent"
	"wemart/ent/order"
	"wemart/ent/referral"
	"wemart/ent/shopper"
	"wemart/server/errs"
	"wemart/server/storage"
)

// Points moves reward points (server/members).
type Points interface {
	Award(ctx context.Context, tx *ent.Tx, shopperID, orderID int, points int64) error
	Reverse(ctx context.Context, tx *ent.Tx, shopperID, orderID int) error
}

// Coupons issues and revokes reward coupons (server/coupons, adapted).
type Coupons interface {
	// IssueReward gives shopperID a coupon of templateID and returns its id.
	IssueReward(ctx context.Context, tx *ent.Tx, templateID, shopperID int) (int, error)
	// Revoke takes an unused coupon back; a used one stays (false).
	Revoke(ctx context.Context, tx *ent.Tx, couponID int) (bool, error)
}

// Reward is what an inviter gets for an invited shopper's first completed
// order: points, or a coupon of a template (WEMART_REFERRAL_REWARD_POINTS,
// WEMART_REFERRAL_REWARD_COUPON).
type Reward struct {
	Points           int64
	CouponTemplateID int
}

// DefaultRewardPoints is the reward without configuration.
const DefaultRewardPoints = 200

// Service binds shoppers to their inviters and rewards the inviters.
type Service struct {
	client  *ent.Client
	points  Points
	coupons Coupons
	reward  Reward
	now     func() time.Time
	log     *slog.Logger
}

// New returns a Service giving reward through points or coupons (either may
// be nil when that kind of reward is not configured).
func New(client *ent.Client, points Points, coupons Coupons, reward Reward, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{client: client, points: points, coupons: coupons, reward: reward, now: now, log: log}
}

// codeAlphabet has no 0/O or 1/I/L, for codes read aloud or typed.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// CodeLen is the length of invite codes; MaxCodeLen bounds what a client
// may send as one.
const (
	CodeLen    = 8
	MaxCodeLen = 32
)

func newCode() string {
	b := make([]byte, CodeLen)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// InviteCode is the shopper's invite code, made the first time it is asked
// for (by a compare-and-set on a missing code; a collision with another
// shopper's code tries a new one).
func (s *Service) InviteCode(ctx context.Context, shopperID int) (_ string, err error) {
	defer errs.Op(&err, "referrals.InviteCode")
	for range 5 {
		sh, err := s.client.Shopper.Get(ctx, shopperID)
		if ent.IsNotFound(err) {
			return "", storage.ShopperGone()
		}
		if err != nil {
			return "", err
		}
		if sh.InviteCode != nil {
			return *sh.InviteCode, nil
		}
		err = s.client.Shopper.Update().Where(shopper.ID(shopperID), shopper.InviteCodeIsNil()).
			SetInviteCode(newCode()).Exec(ctx)
		if err != nil && !ent.IsConstraintError(err) {
			return "", err
		}
	}
	return "", errs.E(errs.Unavailable, "could not make an invite code; try again")
}

// Sources a referral may name (how the invited shopper came).
var Sources = []string{"share", "timeline", "poster", "qr"}

// Bind binds shopperID to the shopper whose invite code is code, if
// shopperID is new to the shop: not bound yet and without any order. A code
// nobody has, one's own code, or a shopper bound before binds nothing and
// is not an error (a share link can be old); it reports whether it bound.
func (s *Service) Bind(ctx context.Context, shopperID int, code, source string) (_ bool, err error) {
	defer errs.Op(&err, "referrals.Bind")
	inviter, err := s.client.Shopper.Query().Where(shopper.InviteCode(code)).Only(ctx)
	if ent.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if inviter.ID == shopperID {
		return false, nil
	}
	ordered, err := s.client.Order.Query().Where(order.ShopperID(shopperID)).Exist(ctx)
	if err != nil || ordered {
		return false, err
	}
	err = s.client.Referral.Create().SetShopperID(shopperID).SetInviterID(inviter.ID).SetSource(source).
		SetCreatedAt(s.now().UTC()).SetUpdatedAt(s.now().UTC()).
		OnConflictColumns(referral.FieldShopperID).DoNothing().Exec(ctx)
	if storage.Skipped(err) {
		return false, nil // bound before (or by a racing login): the first touch wins
	}
	return err == nil, err
}

// Summary is what a shopper's invitations brought.
type Summary struct {
	InviteCode string
	// Invited counts the shoppers bound to this one; Rewarded those whose
	// first completed order rewarded this one (and was not refunded).
	Invited, Rewarded int
	// RewardPoints are the points those rewards gave.
	RewardPoints int64
}

// SummaryOf is shopperID's invite code and what it brought.
func (s *Service) SummaryOf(ctx context.Context, shopperID int) (_ Summary, err error) {
	defer errs.Op(&err, "referrals.SummaryOf")
	code, err := s.InviteCode(ctx, shopperID)
	if err != nil {
		return Summary{}, err
	}
	rows, err := s.client.Referral.Query().Where(referral.InviterID(shopperID)).
		Select(referral.FieldRewardStatus, referral.FieldRewardPoints, referral.FieldRewardCouponID).All(ctx)
	if err != nil {
		return Summary{}, err
	}
	out := Summary{InviteCode: code, Invited: len(rows)}
	for _, r := range rows {
		// A reward that could not be given (its coupon template ran out
		// or is gone) left the referral granted with nothing: not counted.
		if r.RewardStatus == referral.RewardStatusGranted && (r.RewardPoints > 0 || r.RewardCouponID != nil) {
			out.Rewarded++
			out.RewardPoints += r.RewardPoints
		}
	}
	return out, nil
}

// OnMove is the order move hook: the invited shopper's first order to
// complete rewards the inviter; a refund of the whole of that order takes
// the reward back. It runs in the move's transaction; a reward that cannot
// be given (the coupon template ran out) is logged and skipped, never a
// reason to refuse the move.
func (s *Service) OnMove(ctx context.Context, tx *ent.Tx, o *ent.Order, _ order.Status) error {
	switch o.Status {
	case order.StatusCompleted:
		return s.grant(ctx, tx, o)
	case order.StatusRefunded:
		return s.revoke(ctx, tx, o)
	}
	return nil
}

func (s *Service) grant(ctx context.Context, tx *ent.Tx, o *ent.Order) error {
	now := s.now().UTC()
	n, err := tx.Referral.Update().
		Where(referral.ShopperID(o.ShopperID), referral.RewardOrderIDIsNil(), referral.RewardStatusEQ(referral.RewardStatusNone)).
		SetRewardOrderID(o.ID).SetRewardStatus(referral.RewardStatusGranted).SetRewardedAt(now).SetUpdatedAt(now).Save(ctx)
	if err != nil || n == 0 {
		return err // not invited, or rewarded before
	}
	ref, err := tx.Referral.Query().Where(referral.ShopperID(o.ShopperID)).Only(ctx)
	if err != nil {
		return err
	}
	switch {
	case s.reward.CouponTemplateID > 0 && s.coupons != nil:
		id, err := s.coupons.IssueReward(ctx, tx, s.reward.CouponTemplateID, ref.InviterID)
		if errs.Is(err, errs.Conflict) || errs.Is(err, errs.NotFound) {
			s.log.Warn("referral: the reward coupon could not be issued", "inviter", ref.InviterID, "order", o.ID, "error", err)
			return nil
		}
		if err != nil {
			return err
		}
		return tx.Referral.UpdateOne(ref).SetRewardCouponID(id).Exec(ctx)
	case s.reward.Points > 0 && s.points != nil:
		if err := s.points.Award(ctx, tx, ref.InviterID, o.ID, s.reward.Points); err != nil {
			return err
		}
		return tx.Referral.UpdateOne(ref).SetRewardPoints(s.reward.Points).Exec(ctx)
	}
	return nil
}

func (s *Service) revoke(ctx context.Context, tx *ent.Tx, o *ent.Order) error {
	now := s.now().UTC()
	ref, err := tx.Referral.Query().
		Where(referral.ShopperID(o.ShopperID), referral.RewardOrderID(o.ID), referral.RewardStatusEQ(referral.RewardStatusGranted)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	n, err := tx.Referral.Update().Where(referral.ID(ref.ID), referral.RewardStatusEQ(referral.RewardStatusGranted)).
		SetRewardStatus(referral.RewardStatusRevoked).SetRevokedAt(now).SetUpdatedAt(now).Save(ctx)
	if err != nil || n == 0 {
		return err
	}
	if ref.RewardCouponID != nil && s.coupons != nil {
		if back, err := s.coupons.Revoke(ctx, tx, *ref.RewardCouponID); err != nil {
			return err
		} else if !back {
			s.log.Info("referral: the reward coupon was used already; it stays", "coupon", *ref.RewardCouponID, "order", o.ID)
		}
	}
	if ref.RewardPoints > 0 && s.points != nil {
		return s.points.Reverse(ctx, tx, ref.InviterID, o.ID)
	}
	return nil
}
