package storage_test

import (
	"context"
	"errors"
	"maps"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wemart/server/storage"
)

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestBatchGathersCallersOfAGroup: callers of one group that arrive while
// its read runs share the next read, which fetches every item any of them
// asked for (padded to a power of two, at most the limit); another group
// reads on its own; a caller past the limit, or arriving when the
// gathering read is full, reads alone; an idle group is forgotten.
func TestBatchGathersCallersOfAGroup(t *testing.T) {
	type call struct {
		group string
		items []int
	}
	var mu sync.Mutex
	var calls []call
	gate := make(chan struct{})
	var closeGate sync.Once
	t.Cleanup(func() { closeGate.Do(func() { close(gate) }) })
	b := storage.NewBatch(time.Minute, 6, func(_ context.Context, group string, items []int) (map[int]int, error) {
		mu.Lock()
		calls = append(calls, call{group, slices.Clone(items)})
		first := len(calls) == 1
		mu.Unlock()
		if first {
			<-gate // the first read waits until the others have arrived
		}
		got := map[int]int{}
		for _, it := range items {
			if it != 99 { // 99 is never found
				got[it] = it * 10
			}
		}
		return got, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan map[int]int, 1)
	go func() {
		got, _ := b.Get(ctx, "a", []int{1})
		done <- got
	}()
	waitFor(t, "the first read", func() bool { mu.Lock(); defer mu.Unlock(); return len(calls) == 1 })
	// Read 1 (group a, item 1) is running: these callers arrive after it
	// started, one by one, and gather items 2, 3, 99, 1 for the next read.
	var wg sync.WaitGroup
	answers := make([]map[int]int, 3)
	gathered := 0
	for i, items := range [][]int{{2, 3}, {3, 99}, {1}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], _ = b.Get(ctx, "a", items)
		}()
		gathered += len(items) - map[int]int{0: 0, 1: 1, 2: 0}[i] // item 3 once
		waitFor(t, "a caller to queue", func() bool { return b.Gathering("a") == gathered })
	}
	alone, err := b.Get(ctx, "a", []int{5, 6, 7}) // 4 gathered + 3 > the limit of 6
	if err != nil || !maps.Equal(alone, map[int]int{5: 50, 6: 60, 7: 70}) {
		t.Fatalf("a caller past the full read: %v, %v", alone, err)
	}
	other, err := b.Get(ctx, "b", []int{7}) // another group: not held behind group a
	if err != nil || !maps.Equal(other, map[int]int{7: 70}) {
		t.Fatalf("group b: %v, %v", other, err)
	}
	big, err := b.Get(ctx, "a", []int{1, 2, 3, 4, 5, 6, 7}) // past the limit: alone, unpadded past its count
	if err != nil || len(big) != 7 {
		t.Fatalf("a caller past the limit: %v, %v", big, err)
	}
	closeGate.Do(func() { close(gate) })
	wg.Wait()
	if got := <-done; !maps.Equal(got, map[int]int{1: 10}) {
		t.Fatalf("the first caller got %v", got)
	}
	// The three share one answer: every item gathered, 99 absent.
	want := map[int]int{1: 10, 2: 20, 3: 30}
	for i, a := range answers {
		if !maps.Equal(a, want) {
			t.Fatalf("caller %d got %v, want %v", i, a, want)
		}
	}
	wantCalls := []call{{"a", []int{1}}, {"a", []int{5, 6, 7, 7}}, {"b", []int{7}}, {"a", []int{1, 2, 3, 4, 5, 6, 7}},
		{"a", []int{2, 3, 99, 1}}}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != len(wantCalls) {
		t.Fatalf("reads %v, want %v", calls, wantCalls)
	}
	for i := range wantCalls {
		if calls[i].group != wantCalls[i].group || !slices.Equal(calls[i].items, wantCalls[i].items) {
			t.Fatalf("read %d: %v, want %v (all: %v)", i, calls[i], wantCalls[i], calls)
		}
	}
	if n := b.Gathering("a"); n != 0 {
		t.Fatalf("group a still gathers %d items when idle", n)
	}
}

// TestBatchSharesAReadsError: every caller of a failed read gets its
// error; the next read runs afresh.
func TestBatchSharesAReadsError(t *testing.T) {
	boom := errors.New("boom")
	gate := make(chan struct{})
	var closeGate sync.Once
	t.Cleanup(func() { closeGate.Do(func() { close(gate) }) })
	var mu sync.Mutex
	reads := 0
	b := storage.NewBatch(time.Minute, 8, func(_ context.Context, _ int, items []int) (map[int]bool, error) {
		mu.Lock()
		reads++
		n := reads
		mu.Unlock()
		switch n {
		case 1:
			<-gate
			return map[int]bool{}, nil
		case 2:
			return nil, boom
		}
		return map[int]bool{items[0]: true}, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() { _, _ = b.Get(ctx, 1, []int{1}) }()
	waitFor(t, "the first read", func() bool { mu.Lock(); defer mu.Unlock(); return reads == 1 })
	errs := make(chan error, 2)
	for i := range 2 {
		go func() {
			_, err := b.Get(ctx, 1, []int{10 + i})
			errs <- err
		}()
		waitFor(t, "a caller to queue", func() bool { return b.Gathering(1) == i+1 })
	}
	closeGate.Do(func() { close(gate) })
	for range 2 {
		if err := <-errs; !errors.Is(err, boom) {
			t.Fatalf("a caller of the failed read got %v", err)
		}
	}
	if got, err := b.Get(ctx, 1, []int{5}); err != nil || !got[5] {
		t.Fatalf("the read after: %v, %v", got, err)
	}
}

// TestBatchFirstReadTakesRunnableCallers: on one processor, callers that
// are runnable when a group's first read starts (requests on their way to
// it) join that read rather than wait for a second one: the read yields
// the processor once before it runs. The scheduler now and then runs a
// yielded goroutine early, so of 100 rushes at least 70 must be read in
// one read; without the yield none is (the read would run at once, for
// the first caller alone; under -race, whose scheduler is shuffled, about
// half are).
func TestBatchFirstReadTakesRunnableCallers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const callers, rushes = 8, 100
	var reads atomic.Int32
	b := storage.NewBatch(time.Minute, 64, func(_ context.Context, _ int, items []int) (map[int]int, error) {
		reads.Add(1)
		got := make(map[int]int, len(items))
		for _, it := range items {
			got[it] = -it
		}
		return got, nil
	})
	together := 0
	for range rushes {
		reads.Store(0)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				got, err := b.Get(context.Background(), 0, []int{i + 1})
				if err != nil || got[i+1] != -(i+1) {
					t.Errorf("caller %d got %v, %v", i, got, err)
				}
			})
		}
		wg.Wait()
		if reads.Load() == 1 {
			together++
		}
	}
	if together < 70*rushes/100 {
		t.Fatalf("%d of %d rushes of %d callers were read in one read", together, rushes, callers)
	}
}
