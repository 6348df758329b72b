package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lines opens the journal at path and returns what it replays.
func lines(t *testing.T, path string) ([]string, *journal) {
	t.Helper()
	var got []string
	j, err := openJournal(path, func(line []byte) error {
		if !json.Valid(line) {
			return fmt.Errorf("not JSON: %q", line)
		}
		got = append(got, string(line))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, j
}

func TestJournalReplaysWhatWasCommitted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	_, j := lines(t, path)
	var wg sync.WaitGroup
	for i := range 50 { // concurrent changes share commits; all of them land
		wg.Add(1)
		go func() {
			defer wg.Done()
			seq := j.add(fmt.Appendf(nil, `{"n":%d}`, i))
			if err := j.commit(seq); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	got, j := lines(t, path)
	defer j.close()
	if len(got) != 50 {
		t.Fatalf("replayed %d records, want 50", len(got))
	}
}

// TestJournalToleratesATornTail: a crash while records were being written
// leaves a cut-off record (or garbage) at the end; those were never
// acknowledged, so they are dropped, the file is repaired, and appending
// carries on after the last good record.
func TestJournalToleratesATornTail(t *testing.T) {
	for name, tail := range map[string]string{
		"cut off":           `{"n":3,"x":"abc`,
		"cut after a brace": `{"n":3}`, // no newline: never fully written
		"zeros":             "\x00\x00\x00\x00\n\x00\x00",
		"garbage lines":     "{\"n\":\n}}}\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "j.jsonl")
			good := "{\"n\":1}\n{\"n\":2}\n"
			if err := os.WriteFile(path, []byte(good+tail), 0o600); err != nil {
				t.Fatal(err)
			}
			got, j := lines(t, path)
			if strings.Join(got, ",") != `{"n":1},{"n":2}` {
				t.Fatalf("replayed %q", got)
			}
			if err := j.commit(j.add([]byte(`{"n":4}`))); err != nil {
				t.Fatal(err)
			}
			j.close()
			b, _ := os.ReadFile(path)
			if string(b) != good+"{\"n\":4}\n" {
				t.Fatalf("file after repair and append: %q", b)
			}
		})
	}
}

// TestJournalRefusesCorruptionInTheMiddle: a bad record followed by good
// ones is not a torn tail; starting would silently forget state, so it fails.
func TestJournalRefusesCorruptionInTheMiddle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	if err := os.WriteFile(path, []byte("{\"n\":1}\n{\"n\":\n{\"n\":3}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openJournal(path, func(line []byte) error {
		if !json.Valid(line) {
			return fmt.Errorf("bad")
		}
		return nil
	}); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("corruption in the middle: %v", err)
	}
}

// TestJournalNothingAnsweredBeforeItIsOnDisk: a change made and answered by
// the HTTP handler is in the file when the answer arrives, with no Close:
// what a kill -9 right after the answer would find.
func TestJournalNothingAnsweredBeforeItIsOnDisk(t *testing.T) {
	dir := t.TempDir()
	sb := newTestSandbox(t, dir, 0)
	h := newTestServer(t, sb)
	h.post("/sandbox/subscribe/grants", `{"code": "shopper", "template_id": "TPL1"}`, 200)
	b, err := os.ReadFile(filepath.Join(dir, JournalFile))
	if err != nil || !bytes.Contains(b, []byte(`"k":"grants"`)) || !bytes.Contains(b, []byte(`"TPL1":1`)) {
		t.Fatalf("the grant answered is not in the journal: %q %v", b, err)
	}
}

