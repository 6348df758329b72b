package staff

import (
	"context"
	"time"

	"wemart/ent"
	"wemart/ent/loginthrottle"
	"wemart/server/errs"
	"wemart/server/storage"
)

// Login throttling: after freeFailures wrong passwords in a row for a
// username an attempt waits firstBackoff, twice as long after each further
// failure, up to maxBackoff. The count is kept by username in the database
// (table login_throttles), so every process enforces the same limit and a
// username that does not exist backs off exactly like one that does. A row
// untouched for throttleMemory starts over.
const (
	freeFailures   = 5
	firstBackoff   = 30 * time.Second
	maxBackoff     = 15 * time.Minute
	throttleMemory = 24 * time.Hour
)

// backoff is how long a username waits after its failures-th wrong password.
func backoff(failures int) time.Duration {
	if failures < freeFailures {
		return 0
	}
	d := firstBackoff
	for i := freeFailures; i < failures && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// countAttempt counts a login attempt for username as a failure until the
// password proves right (clearThrottle), or refuses it while the username
// is backing off. Each count is a compare-and-set on the row, so racing
// guesses cannot get more tries than the limit.
func (s *Service) countAttempt(ctx context.Context, username string) error {
	for {
		now := s.now().UTC()
		row, err := s.client.LoginThrottle.Query().Where(loginthrottle.Username(username)).Only(ctx)
		if ent.IsNotFound(err) {
			// Forget rows nobody touched for a day (bounded: the per-address
			// limit bounds how many usernames can be tried).
			if _, err := s.client.LoginThrottle.Delete().Where(loginthrottle.UpdatedAtLT(now.Add(-throttleMemory))).Exec(ctx); err != nil {
				return err
			}
			err = s.client.LoginThrottle.Create().SetUsername(username).SetFailures(1).SetUpdatedAt(now).
				OnConflictColumns(loginthrottle.FieldUsername).DoNothing().Exec(ctx)
			if err == nil {
				return nil
			}
			if !storage.Skipped(err) {
				return err
			}
			continue // another attempt created it first: count on it
		}
		if err != nil {
			return err
		}
		if row.BlockedUntil != nil && now.Before(*row.BlockedUntil) {
			wait := row.BlockedUntil.Sub(now)
			return errs.TooMany(wait, "too many wrong passwords for this username; try again in %d s", int(wait.Seconds())+1)
		}
		failures := row.Failures + 1
		if row.UpdatedAt.Before(now.Add(-throttleMemory)) {
			failures = 1
		}
		upd := s.client.LoginThrottle.Update().
			Where(loginthrottle.ID(row.ID), loginthrottle.Failures(row.Failures), loginthrottle.UpdatedAt(row.UpdatedAt)).
			SetFailures(failures).SetUpdatedAt(now)
		if d := backoff(failures); d > 0 {
			upd.SetBlockedUntil(now.Add(d))
		} else {
			upd.ClearBlockedUntil()
		}
		n, err := upd.Save(ctx)
		if err != nil || n == 1 {
			return err
		}
		// Another attempt counted first: look again.
	}
}

// clearThrottle forgets username's failures: a correct password, a
// password reset by an admin, or the bootstrap admin set from the
// environment (the operator's way back in).
func (s *Service) clearThrottle(ctx context.Context, username string) error {
	_, err := s.client.LoginThrottle.Delete().Where(loginthrottle.Username(username)).Exec(ctx)
	return err
}
