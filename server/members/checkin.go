package members

import (
	"context"
	"time"

	"wemart/ent"
	"wemart/ent/checkin"
	"wemart/ent/pointentry"
	"wemart/server/errs"
	"wemart/server/storage"
)

// beijing is the zone whose calendar day a check-in counts in.
var beijing = time.FixedZone("UTC+8", 8*60*60)

// Day is the calendar day in Beijing at t, YYYY-MM-DD.
func Day(t time.Time) string { return t.In(beijing).Format(time.DateOnly) }

// Checkin is a day's check-in as recorded.
type Checkin struct {
	Day    string
	Points int64
	// Available are the shopper's points available after it.
	Available int64
}

// CheckIn records the shopper's check-in for today (Beijing's day) and
// gives its points, available at once. A second check-in the same day is a
// conflict, however many race: the unique (shopper, day) takes one.
func (s *Service) CheckIn(ctx context.Context, shopperID int) (_ Checkin, err error) {
	defer errs.Op(&err, "members.CheckIn")
	now := s.clock()
	out := Checkin{Day: Day(now), Points: s.rules.CheckinPoints}
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		id, err := tx.Checkin.Create().SetShopperID(shopperID).SetDay(out.Day).SetPoints(out.Points).SetCreatedAt(now).
			OnConflictColumns(checkin.FieldShopperID, checkin.FieldDay).DoNothing().ID(ctx)
		if storage.Skipped(err) {
			return errs.E(errs.Conflict, "already checked in today (%s); come back tomorrow", out.Day).
				With("reason", "checked_in").With("day", out.Day)
		}
		if err != nil {
			return err
		}
		if _, err := s.post(ctx, tx, entry{shopperID: shopperID, kind: pointentry.KindCheckin, refType: RefCheckin,
			refID: id, available: out.Points, note: "每日签到 " + out.Day}); err != nil {
			return err
		}
		out.Available, _, err = balance(ctx, tx.PointAccount, shopperID)
		return err
	})
	return out, err
}

// CheckedIn reports whether the shopper checked in today.
func (s *Service) CheckedIn(ctx context.Context, shopperID int) (_ bool, err error) {
	defer errs.Op(&err, "members.CheckedIn")
	return s.client.Checkin.Query().Where(checkin.ShopperID(shopperID), checkin.Day(Day(s.clock()))).Exist(ctx)
}
