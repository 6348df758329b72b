package stores

import (
	"context"
	"sync"
	"time"

	"wemart/ent"
	"wemart/ent/store"
	"wemart/ent/storedeliverycell"
	"wemart/schema/types"
	"wemart/server/geo"
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
	Zone  map[int64]struct{}
	cells geo.Cells
}

// OpenAt reports whether the store is open (not closed by staff, within
// its hours) at t.
func (e *Entry) OpenAt(t time.Time) bool { return e.Open && OpenAt(e.Hours, e.Location, t) }

// Index keeps every live store in memory, keyed by its H3 cells, so the
// nearby search never waits on the database. It stays exact across processes:
// every store change bumps the shared "stores" counter in its transaction and
// stamps the rows with the new value, and every use of the index first reads
// the counter (one primary-key lookup) and reloads exactly the rows newer
// than what it holds.
type Index struct {
	client *ent.Client

	syncMu  sync.Mutex // one reload at a time
	mu      sync.RWMutex
	version int64
	loaded  bool
	stores  map[int]*Entry
	byCell  map[int]map[int64][]*Entry // resolution → cell → stores
}

// NewIndex returns an empty index over client's stores; it loads on first use.
func NewIndex(client *ent.Client) *Index {
	return &Index{client: client, stores: map[int]*Entry{}, byCell: map[int]map[int64][]*Entry{5: {}, 7: {}, 8: {}}}
}

// Sync brings the index up to date with the database.
func (ix *Index) Sync(ctx context.Context) error {
	v, err := currentVersion(ctx, ix.client)
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
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		loc = shanghai
	}
	if s.DeliveryZone != nil && zone == nil {
		zone = map[int64]struct{}{} // a zone with no cells delivers nowhere
	}
	return &Entry{
		ID: s.ID, Point: geo.Point{Lat: s.Lat, Lng: s.Lng}, Name: s.Name, Address: s.Address, City: s.City,
		Phone: s.Phone, Open: s.Status == store.StatusOpen, Pickup: s.Pickup, Delivery: s.Delivery,
		RadiusM: s.DeliveryRadiusM, FeeFen: s.DeliveryFeeFen, MinFen: s.DeliveryMinFen,
		Hours: s.OpeningHours, Location: loc, Zone: zone,
		cells: geo.Cells{R5: s.H3R5, R7: s.H3R7, R8: s.H3R8},
	}
}

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func (ix *Index) cellsOf(e *Entry) map[int]int64 {
	return map[int]int64{5: e.cells.R5, 7: e.cells.R7, 8: e.cells.R8}
}

func (ix *Index) add(e *Entry) {
	ix.stores[e.ID] = e
	for res, c := range ix.cellsOf(e) {
		ix.byCell[res][c] = append(ix.byCell[res][c], e)
	}
}

func (ix *Index) remove(id int) {
	e, ok := ix.stores[id]
	if !ok {
		return
	}
	delete(ix.stores, id)
	for res, c := range ix.cellsOf(e) {
		list := ix.byCell[res][c]
		for i, x := range list {
			if x.ID == id {
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
func (ix *Index) Get(ctx context.Context, id int) (*Entry, error) {
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
		for _, e := range m[c] {
			yield(geo.Place[*Entry]{ID: e.ID, Point: e.Point, Value: e})
		}
	}
}

// lockedSource adapts the index to geo.Source while a read lock is held.
type lockedSource struct{ ix *Index }

func (s lockedSource) Places(_ context.Context, res int, cells []int64, yield func(geo.Place[*Entry])) error {
	s.ix.places(res, cells, yield)
	return nil
}

// Nearest runs a nearest-stores search over the index, after syncing it.
func (ix *Index) Nearest(ctx context.Context, q geo.Query[*Entry]) ([]geo.Hit[*Entry], error) {
	if err := ix.Sync(ctx); err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return geo.Nearest[*Entry](ctx, lockedSource{ix}, q)
}
