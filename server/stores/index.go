package stores

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/uber/h3-go/v4"

	"wemart/ent"
	"wemart/ent/store"
	"wemart/ent/storedeliverycell"
	"wemart/schema/types"
	"wemart/server/errs"
	"wemart/server/geo"
	"wemart/server/storage"
)

// Entry is what the index knows of a store: enough to find it, filter it and
// show it in a list without touching the database.
type Entry struct {
	ID       int
	Point    geo.Point
	Name     string
	Address  string
	City     string
	Phone    string
	Open     bool // status "open" (not closed by staff)
	Pickup   bool
	Delivery bool
	RadiusM  int
	FeeFen   int64
	MinFen   int64
	Hours    []types.OpeningPeriod
	Location *time.Location
	// Zone is the store's drawn delivery zone as H3 cells at ZoneResolution
	// (nil: the radius applies).
	Zone    map[int64]struct{}
	cells   map[int]int64 // resolution → the store's H3 cell, for indexLevels
	periods []period      // Hours, parsed once
}

// OpenAt reports whether the store is open (not closed by staff, within
// its hours) at t.
func (e *Entry) OpenAt(t time.Time) bool { return e.Open && openAt(e.periods, e.Location, t) }

// Index keeps every live store in memory, keyed by its H3 cells, so the
// nearby search never waits on the database. It stays exact across processes:
// every store change bumps the shared "stores" counter in its transaction and
// stamps the rows with the new value, and every use of the index first reads
// the counter (one primary-key lookup) and reloads exactly the rows newer
// than what it holds.
type Index struct {
	client  *ent.Client
	counter *sql.Stmt // SELECT value FROM counters WHERE id = 'stores', prepared once

	syncMu  sync.Mutex // one reload at a time
	mu      sync.RWMutex
	version int64
	loaded  bool
	stores  map[int]*Entry
	byCell  map[int]map[int64][]slot // resolution → cell → stores
}

// slot is a store in a cell's list: its id and point kept inline, so a
// search reads them without following a pointer per store.
type slot struct {
	id    int
	point geo.Point
	entry *Entry
}

// NewIndex returns an empty index over db's stores; it loads on first use.
func NewIndex(db *storage.DB) (_ *Index, err error) {
	defer errs.Op(&err, "stores.NewIndex")
	q := "SELECT value FROM counters WHERE id = ?"
	if db.Dialect == dialect.Postgres {
		q = "SELECT value FROM counters WHERE id = $1"
	}
	stmt, err := db.SQL.Prepare(q)
	if err != nil {
		return nil, fmt.Errorf("prepare the stores counter query: %w", err)
	}
	return &Index{client: db.Client, counter: stmt, stores: map[int]*Entry{},
		byCell: map[int]map[int64][]slot{5: {}, 7: {}, 9: {}}}, nil
}

// dbVersion reads the stores counter (0 before any store change). It runs on
// every search, so it is a prepared statement, not an ent query.
func (ix *Index) dbVersion(ctx context.Context) (int64, error) {
	var v int64
	err := ix.counter.QueryRowContext(ctx, counterName).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// Sync brings the index up to date with the database.
func (ix *Index) Sync(ctx context.Context) (err error) {
	defer errs.Op(&err, "stores.Index.Sync")
	v, err := ix.dbVersion(ctx)
	if err != nil {
		return err
	}
	ix.mu.RLock()
	current := ix.loaded && v == ix.version
	ix.mu.RUnlock()
	if current {
		return nil
	}
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	ix.mu.RLock()
	from, loaded := ix.version, ix.loaded
	ix.mu.RUnlock()
	if loaded && from >= v {
		return nil // another caller caught up meanwhile
	}
	q := ix.client.Store.Query()
	if loaded {
		q.Where(store.VersionGT(from))
	} else {
		q.Where(store.DeletedAtIsNil())
	}
	rows, err := q.All(ctx)
	if err != nil {
		return err
	}
	zones, err := ix.zones(ctx, rows)
	if err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, r := range rows {
		ix.remove(r.ID)
		if r.DeletedAt == nil {
			ix.add(entryOf(r, zones[r.ID]))
		}
	}
	ix.version, ix.loaded = max(v, ix.version), true
	return nil
}

// zones loads the delivery-zone cells of the stores among rows that have a zone.
func (ix *Index) zones(ctx context.Context, rows []*ent.Store) (map[int]map[int64]struct{}, error) {
	var ids []int
	for _, r := range rows {
		if r.DeliveryZone != nil && r.DeletedAt == nil {
			ids = append(ids, r.ID)
		}
	}
	out := map[int]map[int64]struct{}{}
	for start := 0; start < len(ids); start += 500 {
		cells, err := ix.client.StoreDeliveryCell.Query().
			Where(storedeliverycell.StoreIDIn(ids[start:min(start+500, len(ids))]...)).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cells {
			if out[c.StoreID] == nil {
				out[c.StoreID] = map[int64]struct{}{}
			}
			out[c.StoreID][c.Cell] = struct{}{}
		}
	}
	return out, nil
}

func entryOf(s *ent.Store, zone map[int64]struct{}) *Entry {
	loc := location(s.Timezone)
	if s.DeliveryZone != nil && zone == nil {
		zone = map[int64]struct{}{} // a zone with no cells delivers nowhere
	}
	return &Entry{
		ID: s.ID, Point: geo.Point{Lat: s.Lat, Lng: s.Lng}, Name: s.Name, Address: s.Address, City: s.City,
		Phone: s.Phone, Open: s.Status == store.StatusOpen, Pickup: s.Pickup, Delivery: s.Delivery,
		RadiusM: s.DeliveryRadiusM, FeeFen: s.DeliveryFeeFen, MinFen: s.DeliveryMinFen,
		Hours: s.OpeningHours, Location: loc, Zone: zone,
		cells: map[int]int64{5: s.H3R5, 7: s.H3R7, 9: r9(s.Lat, s.Lng)}, periods: parseHours(s.OpeningHours),
	}
}

var (
	shanghai, _ = time.LoadLocation("Asia/Shanghai")
	locations   sync.Map // name → *time.Location: LoadLocation parses tzdata every call
)

// location returns the time zone called name (validated when the store was
// saved), Shanghai if it has since become unknown.
func location(name string) *time.Location {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = shanghai
	}
	locations.Store(name, loc)
	return loc
}

