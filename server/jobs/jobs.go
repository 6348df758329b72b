// Package jobs is wemart's outbox of calls owed to outside services:
// WeChat's shipping-info API, subscribe messages, parcel tracking
// subscriptions. A job is written in the same transaction as the change
// that makes it due (Enqueue), so a crash between commit and call loses
// nothing; its key makes enqueueing it twice a no-op.
//
// Every process runs a Runner. A runner claims a due job by a conditional
// update that takes a lease and counts the attempt; it writes the outcome
// only while that attempt is still the job's latest, so several processes
// never run one job at the same time and a slow worker whose lease ran out
// cannot overwrite the next one's result. A handler's error schedules a
// retry on a backoff (or at the time it names, see RetryAt); Permanent
// errors and jobs past MaxAttempts end failed, with the error kept.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"entgo.io/ent/dialect/sql"

	"wemart/ent"
	"wemart/ent/job"
	"wemart/server/errs"
	"wemart/server/storage"
)

// Job is a call to make.
type Job struct {
	// Kind names the handler ("upload_shipping", "subscribe", ...).
	Kind string
	// Key identifies the job: a second Enqueue with the same key does nothing.
	Key     string
	OrderID *int
	// Payload is marshalled to JSON for the handler.
	Payload any
	// At is when it is due (zero: now).
	At time.Time
}

// Handler makes the call of one job. It returns nil when the job is done.
type Handler func(ctx context.Context, j *ent.Job) error

// Options configure a Runner.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
	// Lease is how long a claimed job belongs to its worker (default 1 min).
	Lease time.Duration
	// Backoff is the delay before each retry; the last repeats (default
	// 5 s, 15 s, 1 min, 5 min, 15 min, 1 h).
	Backoff []time.Duration
	// MaxAttempts ends a job failed after this many attempts (default 30).
	MaxAttempts int
	// Batch is how many due jobs one round claims at most (default 50).
	Batch int
}

// Runner runs due jobs with the handlers of their kinds.
type Runner struct {
	client   *ent.Client
	opt      Options
	handlers map[string]Handler

	wake      chan struct{}
	closing   chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// New returns a Runner; add handlers with Handle before Start.
func New(client *ent.Client, opt Options) *Runner {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Lease <= 0 {
		opt.Lease = time.Minute
	}
	if len(opt.Backoff) == 0 {
		opt.Backoff = []time.Duration{5 * time.Second, 15 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour}
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 30
	}
	if opt.Batch <= 0 {
		opt.Batch = 50
	}
	return &Runner{client: client, opt: opt, handlers: map[string]Handler{},
		wake: make(chan struct{}, 1), closing: make(chan struct{})}
}

// Handle sets the handler of a kind of job. A runner only claims jobs of
// the kinds it has handlers for (a process of an older version leaves a
// newer kind to the processes that know it); set them all before Start.
func (r *Runner) Handle(kind string, h Handler) { r.handlers[kind] = h }

// Enqueue writes a job in tx (nothing when a job with its key exists) and
// wakes this process's worker once tx commits.
func (r *Runner) Enqueue(ctx context.Context, tx *ent.Tx, j Job) error {
	payload, err := json.Marshal(j.Payload)
	if err != nil {
		return err
	}
	at := j.At
	if at.IsZero() {
		at = r.opt.Now()
	}
	err = tx.Job.Create().SetKind(j.Kind).SetKey(j.Key).SetNillableOrderID(j.OrderID).
		SetPayload(string(payload)).SetNextAt(at.UTC()).
		OnConflict(sql.ConflictColumns(job.FieldKey)).DoNothing().Exec(ctx)
	if err != nil && !storage.Skipped(err) {
		return err
	}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			err := next.Commit(ctx, tx)
			if err == nil {
				r.Kick()
			}
			return err
		})
	})
	return nil
}

// Kick wakes the worker to look for due jobs now.
func (r *Runner) Kick() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// retryAt is an error that asks for the next attempt at a given time.
type retryAt struct {
	at  time.Time
	err error
}

func (e *retryAt) Error() string { return e.err.Error() }
func (e *retryAt) Unwrap() error { return e.err }

// RetryAt is err with the next attempt due at at rather than on the backoff
// (WeChat's "not indexed yet" answers, say).
func RetryAt(at time.Time, err error) error { return &retryAt{at: at, err: err} }

// permanent is an error no retry can mend.
type permanent struct{ err error }

func (e *permanent) Error() string { return e.err.Error() }
func (e *permanent) Unwrap() error { return e.err }

// Permanent is err marked as final: the job ends failed at once.
func Permanent(err error) error { return &permanent{err: err} }

