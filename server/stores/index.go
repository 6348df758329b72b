package stores

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/uber/h3-go/v4"

	"wemart/ent"
	"wemart/ent/store"
	"wemart/schema/types"
	"wemart/server/errs"
	"wemart/server/geo"
	"wemart/server/storage"
)

// Entry is what the index knows of a store: enough to find it, filter it and
// show it in a list without touching the database. Entries are compact (a
// million stores fit in a few hundred MB): stores with the same opening
// hours and time zone share one parsed schedule, and the strings of stores
// loaded together share one allocation. An Entry is never changed once
// indexed (a changed store gets a new one), so it may be read without locks.
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
	// Hours is the store's weekly schedule, shared with every store that has
	// the same one: read it, never modify it.
	Hours []types.OpeningPeriod
	// Location is the store's time zone.
	Location *time.Location
	zone     *zone     // the drawn delivery zone (nil: the radius applies)
	cells    [3]int64  // the store's H3 cells at indexRes
	sched    *schedule // Hours parsed, shared
}

// OpenAt reports whether the store is open (not closed by staff, within
// its hours) at t.
func (e *Entry) OpenAt(t time.Time) bool { return e.Open && openAt(e.sched.periods, e.Location, t) }

// schedule is a weekly schedule in a time zone, parsed once and shared by
// every store that has it.
type schedule struct {
	key     string // in Index.scheds
	hours   []types.OpeningPeriod
	periods []period
	loc     *time.Location
}

func newSchedule(timezone string, hours []types.OpeningPeriod) *schedule {
	return &schedule{hours: hours, periods: parseHours(hours), loc: location(timezone)}
}

// zone is a drawn delivery zone's H3 cells at ZoneResolution, sorted.
type zone struct{ cells []int64 }

// has reports whether cell is in the zone.
func (z *zone) has(cell int64) bool {
	_, ok := slices.BinarySearch(z.cells, cell)
	return ok
}

// Index keeps every live store in memory, keyed by its H3 cells, so the
// nearby search never waits on the database. It stays exact across processes:
// every store change bumps the shared "stores" counter in its transaction and
// stamps the rows with the new value, and every use of the index through
// Get, Search or Nearest first reads the counter (one primary-key lookup)
// and reloads exactly the rows newer than what it holds. Peek reads nothing:
// its caller checks the store row's version itself (a checkout does, in
// its transaction).
type Index struct {
	db      *storage.DB
	counter *sql.Stmt // SELECT value FROM counters WHERE id = 'stores', prepared once
	// fresh shares the counter's reads among concurrent requests (each
	// still gets a read that started after it arrived).
	fresh    *storage.Fresh[int64]
	pageSize int // stores read a query by the first load (loadPage)

	syncMu sync.Mutex // one reload at a time
	// Held under syncMu: what loading has parsed so far, shared by entries.
	scheds  map[string]*schedule // time zone, space, opening hours' JSON → its schedule
	strings map[string]string    // city → the one copy of it

	mu      sync.RWMutex
	version int64
	loaded  bool
	stores  map[int]*Entry
	byCell  [len(indexRes)]map[int64][]slot // indexRes[i] → cell → stores
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
	stmt, err := db.SQL.Prepare(rebind(db.Dialect, "SELECT value FROM counters WHERE id = ?"))
	if err != nil {
		return nil, fmt.Errorf("prepare the stores counter query: %w", err)
	}
	ix := &Index{db: db, counter: stmt, pageSize: loadPage, stores: map[int]*Entry{},
		scheds: map[string]*schedule{}, strings: map[string]string{}}
	for i := range ix.byCell {
		ix.byCell[i] = map[int64][]slot{}
	}
	ix.fresh = storage.NewFresh(counterTimeout, ix.readVersion)
	return ix, nil
}

// counterTimeout bounds a read of the stores counter.
const counterTimeout = 10 * time.Second

// dbVersion returns the stores counter (0 before any store change) as read
// after the call began: it runs on every use of the index, so concurrent
// requests share their reads (storage.Fresh).
func (ix *Index) dbVersion(ctx context.Context) (int64, error) { return ix.fresh.Get(ctx) }

// readVersion reads the stores counter: a prepared statement, not an ent
// query.
func (ix *Index) readVersion(ctx context.Context) (int64, error) {
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
	if loaded {
		err = ix.update(ctx, from)
	} else {
		err = ix.load(ctx)
	}
	if err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.version, ix.loaded = max(v, ix.version), true
	return nil
}

