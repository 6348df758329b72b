package jobs_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wemart/ent"
	"wemart/ent/job"
	"wemart/server/jobs"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// clock is a test clock that only moves when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func enqueue(t *testing.T, db *storage.DB, r *jobs.Runner, js ...jobs.Job) {
	t.Helper()
	err := storage.WithTx(context.Background(), db.Client, func(tx *ent.Tx) error {
		for _, j := range js {
			if err := r.Enqueue(context.Background(), tx, j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func only(t *testing.T, db *storage.DB) *ent.Job {
	t.Helper()
	all := db.Client.Job.Query().AllX(context.Background())
	if len(all) != 1 {
		t.Fatalf("%d jobs, want 1", len(all))
	}
	return all[0]
}

// TestEnqueueIsKeyedAndTransactional: a second job with the same key is
// nothing, and a job enqueued in a rolled-back transaction never existed.
func TestEnqueueIsKeyedAndTransactional(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		r := jobs.New(db.Client, jobs.Options{})
		enqueue(t, db, r, jobs.Job{Kind: "k", Key: "a", Payload: map[string]int{"n": 1}},
			jobs.Job{Kind: "k", Key: "a", Payload: map[string]int{"n": 2}})
		enqueue(t, db, r, jobs.Job{Kind: "k", Key: "a", Payload: map[string]int{"n": 3}})
		j := only(t, db)
		var p struct{ N int }
		if err := jobs.Decode(j, &p); err != nil || p.N != 1 {
			t.Fatalf("payload %+v (%v), want the first enqueue's", p, err)
		}
		boom := errors.New("boom")
		err := storage.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
			if err := r.Enqueue(ctx, tx, jobs.Job{Kind: "k", Key: "b"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := db.Client.Job.Query().CountX(ctx); n != 1 {
			t.Fatalf("%d jobs after a rollback, want 1", n)
		}
	})
}

// TestRetriesThenDone: a failing handler is retried on the backoff, a
// RetryAt at its time, and the job ends done; a Permanent error ends it
// failed at once with the error kept; a kind nobody handles stays pending.
func TestRetriesThenDone(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
		r := jobs.New(db.Client, jobs.Options{Now: clk.now, Backoff: []time.Duration{time.Minute}})
		var calls atomic.Int32
		r.Handle("flaky", func(ctx context.Context, j *ent.Job) error {
			switch calls.Add(1) {
			case 1:
				return errors.New("WeChat is down")
			case 2:
				return jobs.RetryAt(clk.now().Add(10*time.Second), errors.New("10060001"))
			}
			return nil
		})
		r.Handle("doomed", func(ctx context.Context, j *ent.Job) error {
			return jobs.Permanent(errors.New("47003 argument invalid"))
		})
		enqueue(t, db, r, jobs.Job{Kind: "flaky", Key: "f"}, jobs.Job{Kind: "doomed", Key: "d"},
			jobs.Job{Kind: "unknown", Key: "u"})

		run := func() int {
			n, err := r.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := run(); n != 1 { // doomed ended; flaky failed once
			t.Fatalf("first round ended %d jobs, want 1", n)
		}
		d := db.Client.Job.Query().Where(job.Key("d")).OnlyX(ctx)
		if d.State != job.StateFailed || d.LastError != "47003 argument invalid" {
			t.Fatalf("doomed job %s %q", d.State, d.LastError)
		}
		run() // not due yet: nothing
		if calls.Load() != 1 {
			t.Fatalf("%d calls before the backoff passed, want 1", calls.Load())
		}
		clk.add(time.Minute)
		run()
		f := db.Client.Job.Query().Where(job.Key("f")).OnlyX(ctx)
		if f.State != job.StatePending || !f.NextAt.Equal(clk.now().Add(10*time.Second)) || f.LastError != "10060001" {
			t.Fatalf("after RetryAt: %s next %s %q", f.State, f.NextAt, f.LastError)
		}
		clk.add(10 * time.Second)
		if n := run(); n != 1 {
			t.Fatalf("third round ended %d, want 1", n)
		}
		f = db.Client.Job.Query().Where(job.Key("f")).OnlyX(ctx)
		if f.State != job.StateDone || f.Attempts != 3 || f.DoneAt == nil || f.LeaseUntil != nil {
			t.Fatalf("flaky job %s after %d attempts (done %v, lease %v)", f.State, f.Attempts, f.DoneAt, f.LeaseUntil)
		}
		u := db.Client.Job.Query().Where(job.Key("u")).OnlyX(ctx)
		if u.State != job.StatePending || u.Attempts != 0 {
			t.Fatalf("a job of an unknown kind was touched: %s, %d attempts", u.State, u.Attempts)
		}
	})
}

// TestRunnersRaceEachJobOnce: several runners (processes) on one database
// run every job exactly once.
func TestRunnersRaceEachJobOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		const n = 40
		var mu sync.Mutex
		seen := map[string]int{}
		handler := func(ctx context.Context, j *ent.Job) error {
			mu.Lock()
			seen[j.Key]++
			mu.Unlock()
			time.Sleep(time.Millisecond) // widen the window a second claim would need
			return nil
		}
		runners := make([]*jobs.Runner, 3)
		for i := range runners {
			runners[i] = jobs.New(db.Client, jobs.Options{Batch: 7})
			runners[i].Handle("send", handler)
		}
		var js []jobs.Job
		for i := range n {
			js = append(js, jobs.Job{Kind: "send", Key: "send:" + string(rune('A'+i))})
		}
		enqueue(t, db, runners[0], js...)
		var wg sync.WaitGroup
		for _, r := range runners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					if _, err := r.RunOnce(ctx); err != nil && !storage.IsUnavailable(err) {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if len(seen) != n {
			t.Fatalf("%d jobs ran, want %d", len(seen), n)
		}
		for k, c := range seen {
			if c != 1 {
				t.Errorf("job %s ran %d times", k, c)
			}
		}
		if left := db.Client.Job.Query().Where(job.StateNEQ(job.StateDone)).CountX(ctx); left != 0 {
			t.Fatalf("%d jobs not done", left)
		}
	})
}

// TestExpiredLeaseCannotOverwrite: a worker whose lease ran out while its
// call hung does not overwrite the outcome of the worker that took over.
func TestExpiredLeaseCannotOverwrite(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
		slow := jobs.New(db.Client, jobs.Options{Now: clk.now, Lease: time.Minute})
		fast := jobs.New(db.Client, jobs.Options{Now: clk.now, Lease: time.Minute})
		release := make(chan struct{})
		started := make(chan struct{})
		slow.Handle("k", func(ctx context.Context, j *ent.Job) error {
			close(started)
			<-release
			return errors.New("late failure")
		})
		fast.Handle("k", func(ctx context.Context, j *ent.Job) error { return nil })
		enqueue(t, db, slow, jobs.Job{Kind: "k", Key: "k"})
		done := make(chan error, 1)
		go func() { _, err := slow.RunOnce(ctx); done <- err }()
		<-started
		clk.add(2 * time.Minute) // the slow worker's lease is over
		if n, err := fast.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("the second worker ended %d (%v), want 1", n, err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if j := only(t, db); j.State != job.StateDone || j.LastError != "" {
			t.Fatalf("job %s %q: the late worker overwrote the outcome", j.State, j.LastError)
		}
	})
}