// TestReplayEqualsMemory: after a little of everything (tokens, payments,
// notifications, refunds, shipping, grants, subscribe messages), replaying
// the journal gives exactly the state the sandbox holds: no change escapes
// the journal. Compaction keeps it so, and a restarted sandbox has it.
func TestReplayEqualsMemory(t *testing.T) {
	dir := t.TempDir()
	sb := newTestSandbox(t, dir, 0)
	h := newTestServer(t, sb)
	same := func(what string) string {
		t.Helper()
		sb.mu.Lock() // nothing changes meanwhile (retries run in the background)
		defer sb.mu.Unlock()
		if err := sb.j.commitAll(); err != nil {
			t.Fatal(err)
		}
		mem := snapshotJSON(t, &sb.st)
		replayed := newState()
		b, err := os.ReadFile(filepath.Join(dir, JournalFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
			if err := replayed.apply(line); err != nil {
				t.Fatalf("replaying %s: %v", line, err)
			}
		}
		if got := snapshotJSON(t, &replayed); got != mem {
			t.Fatalf("after %s, replay differs from memory:\nmemory: %s\nreplay: %s", what, mem, got)
		}
		return mem
	}
	h.step = func(what string) { same(what) }
	h.workout()
	sb.Close()
	mem := same("closing")
	// Restarted with a clock that never comes: a due delivery would otherwise
	// retry (and change the state) between the start and the snapshot.
	again, err := New(Options{Identity: testID, Dir: dir, TimeScale: 0.001,
		Sleep: func(_ time.Time, stop <-chan struct{}) bool { <-stop; return false }})
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
	if got := snapshotJSON(t, &again.st); got != mem {
		t.Fatalf("a restarted sandbox differs:\nbefore: %s\nafter:  %s", mem, got)
	}
	if !strings.Contains(mem, `"state":"REFUND"`) || !strings.Contains(mem, `"k":"grants"`) || !strings.Contains(mem, `"k":"stable"`) {
		t.Fatalf("the workout did not reach every kind of state: %s", mem)
	}
}

// TestCompactionKeepsTheState: with a small threshold the journal is
// rewritten as a snapshot while changes go on; it stays small, and what it
// replays is the state.
func TestCompactionKeepsTheState(t *testing.T) {
	dir := t.TempDir()
	sb := newTestSandbox(t, dir, 20)
	h := newTestServer(t, sb)
	for range 3 {
		h.workout()
	}
	for i := range 100 { // grants: many changes to a few things
		h.post("/sandbox/subscribe/grants", fmt.Sprintf(`{"code": "c%d", "template_id": "T"}`, i%3), 200)
	}
	deadline := time.Now().Add(10 * time.Second)
	for sb.j.records() > 150 && time.Now().Before(deadline) { // the compactor runs in the background
		time.Sleep(5 * time.Millisecond)
	}
	sb.Close()
	mem := snapshotJSON(t, &sb.st)
	b, _ := os.ReadFile(filepath.Join(dir, JournalFile))
	if n := bytes.Count(b, []byte("\n")); n > 150 {
		t.Fatalf("the journal holds %d records after compaction", n)
	}
	again := newTestSandbox(t, dir, 20)
	again.Close()
	if got := snapshotJSON(t, &again.st); got != mem {
		t.Fatalf("after compaction the state differs:\nbefore: %s\nafter:  %s", mem, got)
	}
}

// TestOldStateFileIsImported: a state.json of the sandbox before the journal
// is read once into the journal and set aside.
func TestOldStateFileIsImported(t *testing.T) {
	dir := t.TempDir()
	old := `{"transactions": {"W1OLD000001": {"appid": "wx1", "out_trade_no": "W1OLD000001", "total": 100,
		"state": "SUCCESS", "transaction_id": "4200OLD", "prepay_id": "wxOLD"}},
		"prepays": {"wxOLD": "W1OLD000001"}, "refunds": {}, "deliveries": []}`
	if err := os.WriteFile(filepath.Join(dir, legacyStateFile), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	sb := newTestSandbox(t, dir, 0)
	if state, id, ok := sb.Transaction("W1OLD000001"); !ok || state != StateSuccess || id != "4200OLD" {
		t.Fatalf("imported transaction: %s %s %v", state, id, ok)
	}
	sb.Close()
	if _, err := os.Stat(filepath.Join(dir, legacyStateFile)); err == nil {
		t.Fatal("state.json is still there: it would be imported again")
	}
	again := newTestSandbox(t, dir, 0)
	defer again.Close()
	if state, _, ok := again.Transaction("W1OLD000001"); !ok || state != StateSuccess {
		t.Fatal("the imported transaction did not survive a restart")
	}
}

func snapshotJSON(t *testing.T, st *state) string {
	t.Helper()
	var b strings.Builder
	for _, r := range st.snapshot() {
		b.Write(r)
		b.WriteByte('\n')
	}
	return b.String()
}