// RunOnce claims and runs the jobs due now, up to a batch, and returns how
// many it ran to an end (done or failed).
func (r *Runner) RunOnce(ctx context.Context) (ended int, err error) {
	defer errs.Op(&err, "jobs.RunOnce")
	now := r.opt.Now().UTC()
	kinds := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		kinds = append(kinds, k)
	}
	due, err := r.client.Job.Query().
		Where(job.StateEQ(job.StatePending), job.KindIn(kinds...), job.NextAtLTE(now),
			job.Or(job.LeaseUntilIsNil(), job.LeaseUntilLT(now))).
		Order(ent.Asc(job.FieldNextAt), ent.Asc(job.FieldID)).Limit(r.opt.Batch).All(ctx)
	if err != nil {
		return 0, err
	}
	for _, j := range due {
		if ctx.Err() != nil {
			break
		}
		ok, err := r.claim(ctx, j, now)
		if err != nil {
			return ended, err
		}
		if !ok {
			continue // another worker has it
		}
		if end, err := r.run(ctx, j); err != nil {
			return ended, err
		} else if end {
			ended++
		}
	}
	return ended, nil
}

// claim takes j's lease and counts the attempt, if no one else did.
func (r *Runner) claim(ctx context.Context, j *ent.Job, now time.Time) (bool, error) {
	n, err := r.client.Job.Update().
		Where(job.ID(j.ID), job.StateEQ(job.StatePending), job.Attempts(j.Attempts),
			job.Or(job.LeaseUntilIsNil(), job.LeaseUntilLT(now))).
		SetLeaseUntil(now.Add(r.opt.Lease)).AddAttempts(1).Save(ctx)
	if err != nil || n == 0 {
		return false, err
	}
	j.Attempts++
	return true, nil
}

// run calls j's handler and records the outcome while j's attempt is still
// its latest. end reports the job done or failed.
func (r *Runner) run(ctx context.Context, j *ent.Job) (end bool, err error) {
	callCtx, cancel := context.WithTimeout(ctx, r.opt.Lease/2)
	herr := safeCall(callCtx, r.handlers[j.Kind], j)
	cancel()
	now := r.opt.Now().UTC()
	upd := r.client.Job.Update().Where(job.ID(j.ID), job.Attempts(j.Attempts), job.StateEQ(job.StatePending)).ClearLeaseUntil()
	var perm *permanent
	var ra *retryAt
	switch {
	case herr == nil:
		upd.SetState(job.StateDone).SetDoneAt(now).SetLastError("")
		end = true
	case errors.As(herr, &perm) || j.Attempts >= r.opt.MaxAttempts:
		upd.SetState(job.StateFailed).SetDoneAt(now).SetLastError(clip(herr.Error()))
		r.opt.Log.Error("job failed", "kind", j.Kind, "key", j.Key, "attempts", j.Attempts, "error", herr)
		end = true
	case errors.As(herr, &ra):
		upd.SetNextAt(ra.at.UTC()).SetLastError(clip(herr.Error()))
	default:
		i := min(j.Attempts-1, len(r.opt.Backoff)-1)
		upd.SetNextAt(now.Add(r.opt.Backoff[i])).SetLastError(clip(herr.Error()))
		r.opt.Log.Warn("job will retry", "kind", j.Kind, "key", j.Key, "attempts", j.Attempts, "error", herr)
	}
	if _, err := upd.Save(ctx); err != nil {
		return false, err
	}
	return end, nil
}

// safeCall runs h, turning a panic into a permanent failure of the job.
func safeCall(ctx context.Context, h Handler, j *ent.Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = Permanent(errors.New("handler panicked"))
		}
	}()
	return h(ctx, j)
}

func clip(s string) string {
	r := []rune(s)
	if len(r) > 300 {
		return string(r[:300])
	}
	return s
}

// Start runs due jobs every interval, and at once when kicked, until Close.
func (r *Runner) Start(interval time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			for {
				n, err := r.RunOnce(ctx)
				if err != nil && ctx.Err() == nil {
					r.opt.Log.Error("jobs: a round failed", "error", err)
				}
				if err != nil || n < r.opt.Batch {
					break
				}
			}
			select {
			case <-r.closing:
				return
			case <-t.C:
			case <-r.wake:
			}
		}
	}()
	go func() {
		<-r.closing
		cancel()
	}()
}

// Close stops the worker and waits for it.
func (r *Runner) Close() {
	r.closeOnce.Do(func() { close(r.closing) })
	r.wg.Wait()
}

// Decode unmarshals a job's payload into v.
func Decode(j *ent.Job, v any) error {
	if err := json.Unmarshal([]byte(j.Payload), v); err != nil {
		return Permanent(err)
	}
	return nil
}
