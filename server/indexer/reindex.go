package indexer

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"wemart/ent"
	"wemart/ent/counter"
	"wemart/ent/product"
	"wemart/ent/searchoutbox"
	"wemart/search"
	"wemart/server/errs"
	"wemart/server/storage"
)

// Progress is told how many products a rebuild has indexed.
type Progress func(done, total int)

// replayWindow is how far before a rebuild's start it replays the outbox:
// a change whose transaction was still open when the rebuild started may
// have been read by the rebuild without its effect.
const replayWindow = time.Minute

// Reindex builds a new generation of the index from the database while the
// current one keeps answering, then publishes it: it fills the new
// generation, takes the indexer lease, replays what the outbox recorded
// since it started, closes the new index and switches the shared generation
// counter to it, marking processed in the same transaction the outbox the
// new generation covers (so that no server replays it: a server starting
// after a rebuild has nothing to catch up on). Running servers follow
// within a poll. The generation two back is dropped. It returns the new
// generation.
func Reindex(ctx context.Context, db *storage.DB, engine search.Engine, log *slog.Logger, progress Progress) (_ int64, err error) {
	defer errs.Op(&err, "indexer.Reindex")
	client := db.Client
	started := time.Now().UTC()
	var next int64
	err = storage.WithTx(ctx, client, func(tx *ent.Tx) error {
		if err := tx.Counter.Create().SetID(buildKey).SetValue(1).OnConflictColumns(counter.FieldID).
			Update(func(u *ent.CounterUpsert) { u.AddValue(1) }).Exec(ctx); err != nil {
			return err
		}
		c, err := tx.Counter.Get(ctx, buildKey)
		if err != nil {
			return err
		}
		cur, err := counterValue(ctx, tx.Client(), generationKey)
		next = max(c.Value, cur+1)
		if err == nil && next != c.Value {
			err = tx.Counter.UpdateOneID(buildKey).SetValue(next).Exec(ctx)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	_ = engine.Drop(ctx, next) // leftovers of a crashed build of the same number
	idx, _, err := engine.Open(ctx, next)
	if err != nil {
		return 0, err
	}
	closed := false
	defer func() {
		if !closed {
			idx.Close()
		}
	}()
	// Serving processes give a generation the synonyms when they open it;
	// giving them here too means a shared backend's new generation has them
	// from the moment it is published.
	if err := setSynonyms(ctx, client, idx); err != nil {
		log.Warn("search synonyms not set on the new generation; servers set them as they open it", "generation", next, "error", err)
	}
	// The outbox rows committed and unprocessed now are covered by the fill,
	// which reads their products after this: they can be marked processed at
	// the switch. Nothing else before the replay is (a row's created_at is
	// its writer's clock at insert, not when it committed).
	covers, err := client.SearchOutbox.Query().Where(searchoutbox.ProcessedAtIsNil()).IDs(ctx)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := fill(ctx, client, idx, progress); err != nil {
		return 0, err
	}
	log.Info("search index built", "generation", next, "took", time.Since(start).Round(time.Millisecond))

	holder := fmt.Sprintf("reindex/%d", next)
	for {
		ok, err := takeLease(ctx, client, leaseName, holder, leaseTTL)
		if err != nil {
			return 0, err
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(pollEvery):
		}
	}
	defer releaseLease(context.WithoutCancel(ctx), client, leaseName, holder)

	// Replay what the outbox recorded from shortly before the fill started,
	// processed or not: a server may have applied it to the generation it
	// serves, never to this one.
	since := started.Add(-replayWindow)
	rows, err := client.SearchOutbox.Query().Where(searchoutbox.CreatedAtGT(since)).
		Select(searchoutbox.FieldID, searchoutbox.FieldProductID, searchoutbox.FieldProcessedAt).All(ctx)
	if err != nil {
		return 0, err
	}
	ids := make([]int, len(rows))
	var pending []int // the replayed rows nobody has applied yet
	for i, r := range rows {
		ids[i] = r.ProductID
		if r.ProcessedAt == nil {
			pending = append(pending, r.ID)
		}
	}
	for start := 0; start < len(ids); start += batchSize {
		if err := apply(ctx, client, idx, ids[start:min(start+batchSize, len(ids))]); err != nil {
			return 0, err
		}
	}
	closed = true
	if err := idx.Close(); err != nil {
		return 0, err
	}
	prev, err := counterValue(ctx, client, generationKey)
	if err != nil {
		return 0, err
	}
	if prev >= next {
		return 0, errRace
	}
	var covered int
	err = storage.WithTx(ctx, client, func(tx *ent.Tx) error {
		for key, v := range map[string]int64{generationKey: next, formatKey: search.Format} {
			if err := tx.Counter.Create().SetID(key).SetValue(v).OnConflictColumns(counter.FieldID).
				Update(func(u *ent.CounterUpsert) { u.SetValue(v) }).Exec(ctx); err != nil {
				return err
			}
		}
		// With the switch, the outbox the new generation covers is
		// processed, so that no server replays it: the rows committed
		// before the fill (it read their products after them) and the rows
		// replayed above. Any other row stays for the servers.
		var merr error
		covered, merr = markCovered(ctx, tx.Client(), append(covers, pending...))
		return merr
	})
	if err != nil {
		return 0, err
	}
	if prev > 1 {
		_ = engine.Drop(ctx, prev-1)
	}
	log.Info("search index published", "generation", next, "replayed", len(ids), "outbox_covered", covered)
	return next, nil
}

// markCovered marks processed, in the transaction client belongs to, the
// outbox rows ids that a new generation covers (those still unprocessed).
// It returns how many it marked.
func markCovered(ctx context.Context, client *ent.Client, ids []int) (int, error) {
	now := time.Now().UTC()
	n := 0
	for start := 0; start < len(ids); start += batchSize {
		m, err := client.SearchOutbox.Update().
			Where(searchoutbox.IDIn(ids[start:min(start+batchSize, len(ids))]...), searchoutbox.ProcessedAtIsNil()).
			SetProcessedAt(now).Save(ctx)
		if err != nil {
			return 0, err
		}
		n += m
	}
	return n, nil
}

// fill indexes every product, a batch at a time.
func fill(ctx context.Context, client *ent.Client, idx search.Index, progress Progress) error {
	total, err := client.Product.Query().Count(ctx)
	if err != nil {
		return err
	}
	done, after := 0, 0
	for {
		ids, err := client.Product.Query().Where(product.IDGT(after)).Order(ent.Asc(product.FieldID)).
			Limit(batchSize).IDs(ctx)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := apply(ctx, client, idx, ids); err != nil {
			return err
		}
		after = ids[len(ids)-1]
		done += len(ids)
		if progress != nil {
			progress(done, total)
		}
	}
}
