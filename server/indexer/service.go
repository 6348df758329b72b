package indexer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"wemart/ent"
	"wemart/ent/counter"
	"wemart/ent/searchoutbox"
	"wemart/search"
	"wemart/search/analysis"
	"wemart/server/errs"
	"wemart/server/storage"
	"wemart/server/synonyms"
)

// Names in the shared tables.
const (
	leaseName     = "search-indexer"
	generationKey = "search_generation" // counters: the generation searches use
	buildKey      = "search_build"      // counters: the last generation a rebuild started
	formatKey     = "search_format"     // counters: the search.Format of the published generation
	upgradeKey    = "search_upgrade"    // counters: when a process took the rebuild for a new search.Format on (unix seconds)
)

// Tunables.
const (
	leaseTTL      = 30 * time.Second
	pollEvery     = 300 * time.Millisecond
	batchSize     = 2000
	keepOutboxFor = time.Hour
	// upgradeClaim is how long a process's claim to rebuild an older index
	// holds before another process may take the rebuild over.
	upgradeClaim = 30 * time.Minute
	// retryOpenEvery paces attempts to reach a search backend that was down.
	retryOpenEvery = 2 * time.Second
)

// Service answers catalogue searches from the current index generation and,
// in the background, applies the search outbox to it: in id order, in
// batches, by the one process holding the indexer lease at a time (so an
// older state can never overwrite a newer one).
type Service struct {
	client *ent.Client
	db     *storage.DB
	engine search.Engine
	log    *slog.Logger
	holder string

	mu  sync.RWMutex
	gen int64
	idx search.Index

	// synMu keeps one hand on the synonyms at a time; synIdx is the index
	// last given the synonym groups, as they were at counter value synAt.
	synMu  sync.Mutex
	synIdx search.Index
	synAt  int64

	stop chan struct{}
	done chan struct{}
	// upgrading counts background rebuilds (upgrade), which Close stops
	// (cancelUpgrade) and waits for.
	upgrading     sync.WaitGroup
	cancelUpgrade context.CancelFunc
}

// New returns the Service; Start opens the index and starts the background work.
func New(db *storage.DB, engine search.Engine, log *slog.Logger) *Service {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &Service{client: db.Client, db: db, engine: engine, log: log,
		holder: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))}
}

// Start opens the current generation, building the first one if there is
// none yet (or if an embedded index went missing), drains what the outbox
// holds, and keeps draining until Close. A search backend that cannot be
// reached is not fatal: the shop serves everything but search (which
// answers unavailable) and the index is opened as soon as it answers.
func (s *Service) Start(ctx context.Context) (err error) {
	defer errs.Op(&err, "indexer.Start")
	// The dictionaries every search and document needs, now rather than
	// at the first search (a third of a second).
	if err := analysis.Load(); err != nil {
		return err
	}
	if err := s.ensureOpen(ctx); err != nil {
		if !errors.Is(err, search.ErrUnavailable) {
			return err
		}
		s.log.Error("search backend unavailable; search answers 503 until it is back", "engine", s.engine.Name(), "error", err)
	} else if _, err := s.Drain(ctx); err != nil {
		s.log.Warn("draining the search outbox at start-up", "error", err)
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.loop()
	return nil
}

// ensureOpen opens the current generation if none is open, building the
// first generation if the database has none.
func (s *Service) ensureOpen(ctx context.Context) error {
	if s.current() != nil {
		return nil
	}
	gen, err := counterValue(ctx, s.client, generationKey)
	if err != nil {
		return err
	}
	if gen == 0 {
		s.log.Info("no search index yet: building it from the database")
		gen, err = Reindex(ctx, s.db, s.engine, s.log, nil)
		if errors.Is(err, errRace) {
			// Another process of the fleet, starting at the same time,
			// published a generation first: use that one (open builds it
			// here if this process's index does not have it).
			gen, err = counterValue(ctx, s.client, generationKey)
		}
		if err != nil {
			return fmt.Errorf("build the search index: %w", err)
		}
	}
	if err := s.open(ctx, gen); err != nil {
		return err
	}
	return s.upgrade(ctx)
}

// upgrade rebuilds the index in the background when the published
// generation was built by an older search.Format (a new wemart reads text
// differently or indexes more): searches go on from the old generation and
// switch when the new one is published. One process of a fleet takes the
// rebuild on, by a compare-and-set on the upgrade counter, which holds when
// the claim was taken: a claim older than upgradeClaim (its process died
// on the way) is taken over at the next start.
func (s *Service) upgrade(ctx context.Context) error {
	format, err := counterValue(ctx, s.client, formatKey)
	if err != nil || format >= search.Format {
		return err
	}
	if err := s.client.Counter.Create().SetID(upgradeKey).SetValue(0).OnConflictColumns(counter.FieldID).
		Ignore().Exec(ctx); err != nil {
		return err
	}
	now := time.Now().Unix()
	n, err := s.client.Counter.Update().Where(counter.ID(upgradeKey), counter.ValueLT(now-int64(upgradeClaim/time.Second))).
		SetValue(now).Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		s.log.Warn("search index built by an older wemart: another process is rebuilding it (searches use the old one meanwhile)",
			"format", format, "now", search.Format)
		return nil
	}
	s.log.Warn("search index built by an older wemart: rebuilding it in the background (searches use the old one meanwhile)",
		"format", format, "now", search.Format)
	uctx, cancel := context.WithCancel(context.Background())
	s.cancelUpgrade = cancel
	s.upgrading.Add(1)
	go func() {
		defer s.upgrading.Done()
		gen, err := Reindex(uctx, s.db, s.engine, s.log, nil)
		if err != nil {
			// Give the rebuild back, so that the next start tries again.
			_ = s.client.Counter.Update().Where(counter.ID(upgradeKey), counter.Value(now)).
				SetValue(0).Exec(context.Background())
			s.log.Error("search index upgrade stopped; the next start tries again (or run `wemart reindex`)", "error", err)
			return
		}
		s.log.Info("search index upgraded", "generation", gen, "format", search.Format)
	}()
	return nil
}