// storeColumns are the columns the index reads, in the order scan scans
// them. Reading a column costs the driver more than SQL's arithmetic and
// concatenation, so the yes-or-no ones come as one number of flags; the
// name, address, phone and city as one text after their lengths in bytes
// ("20,37,0:" name address phone city); and the time zone and the opening
// hours as one text (an IANA name has no space), which is also the key
// schedules are shared by, or an empty text when it is the key given as
// the query's first parameter (most stores share a few schedules: the
// driver need not copy the same text for each).
func storeColumns(dialectName string) string {
	flag := func(x string) string { return "(" + x + ")" }
	size := func(x string) string { return "length(CAST(" + x + " AS BLOB))" }
	if dialectName == dialect.Postgres {
		flag = func(x string) string { return "(" + x + ")::int" }
		size = func(x string) string { return "octet_length(" + x + ")" }
	}
	key := scheduleKey(dialectName)
	return "id, lat, lng, h3_r5, h3_r7, " +
		size("name") + " || ',' || " + size("address") + " || ',' || " + size("phone") + " || ':' || name || address || phone || city, " +
		"CASE WHEN " + key + " = ? THEN '' ELSE " + key + " END, " +
		flag("status = 'open'") + " + 2*" + flag("pickup") + " + 4*" + flag("delivery") + " + " +
		"8*" + flag("delivery_zone IS NOT NULL") + " + 16*" + flag("deleted_at IS NOT NULL") + ", " +
		"delivery_radius_m, delivery_fee_fen, delivery_min_fen"
}

// scheduleKey is the SQL of a store's schedule key: its time zone, a
// space and its opening hours' JSON.
func scheduleKey(dialectName string) string {
	if dialectName == dialect.Postgres {
		return "timezone || ' ' || opening_hours::text"
	}
	return "timezone || ' ' || opening_hours"
}

// splitText splits storeColumns' text column into the name, address and
// phone (as one run of bytes, and their lengths) and the city.
func splitText(text string) (run string, sizes [3]int, city string, err error) {
	for i := range sizes {
		end := ','
		if i == len(sizes)-1 {
			end = ':'
		}
		n := 0
		for len(text) > 0 && text[0] >= '0' && text[0] <= '9' {
			n = n*10 + int(text[0]-'0')
			text = text[1:]
		}
		if len(text) == 0 || rune(text[0]) != end {
			return "", sizes, "", errors.New("malformed store text")
		}
		text = text[1:]
		sizes[i] = n
	}
	total := sizes[0] + sizes[1] + sizes[2]
	if total > len(text) {
		return "", sizes, "", errors.New("malformed store text")
	}
	return text[:total], sizes, text[total:], nil
}

// The flags of storeColumns.
const (
	flagOpen = 1 << iota
	flagPickup
	flagDelivery
	flagZone
	flagDeleted
)

