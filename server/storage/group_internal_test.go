package storage

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// groupDB is a serialTx on a fresh SQLite file with a table t (n INTEGER),
// and a pool that reads it.
func groupDB(t *testing.T) (*serialTx, *stdsql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "group.db")
	open := func(conns int) *stdsql.DB {
		db, err := stdsql.Open("sqlite", SQLiteDSN(path))
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(conns)
		return db
	}
	writer, reads := open(1), open(4)
	if _, err := reads.Exec("CREATE TABLE t (n INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	s := newSerialTx(entsql.OpenDB(dialect.SQLite, reads), writer)
	t.Cleanup(func() { s.Close() })
	return s, reads
}

// rowsOf lists t's rows as a reader outside any transaction sees them.
func rowsOf(t *testing.T, reads *stdsql.DB) map[int]bool {
	t.Helper()
	got := map[int]bool{}
	rows, err := reads.Query("SELECT n FROM t")
	if err != nil {
		t.Error(err)
		return got
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Error(err)
		}
		got[n] = true
	}
	return got
}

// insert runs INSERT INTO t in tx.
func insert(ctx context.Context, tx dialect.Tx, n int) error {
	_, err := tx.(*member).ExecContext(ctx, "INSERT INTO t (n) VALUES (?)", n)
	return err
}

// TestGroupCommit: transactions that queue while one runs share its
// commit; each commits or rolls back on its own (a rollback, or a
// constraint failure, undoes only its own writes); none returns from
// Commit before a reader outside sees its rows; and writes outside
// transactions join the group.
func TestGroupCommit(t *testing.T) {
	s, reads := groupDB(t)
	ctx := context.Background()
	const n = 60
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%10 == 9 { // a write outside a transaction
				_, errs[i] = s.ExecContext(ctx, "INSERT INTO t (n) VALUES (?)", i)
			} else {
				errs[i] = s.inTx(ctx, func(m *member) error {
					if err := insert(ctx, m, i); err != nil {
						return err
					}
					time.Sleep(time.Millisecond) // long enough for others to queue
					switch i % 10 {
					case 3: // rolled back
						return errors.New("changed my mind")
					case 5: // a constraint failure, then rolled back
						return insert(ctx, m, i)
					}
					return nil
				})
			}
			if errs[i] == nil && !rowsOf(t, reads)[i] {
				t.Errorf("transaction %d returned before its row was committed", i)
			}
		}()
	}
	wg.Wait()
	got := rowsOf(t, reads)
	for i := range n {
		undone := i%10 == 3 || i%10 == 5
		if (errs[i] != nil) != undone || got[i] == undone {
			t.Errorf("transaction %d: error %v, row committed %v", i, errs[i], got[i])
		}
	}
	if c := s.commits.Load(); c >= n {
		t.Errorf("%d transactions at once made %d commits: none shared one", n, c)
	}
	t.Logf("%d transactions, %d commits", n, s.commits.Load())
}

// TestGroupFailsTogether: when a transaction leaves its group unable to
// commit, every transaction of the group that ended in a commit fails
// with it, none of their rows is written, and the next transaction
// starts a group of its own.
func TestGroupFailsTogether(t *testing.T) {
	s, reads := groupDB(t)
	ctx := context.Background()
	first, err := s.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback() // after a failure (ErrTxDone after Commit)
	if err := insert(ctx, first, 1); err != nil {
		t.Fatal(err)
	}
	second := make(chan dialect.Tx)
	go func() {
		tx, err := s.Tx(ctx)
		if err != nil {
			t.Error(err)
		}
		second <- tx
	}()
	for s.waiting.Load() == 0 { // the second queues for the slot
		time.Sleep(time.Millisecond)
	}
	committed := make(chan error)
	go func() { committed <- first.Commit() }() // hands the group on
	tx := <-second
	if err := insert(ctx, tx, 2); err != nil {
		t.Fatal(err)
	}
	// The group's transaction ends under it.
	if _, err := tx.(*member).ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err == nil {
		t.Error("the transaction that ended its group committed")
	}
	if err := <-committed; err == nil {
		t.Error("a transaction of a group that could not commit was told it committed")
	}
	if got := rowsOf(t, reads); len(got) != 0 {
		t.Errorf("rows of a failed group were written: %v", got)
	}
	if err := s.inTx(ctx, func(m *member) error { return insert(ctx, m, 3) }); err != nil || !rowsOf(t, reads)[3] {
		t.Fatalf("the next transaction: %v", err)
	}
}