// indexLevels are the resolutions the in-memory index searches at. It can
// afford finer cells than the database's columns: r9 (~0.17 km edges) means
// fewer stores measured per query in a dense city.
var indexLevels = []geo.Level{{Res: 9, MaxK: 12}, {Res: 7, MaxK: 12}, {Res: 5, MaxK: math.MaxInt}}

func r9(lat, lng float64) int64 {
	c, _ := h3.LatLngToCell(h3.NewLatLng(lat, lng), 9)
	return int64(c)
}

func (ix *Index) add(e *Entry) {
	ix.stores[e.ID] = e
	for res, c := range e.cells {
		ix.byCell[res][c] = append(ix.byCell[res][c], slot{id: e.ID, point: e.Point, entry: e})
	}
}

func (ix *Index) remove(id int) {
	e, ok := ix.stores[id]
	if !ok {
		return
	}
	delete(ix.stores, id)
	for res, c := range e.cells {
		list := ix.byCell[res][c]
		for i, x := range list {
			if x.id == id {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(ix.byCell[res], c)
		} else {
			ix.byCell[res][c] = list
		}
	}
}

// Get returns the entry of store id, after syncing; nil if it does not exist
// or was deleted.
func (ix *Index) Get(ctx context.Context, id int) (_ *Entry, err error) {
	defer errs.Op(&err, "stores.Index.Get")
	if err := ix.Sync(ctx); err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.stores[id], nil
}

// Len is the number of stores indexed.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.stores)
}

// Places implements geo.Source over the index (the caller holds the read lock).
func (ix *Index) places(res int, cells []int64, yield func(geo.Place[*Entry])) {
	m := ix.byCell[res]
	for _, c := range cells {
		for _, s := range m[c] {
			yield(geo.Place[*Entry]{ID: s.id, Point: s.point, Value: s.entry})
		}
	}
}

// lockedSource adapts the index to geo.Source while a read lock is held.
type lockedSource struct{ ix *Index }

// Levels implements geo.Leveled.
func (lockedSource) Levels() []geo.Level { return indexLevels }

// Places implements geo.Source.
func (s lockedSource) Places(_ context.Context, res int, cells []int64, yield func(geo.Place[*Entry])) error {
	s.ix.places(res, cells, yield)
	return nil
}

// Search runs a nearest-stores search over the index as it is, without
// syncing first (benchmarks use it to time the search alone).
func (ix *Index) Search(ctx context.Context, q geo.Query[*Entry]) (_ []geo.Hit[*Entry], err error) {
	defer errs.Op(&err, "stores.Index.Search")
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return geo.Nearest[*Entry](ctx, lockedSource{ix}, q)
}

// Nearest runs a nearest-stores search over the index, after syncing it.
func (ix *Index) Nearest(ctx context.Context, q geo.Query[*Entry]) (_ []geo.Hit[*Entry], err error) {
	defer errs.Op(&err, "stores.Index.Nearest")
	if err := ix.Sync(ctx); err != nil {
		return nil, err
	}
	return ix.Search(ctx, q)
}