// zones loads the delivery-zone cells of the stores zoned (ids of entries),
// 500 stores a query. A zone with no cells delivers nowhere.
func (ix *Index) zones(ctx context.Context, entries []*Entry, zoned []int) error {
	if len(zoned) == 0 {
		return nil
	}
	cells := map[int][]int64{}
	for start := 0; start < len(zoned); start += 500 {
		ids := zoned[start:min(start+500, len(zoned))]
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		q := "SELECT store_id, cell FROM store_delivery_cells WHERE store_id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
		rows, err := ix.db.SQL.QueryContext(ctx, rebind(ix.db.Dialect, q), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int
			var c int64
			if err := rows.Scan(&id, &c); err != nil {
				rows.Close()
				return err
			}
			cells[id] = append(cells[id], c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	want := map[int]bool{}
	for _, id := range zoned {
		want[id] = true
	}
	for _, e := range entries {
		if want[e.ID] {
			c := slices.Clip(cells[e.ID])
			slices.Sort(c)
			e.zone = &zone{cells: c}
		}
	}
	return nil
}

// rebind writes q's ? placeholders as $1, $2, ... on PostgreSQL.
func rebind(dialectName, q string) string {
	if dialectName != dialect.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// entryOf is the entry of an ent row (for SQLSource, which has no index).
func entryOf(s *ent.Store) *Entry {
	sched := newSchedule(s.Timezone, s.OpeningHours)
	return &Entry{
		ID: s.ID, Point: geo.Point{Lat: s.Lat, Lng: s.Lng}, Name: s.Name, Address: s.Address, City: s.City,
		Phone: s.Phone, Open: s.Status == store.StatusOpen, Pickup: s.Pickup, Delivery: s.Delivery,
		RadiusM: s.DeliveryRadiusM, FeeFen: s.DeliveryFeeFen, MinFen: s.DeliveryMinFen,
		Hours: sched.hours, Location: sched.loc, cells: [3]int64{r9(s.Lat, s.Lng), s.H3R7, s.H3R5}, sched: sched,
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

// indexRes are the resolutions of Entry.cells and Index.byCell.
var indexRes = [...]int{9, 7, 5}

// indexLevels are the resolutions the in-memory index searches at. It can
// afford finer cells than the database's columns: r9 (~0.17 km edges) means
// fewer stores measured per query in a dense city.
var indexLevels = []geo.Level{{Res: 9, MaxK: 12}, {Res: 7, MaxK: 12}, {Res: 5, MaxK: math.MaxInt}}

func r9(lat, lng float64) int64 {
	c, _ := h3.LatLngToCell(h3.NewLatLng(lat, lng), 9)
	return int64(c)
}

// builder gathers entries, in order, into what an empty index is built
// from: the entries by id, and each resolution's cells numbered as first
// met (one map lookup an entry), so that the slots can then be laid out
// without another. The first load adds each page as it comes.
type builder struct {
	entries []*Entry
	stores  map[int]*Entry
	cells   [len(indexRes)]cellNumbers
}

// cellNumbers numbers the cells of the entries added at one resolution.
type cellNumbers struct {
	number map[int64]int32 // cell → its number
	of     []int32         // the cell number of each entry added
	sizes  []int32         // a cell number's stores
}

// newBuilder returns a builder with room for about n entries.
func newBuilder(n int) *builder {
	b := &builder{entries: make([]*Entry, 0, n), stores: make(map[int]*Entry, n)}
	for i := range b.cells {
		b.cells[i] = cellNumbers{number: map[int64]int32{}, of: make([]int32, 0, n)}
	}
	return b
}

// add adds entries after those added before.
func (b *builder) add(entries []*Entry) {
	for _, e := range entries {
		b.stores[e.ID] = e
	}
	for i := range b.cells {
		b.cells[i].add(entries, i)
	}
	b.entries = append(b.entries, entries...)
}

// add numbers the cells of entries at indexRes[i].
func (c *cellNumbers) add(entries []*Entry, i int) {
	for _, e := range entries {
		n, ok := c.number[e.cells[i]]
		if !ok {
			n = int32(len(c.sizes))
			c.number[e.cells[i]] = n
			c.sizes = append(c.sizes, 0)
		}
		c.of = append(c.of, n)
		c.sizes[n]++
	}
}

// build indexes what b gathered into an empty index, each resolution's
// cells beside the others.
func (ix *Index) build(b *builder) {
	var wg sync.WaitGroup
	for i := range indexRes {
		wg.Go(func() { ix.byCell[i] = b.cells[i].slots(b.entries) })
	}
	wg.Wait()
	ix.stores = b.stores
}

// slots lays out the slots of entries, numbered by c, as a map from cell to
// its stores in the order of entries: the slots in one allocation, each
// cell's list exactly as long as it needs (its capacity too, so a later add
// to one cell copies it rather than write over the next).
func (c *cellNumbers) slots(entries []*Entry) map[int64][]slot {
	next := make([]int32, len(c.sizes)) // where a cell number's next slot goes
	at := int32(0)
	for n, size := range c.sizes {
		next[n], at = at, at+size
	}
	all := make([]slot, len(entries))
	for j, e := range entries {
		n := c.of[j]
		all[next[n]] = slot{id: e.ID, point: e.Point, entry: e}
		next[n]++
	}
	m := make(map[int64][]slot, len(c.sizes))
	for cell, n := range c.number {
		end := next[n] // past the cell's last slot, now
		m[cell] = all[end-c.sizes[n] : end : end]
	}
	return m
}

func (ix *Index) add(e *Entry) {
	ix.stores[e.ID] = e
	for i, c := range e.cells {
		ix.byCell[i][c] = append(ix.byCell[i][c], slot{id: e.ID, point: e.Point, entry: e})
	}
}

func (ix *Index) remove(id int) {
	e, ok := ix.stores[id]
	if !ok {
		return
	}
	delete(ix.stores, id)
	for i, c := range e.cells {
		list := ix.byCell[i][c]
		for j, x := range list {
			if x.id == id {
				list = append(list[:j:j], list[j+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(ix.byCell[i], c)
		} else {
			ix.byCell[i][c] = list
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

// Peek returns the entry of store id as the index holds it, without
// asking the database whether stores changed (Get does), and the stores
// counter the index reflects: the entry is current if the store's row
// has a version (NULL: 0) no greater than it. A caller that checks that in
// the transaction it acts in (reading the row's version there) needs no
// Get: a checkout does, and reads no counter. Before the first load the
// entry is nil and ok false.
func (ix *Index) Peek(id int) (_ *Entry, version int64, ok bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.stores[id], ix.version, ix.loaded
}

// Len is the number of stores indexed.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.stores)
}

// Places implements geo.Source over the index (the caller holds the read lock).
func (ix *Index) places(res int, cells []int64, yield func(geo.Place[*Entry])) {
	m := ix.byCell[slices.Index(indexRes[:], res)]
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