// TestGroupStatementsOutliveTheirContext: a transaction's statements run
// even when its caller's context has ended (SQLite would interrupt one by
// rolling back the whole group).
func TestGroupStatementsOutliveTheirContext(t *testing.T) {
	s, reads := groupDB(t)
	tx, err := s.Tx(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() // after a failure (ErrTxDone after Commit)
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if err := insert(gone, tx, 7); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil || !rowsOf(t, reads)[7] {
		t.Fatalf("commit: %v; rows %v", err, rowsOf(t, reads))
	}
}

// queue starts a transaction in another goroutine, once s has queued
// waiters before it, and hands it over.
func queue(t *testing.T, s *serialTx, before int32) chan dialect.Tx {
	t.Helper()
	ch := make(chan dialect.Tx, 1)
	go func() {
		tx, err := s.Tx(context.Background())
		if err != nil {
			t.Error(err)
		}
		ch <- tx
	}()
	for s.waiting.Load() <= before {
		time.Sleep(time.Millisecond)
	}
	return ch
}

// TestGroupAgeCap: a group that began maxGroupAge ago takes no more
// transactions: the ones in it commit without waiting for the next,
// however long that runs.
func TestGroupAgeCap(t *testing.T) {
	s, reads := groupDB(t)
	ctx := context.Background()
	a, err := s.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Rollback()
	if err := insert(ctx, a, 1); err != nil {
		t.Fatal(err)
	}
	bq := queue(t, s, 0)
	cq := queue(t, s, 1)
	aDone := make(chan error, 1)
	go func() { aDone <- a.Commit() }() // writers wait: the group stays open
	b := <-bq
	time.Sleep(2 * maxGroupAge)
	if err := insert(ctx, b, 2); err != nil {
		t.Fatal(err)
	}
	bDone := make(chan error, 1)
	go func() { bDone <- b.Commit() }() // the group is old: it commits now
	c := <-cq
	defer c.Rollback()
	for _, done := range []chan error{aDone, bDone} {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a transaction of an old group waited for the next one to end")
		}
	}
	if got := rowsOf(t, reads); !got[1] || !got[2] {
		t.Fatalf("rows %v, want 1 and 2 committed", got)
	}
	if err := insert(ctx, c, 3); err != nil {
		t.Fatal(err)
	}
	if err := c.Commit(); err != nil || !rowsOf(t, reads)[3] {
		t.Fatalf("the next group: %v", err)
	}
}

// TestGroupFailsAtOnce: a statement failing in a way after which SQLite
// may roll the transaction back (here a full database) fails the group at
// once: the transaction's later statements do not run (outside any
// transaction, they would commit on their own), and the transactions
// that ended in the group fail with it.
func TestGroupFailsAtOnce(t *testing.T) {
	s, reads := groupDB(t)
	ctx := context.Background()
	a, err := s.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Rollback()
	if err := insert(ctx, a, 1); err != nil {
		t.Fatal(err)
	}
	bq := queue(t, s, 0)
	aDone := make(chan error, 1)
	go func() { aDone <- a.Commit() }()
	b := <-bq
	defer b.Rollback()
	m := b.(*member)
	var pages int
	if err := m.g.tx.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := m.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		t.Fatal(err)
	}
	_, err = m.ExecContext(ctx, "WITH RECURSIVE c(x) AS (SELECT 100 UNION ALL SELECT x+1 FROM c WHERE x < 100000) INSERT INTO t (n) SELECT x FROM c")
	if !rolledBack(err) {
		t.Fatalf("filling the database: %v, want SQLITE_FULL", err)
	}
	if err := insert(ctx, b, 2); err == nil {
		t.Error("a statement ran after its transaction's group failed")
	}
	if err := b.Commit(); err == nil {
		t.Error("the transaction that failed its group committed")
	}
	if err := <-aDone; err == nil {
		t.Error("a transaction of the failed group was told it committed")
	}
	if got := rowsOf(t, reads); len(got) != 0 {
		t.Errorf("rows of a failed group were written: %v", got)
	}
	if err := s.inTx(ctx, func(m *member) error {
		if _, err := m.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
			return err
		}
		return insert(ctx, m, 3)
	}); err != nil || !rowsOf(t, reads)[3] {
		t.Fatalf("the next transaction: %v", err)
	}
}
