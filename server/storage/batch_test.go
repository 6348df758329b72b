package storage_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"wemart/server/storage"
)

// TestBatchGathersCallersOfAGroup: callers of one group that arrive while
// its read runs share the next read, which fetches every item any of them
// asked for; another group reads on its own; a caller past the limit, or
// arriving when the gathering read is full, reads alone.
func TestBatchGathersCallersOfAGroup(t *testing.T) {
	type call struct {
		group string
		items []int
	}
	var mu sync.Mutex
	var calls []call
	gate := make(chan struct{})
	b := storage.NewBatch(time.Minute, 4, func(_ context.Context, group string, items []int) (map[int]int, error) {
		mu.Lock()
		calls = append(calls, call{group, slices.Sorted(slices.Values(items))})
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
	ctx := context.Background()
	done := make(chan map[int]int)
	go func() {
		got, _ := b.Get(ctx, "a", []int{1})
		done <- got
	}()
	for {
		mu.Lock()
		n := len(calls)
		mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	// Read 1 (group a, item 1) is running: these callers arrive after it started.
	var wg sync.WaitGroup
	answers := make([]map[int]int, 3)
	for i, items := range [][]int{{2, 3}, {3, 99}, {1}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], _ = b.Get(ctx, "a", items)
		}()
		time.Sleep(10 * time.Millisecond) // in this order
	}
	alone, err := b.Get(ctx, "a", []int{5, 6}) // the gathering read holds 4 items: full
	if err != nil || alone[5] != 50 || alone[6] != 60 {
		t.Fatalf("a caller past the full read: %v, %v", alone, err)
	}
	other, err := b.Get(ctx, "b", []int{7}) // another group: not held behind group a
	if err != nil || other[7] != 70 {
		t.Fatalf("group b: %v, %v", other, err)
	}
	big, err := b.Get(ctx, "a", []int{1, 2, 3, 4, 5}) // past the limit
	if err != nil || len(big) != 5 {
		t.Fatalf("a caller past the limit: %v, %v", big, err)
	}
	close(gate)
	wg.Wait()
	if got := <-done; got[1] != 10 {
		t.Fatalf("the first caller got %v", got)
	}
	for i, a := range answers {
		if a[3] != 30 && a[1] != 10 {
			t.Fatalf("caller %d got %v", i, a)
		}
	}
	if _, found := answers[1][99]; found || answers[1][3] != 30 {
		t.Fatalf("item 99 is never found; got %v", answers[1])
	}
	// Each read's items padded to a power of two with the last one.
	want := []call{{"a", []int{1}}, {"a", []int{5, 6}}, {"b", []int{7}}, {"a", []int{1, 2, 3, 4, 5, 5, 5, 5}}, {"a", []int{1, 2, 3, 99}}}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != len(want) {
		t.Fatalf("reads %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i].group != want[i].group || !slices.Equal(calls[i].items, want[i].items) {
			t.Fatalf("read %d: %v, want %v (all: %v)", i, calls[i], want[i], calls)
		}
	}
}