// open switches searches to generation gen. A generation that turns out to
// be empty-new (an embedded index whose files are gone) is rebuilt in place.
func (s *Service) open(ctx context.Context, gen int64) error {
	idx, created, err := s.engine.Open(ctx, gen)
	if err != nil {
		return err
	}
	if created {
		s.log.Warn("search index generation missing here: rebuilding it", "generation", gen)
		if err := fill(ctx, s.client, idx, nil); err != nil {
			idx.Close()
			return err
		}
	}
	// The new generation gets the synonyms before searches switch to it;
	// the old one is closed before anyone may give it synonyms again.
	s.synMu.Lock()
	defer s.synMu.Unlock()
	if err := s.giveSynonyms(ctx, idx); err != nil {
		s.log.Warn("search synonyms not set; trying again in a moment", "generation", gen, "error", err)
	}
	// Searches hold the read lock while they run (see using): once the
	// lock is ours nobody is searching the old generation, and nobody will.
	s.mu.Lock()
	old := s.idx
	s.idx, s.gen = idx, gen
	s.mu.Unlock()
	if old != nil {
		old.Close()
	}
	s.log.Info("search index open", "engine", s.engine.Name(), "generation", gen)
	return nil
}

func (s *Service) loop() {
	defer close(s.done)
	var lastTry time.Time
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if s.current() == nil {
			if time.Since(lastTry) >= retryOpenEvery {
				lastTry = time.Now()
				if err := s.ensureOpen(ctx); err != nil {
					s.log.Warn("search backend still unavailable", "error", err)
				} else {
					s.log.Info("search backend available again")
				}
			}
		} else {
			if err := s.follow(ctx); err != nil {
				s.log.Warn("following the search generation", "error", err)
			}
			if err := s.followSynonyms(ctx); err != nil {
				s.log.Warn("search synonyms not set; trying again in a moment", "error", err)
			}
			if _, err := s.Drain(ctx); err != nil {
				s.log.Warn("applying the search outbox", "error", err)
			}
		}
		cancel()
	}
}

// follow switches to a new generation a rebuild published.
func (s *Service) follow(ctx context.Context) error {
	gen, err := counterValue(ctx, s.client, generationKey)
	if err != nil {
		return err
	}
	s.mu.RLock()
	current := s.gen
	s.mu.RUnlock()
	if gen == current || gen == 0 {
		return nil
	}
	return s.open(ctx, gen)
}

// followSynonyms gives the open generation the synonym groups staff manage
// when they changed since it was last given them (the search_synonyms
// counter moved). Every process does it, every poll: the embedded index
// keeps synonyms in memory, and Meilisearch's settings update is
// idempotent. A failure is tried again on the next poll.
func (s *Service) followSynonyms(ctx context.Context) error {
	s.synMu.Lock()
	defer s.synMu.Unlock()
	return s.giveSynonyms(ctx, s.current())
}

