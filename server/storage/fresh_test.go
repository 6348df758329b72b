package storage_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wemart/server/storage"
)

// TestFreshNeverAnswersWithAnOlderRead: callers that arrive while a read
// runs get the next read, which they share; a caller alone gets its own.
func TestFreshNeverAnswersWithAnOlderRead(t *testing.T) {
	var reads atomic.Int64
	gate := make(chan struct{})
	f := storage.NewFresh(time.Minute, func(context.Context) (int64, error) {
		n := reads.Add(1)
		if n == 1 {
			<-gate // the first read waits until the others have arrived
		}
		return n, nil
	})
	ctx := context.Background()
	first := make(chan int64)
	go func() {
		v, _ := f.Get(ctx)
		first <- v
	}()
	for reads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// Read 1 is running: these three arrived after it started.
	var wg sync.WaitGroup
	later := make([]int64, 3)
	for i := range later {
		wg.Add(1)
		go func() {
			defer wg.Done()
			later[i], _ = f.Get(ctx)
		}()
	}
	time.Sleep(50 * time.Millisecond) // let them queue
	close(gate)
	wg.Wait()
	if v := <-first; v != 1 {
		t.Fatalf("the first caller got read %d, want 1", v)
	}
	for i, v := range later {
		if v != 2 {
			t.Fatalf("caller %d, arrived during read 1, got read %d; want 2 (shared)", i, v)
		}
	}
	if n := reads.Load(); n != 2 {
		t.Fatalf("%d reads for four callers, want 2", n)
	}
	// Alone, each call reads again.
	for want := int64(3); want <= 4; want++ {
		if v, err := f.Get(ctx); v != want || err != nil {
			t.Fatalf("a caller alone got %d, %v; want read %d", v, err, want)
		}
	}
}

// TestFreshHonoursTheCallersContext: a caller whose context ends stops
// waiting; the read's error reaches every caller of that read.
func TestFreshHonoursTheCallersContext(t *testing.T) {
	gate := make(chan struct{})
	boom := errors.New("boom")
	f := storage.NewFresh(time.Minute, func(context.Context) (int, error) {
		<-gate
		return 0, boom
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := f.Get(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get with an ended context: %v", err)
	}
	close(gate)
	if _, err := f.Get(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("Get after a failing read: %v", err)
	}
}

// TestFreshSurvivesAPanickingRead: a read that panics answers its callers
// with an error, and the next read runs.
func TestFreshSurvivesAPanickingRead(t *testing.T) {
	var reads atomic.Int64
	f := storage.NewFresh(time.Minute, func(context.Context) (int64, error) {
		if reads.Add(1) == 1 {
			panic("boom")
		}
		return 7, nil
	})
	if _, err := f.Get(context.Background()); err == nil || !strings.Contains(err.Error(), "panicked: boom") {
		t.Fatalf("Get over a panicking read: %v", err)
	}
	if v, err := f.Get(context.Background()); v != 7 || err != nil {
		t.Fatalf("the next Get: %d, %v", v, err)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Get(ended); !errors.Is(err, context.Canceled) || reads.Load() != 2 {
		t.Fatalf("Get with an ended context: %v after %d reads (want no third read)", err, reads.Load())
	}
}
