package indexer

import (
	"context"
	"time"

	"wemart/ent"
	"wemart/ent/lease"
	"wemart/server/storage"
)

// takeLease takes (or renews) the lease called name for holder until ttl
// from now, by compare-and-set: it succeeds when holder has it already or
// nobody does (expired). It reports whether holder now has it.
func takeLease(ctx context.Context, client *ent.Client, name, holder string, ttl time.Duration) (bool, error) {
	now := time.Now().UTC()
	n, err := client.Lease.Update().
		Where(lease.ID(name), lease.Or(lease.Holder(holder), lease.ExpiresAtLT(now))).
		SetHolder(holder).SetExpiresAt(now.Add(ttl)).Save(ctx)
	if err != nil || n == 1 {
		return n == 1, err
	}
	// The lease may not exist yet: create it for us (or lose to whoever does).
	err = client.Lease.Create().SetID(name).SetHolder(holder).SetExpiresAt(now.Add(ttl)).
		OnConflictColumns(lease.FieldID).DoNothing().Exec(ctx)
	if err != nil && !storage.Skipped(err) {
		return false, err
	}
	l, err := client.Lease.Get(ctx, name)
	if err != nil {
		return false, err
	}
	return l.Holder == holder && l.ExpiresAt.After(now), nil
}

// releaseLease gives the lease up if holder has it.
func releaseLease(ctx context.Context, client *ent.Client, name, holder string) error {
	return client.Lease.Update().Where(lease.ID(name), lease.Holder(holder)).
		SetHolder("").SetExpiresAt(time.Unix(0, 0).UTC()).Exec(ctx)
}