// giveSynonyms gives idx the synonym groups unless it has them already, as
// of the search_synonyms counter's current value. The caller holds synMu.
func (s *Service) giveSynonyms(ctx context.Context, idx search.Index) error {
	if idx == nil {
		return nil
	}
	at, err := counterValue(ctx, s.client, synonyms.CounterKey)
	if err != nil || (idx == s.synIdx && at == s.synAt) {
		return err
	}
	// The counter was read before the groups: a change committed in
	// between is given again on the next tick, never missed.
	if err := setSynonyms(ctx, s.client, idx); err != nil {
		return err
	}
	s.synIdx, s.synAt = idx, at
	return nil
}

// setSynonyms gives idx the synonym groups as the database has them now.
func setSynonyms(ctx context.Context, client *ent.Client, idx search.Index) error {
	groups, err := synonyms.Groups(ctx, client)
	if err != nil {
		return err
	}
	if err := idx.SetSynonyms(ctx, groups); err != nil {
		return fmt.Errorf("set search synonyms: %w", err)
	}
	return nil
}

// Drain applies the outbox to the current generation, if there is anything
// to apply and this process gets the indexer lease, and returns how many rows
// it applied. The lease is given back when the outbox is empty, so a rebuild
// (or another process) can take it between passes.
func (s *Service) Drain(ctx context.Context) (_ int, err error) {
	defer errs.Op(&err, "indexer.Drain")
	pending, err := s.client.SearchOutbox.Query().Where(searchoutbox.ProcessedAtIsNil()).Exist(ctx)
	if err != nil || !pending {
		return 0, err
	}
	ok, err := takeLease(ctx, s.client, leaseName, s.holder, leaseTTL)
	if err != nil || !ok {
		return 0, err
	}
	defer releaseLease(context.WithoutCancel(ctx), s.client, leaseName, s.holder)
	// Under the lease the generation cannot change (rebuilds switch holding it).
	if err := s.follow(ctx); err != nil {
		return 0, err
	}
	s.mu.RLock()
	idx := s.idx
	s.mu.RUnlock()
	applied := 0
	for {
		rows, err := s.client.SearchOutbox.Query().Where(searchoutbox.ProcessedAtIsNil()).
			Order(ent.Asc(searchoutbox.FieldID)).Limit(batchSize).All(ctx)
		if err != nil || len(rows) == 0 {
			return applied, err
		}
		ids := make([]int, 0, len(rows))
		rowIDs := make([]int, len(rows))
		for i, r := range rows {
			ids = append(ids, r.ProductID)
			rowIDs[i] = r.ID
		}
		if err := apply(ctx, s.client, idx, ids); err != nil {
			return applied, err
		}
		if err := s.client.SearchOutbox.Update().Where(searchoutbox.IDIn(rowIDs...)).
			SetProcessedAt(time.Now().UTC()).Exec(ctx); err != nil {
			return applied, err
		}
		applied += len(rows)
		if _, err := s.client.SearchOutbox.Delete().
			Where(searchoutbox.ProcessedAtLT(time.Now().UTC().Add(-keepOutboxFor))).Exec(ctx); err != nil {
			return applied, err
		}
		if _, err := takeLease(ctx, s.client, leaseName, s.holder, leaseTTL); err != nil {
			return applied, err
		}
	}
}

// apply re-derives the documents of products ids and writes them.
func apply(ctx context.Context, client *ent.Client, idx search.Index, ids []int) error {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	docs, gone, err := documents(ctx, client, ids)
	if err != nil {
		return err
	}
	if len(docs) > 0 {
		if err := idx.Upsert(ctx, docs); err != nil {
			return err
		}
	}
	if len(gone) > 0 {
		return idx.Delete(ctx, gone)
	}
	return nil
}

// Close stops the background work, gives up the lease and closes the index.
func (s *Service) Close() {
	if s.stop != nil {
		close(s.stop)
		<-s.done
		s.stop = nil
	}
	if s.cancelUpgrade != nil { // set by the loop or Start, both done now
		s.cancelUpgrade()
	}
	s.upgrading.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = releaseLease(ctx, s.client, leaseName, s.holder)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idx != nil {
		s.idx.Close()
		s.idx = nil
	}
}

func counterValue(ctx context.Context, client *ent.Client, name string) (int64, error) {
	c, err := client.Counter.Query().Where(counter.ID(name)).Only(ctx)
	if ent.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return c.Value, nil
}

var errRace = errors.New("another rebuild published a generation first")
