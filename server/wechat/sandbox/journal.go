package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// journal is the sandbox's durable memory: an append-only file of records,
// one JSON line each. A change is appended (in memory) while the sandbox
// holds its lock, so the file's order is the order changes were made in;
// commit then writes and fsyncs everything appended so far before the answer
// that reveals a change leaves. Concurrent commits share one write and one
// fsync (group commit): whoever finds no flush running writes what all of
// them appended, the others wait for it.
//
// When the file has grown well past the state it describes, rewrite
// replaces it by a snapshot of the state (one record per live thing),
// written aside, fsynced and renamed over the journal, so a crash leaves
// either the old journal or the new one, whole.
type journal struct {
	path string
	lock *os.File // held (flock) while open: one process per journal

	mu       sync.Mutex
	cond     *sync.Cond
	f        *os.File
	size     int64  // bytes of the file known written
	lines    int    // records in the file
	pending  []byte // records appended, not yet written
	count    int    // records in pending
	appended uint64 // sequence number of the last record appended
	durable  uint64 // every record up to this one is written and synced
	flushing bool   // a commit is writing pending
	closed   bool
}

// errJournalClosed is the answer to commits after close.
var errJournalClosed = errors.New("sandbox: journal closed")

// openJournal opens (creating) the journal at path, takes its lock, and
// calls replay with every complete record in order. A torn tail (the last
// records cut off or garbled by a crash while they were written, so never
// acknowledged) is cut off the file; a bad record followed by good ones is
// corruption and an error, never silently skipped.
func openJournal(path string, replay func(line []byte) error) (*journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("the sandbox state %s is in use by another process (run one `wemart sandbox` and point every server at it with WEMART_SANDBOX_URL): %w", path, err)
	}
	j := &journal{path: path, lock: lock}
	j.cond = sync.NewCond(&j.mu)
	if err := j.load(replay); err != nil {
		lock.Close()
		return nil, err
	}
	return j, nil
}

func (j *journal) load(replay func(line []byte) error) error {
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(j.path)
	if err != nil {
		f.Close()
		return err
	}
	good, lines, err := replayLines(b, replay)
	if err != nil {
		f.Close()
		return fmt.Errorf("sandbox journal %s: %w", j.path, err)
	}
	if good < int64(len(b)) { // a torn tail: never acknowledged, so never answered
		if err := f.Truncate(good); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	j.f, j.size, j.lines = f, good, lines
	return nil
}

// replayLines feeds every newline-terminated record of b to replay and
// returns the length of the good prefix. Records after the last newline,
// and a run of unreadable records reaching the end, are a torn tail.
func replayLines(b []byte, replay func(line []byte) error) (good int64, lines int, err error) {
	var off int64
	badAt := int64(-1) // start of a run of unreadable records
	var badErr error
	for {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			break // an unterminated tail
		}
		line := b[off : off+int64(i)]
		if rerr := replay(line); rerr != nil {
			if badAt < 0 {
				badAt, badErr = off, rerr
			}
		} else if badAt >= 0 {
			return 0, 0, fmt.Errorf("record at byte %d is unreadable (%v) but records follow it: the file is corrupt", badAt, badErr)
		} else {
			lines++
		}
		off += int64(i) + 1
	}
	if badAt >= 0 {
		return badAt, lines, nil
	}
	return off, lines, nil
}

// add appends a record (without its newline) and returns its sequence
// number. The caller holds the sandbox's lock, which orders records as the
// changes they describe.
func (j *journal) add(rec []byte) uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.pending = append(append(j.pending, rec...), '\n')
	j.count++
	j.appended++
	return j.appended
}

// commitAll makes every record appended so far durable.
func (j *journal) commitAll() error {
	j.mu.Lock()
	seq := j.appended
	j.mu.Unlock()
	return j.commit(seq)
}

// commit returns once record seq and all before it are written and synced.
func (j *journal) commit(seq uint64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.durable < seq {
		if j.closed {
			return errJournalClosed
		}
		if j.flushing {
			j.cond.Wait()
			continue
		}
		buf, n, upTo := j.pending, j.count, j.appended
		j.pending, j.count, j.flushing = nil, 0, true
		j.mu.Unlock()
		_, err := j.f.WriteAt(buf, j.size)
		if err == nil {
			err = j.f.Sync()
		}
		j.mu.Lock()
		j.flushing = false
		j.cond.Broadcast()
		if err != nil {
			// Keep the records (in order, before newer ones) for the next
			// commit, and cut whatever part of them reached the file.
			j.pending, j.count = append(buf, j.pending...), n+j.count
			_ = j.f.Truncate(j.size)
			return fmt.Errorf("sandbox journal %s: %w", j.path, err)
		}
		j.size += int64(len(buf))
		j.lines += n
		j.durable = upTo
	}
	return nil
}

// records is how many records the file holds (what compaction looks at).
func (j *journal) records() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.lines + j.count
}

// rewrite replaces the journal by recs, a snapshot of the whole state. The
// caller holds the sandbox's lock, so nothing is appended meanwhile; what
// was appended and not yet written is part of the snapshot.
func (j *journal) rewrite(recs [][]byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.flushing {
		j.cond.Wait()
	}
	if j.closed {
		return errJournalClosed
	}
	var buf bytes.Buffer
	for _, r := range recs {
		buf.Write(r)
		buf.WriteByte('\n')
	}
	tmp := j.path + ".compact"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err = f.Write(buf.Bytes()); err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = os.Rename(tmp, j.path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(j.path))
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("sandbox journal %s: compacting: %w", j.path, err)
	}
	j.f.Close()
	j.f, j.size, j.lines = f, int64(buf.Len()), len(recs)
	j.pending, j.count, j.durable = nil, 0, j.appended
	j.cond.Broadcast()
	return nil
}

// close writes what is pending and closes the file and its lock.
func (j *journal) close() error {
	err := j.commitAll()
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.flushing {
		j.cond.Wait()
	}
	if j.closed {
		return nil
	}
	j.closed = true
	j.cond.Broadcast()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.lock.Close()
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
