package stores

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"wemart/schema/types"
	"wemart/server/geo"
)

// loadPage is how many stores the first load reads a query.
const loadPage = 5000

// readAhead is how many pages the first load's reader may read ahead of
// the entries built.
const readAhead = 2

// load reads every live store, a page of pageSize at a time in id order
// (keyset: each page a short query, so no read holds a snapshot for the
// whole load), and indexes them. A goroutine reads the pages while this one
// builds their entries: the database driver's work and the index's overlap
// where there is a processor free. Rows changed meanwhile carry a version
// above the counter Sync read before, so the next Sync reads them again.
func (ix *Index) load(ctx context.Context) error {
	q, err := ix.db.SQL.PrepareContext(ctx, rebind(ix.db.Dialect,
		"SELECT "+storeColumns(ix.db.Dialect)+" FROM stores WHERE id > ? ORDER BY id LIMIT ?"))
	if err != nil {
		return err
	}
	defer q.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan *rawPage, readAhead)
	read := make(chan error, 1)
	go func() {
		defer close(pages)
		read <- ix.readPages(ctx, q, pages)
	}()
	b, err := ix.buildPages(ctx, pages)
	cancel() // a failed build stops the reader
	for range pages {
	}
	if readErr := <-read; err == nil {
		err = readErr
	}
	if err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.build(b)
	return nil
}

// readPages reads every store into pages sent to out, in id order, until
// a page comes back short. Each query leaves out the schedule the last
// page's stores mostly had (see storeColumns).
func (ix *Index) readPages(ctx context.Context, q *sql.Stmt, out chan<- *rawPage) error {
	after, key := 0, ""
	for {
		rows, err := q.QueryContext(ctx, key, after, ix.pageSize)
		if err != nil {
			return err
		}
		p, err := readRows(rows, key, ix.pageSize)
		if err != nil {
			return err
		}
		if len(p.rows) == 0 {
			return nil
		}
		select {
		case out <- p:
		case <-ctx.Done():
			return ctx.Err()
		}
		if len(p.rows) < ix.pageSize {
			return nil
		}
		after = p.last
		if p.common != "" {
			key = p.common
		}
	}
}

// buildPages builds the entries of the pages read, with their delivery
// zones, and gathers them in the order read. It counts the live stores
// first (while the first pages are read) to make room for them at once.
func (ix *Index) buildPages(ctx context.Context, pages <-chan *rawPage) (*builder, error) {
	var n int
	if err := ix.db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM stores WHERE deleted_at IS NULL").Scan(&n); err != nil {
		return nil, err
	}
	l := ix.newLoader(ix.pageSize)
	b := newBuilder(n)
	for raw := range pages {
		p, err := l.entries(raw)
		if err != nil {
			return nil, err
		}
		entries := p.entries()
		if err := ix.zones(ctx, entries, p.zoned); err != nil {
			return nil, err
		}
		b.add(entries)
	}
	return b, nil
}

// update reads the stores changed since version from (deleted ones too)
// and puts them in the index in place of what it held.
func (ix *Index) update(ctx context.Context, from int64) error {
	rows, err := ix.db.SQL.QueryContext(ctx, rebind(ix.db.Dialect,
		"SELECT "+storeColumns(ix.db.Dialect)+" FROM stores WHERE version > ?"), "", from)
	if err != nil {
		return err
	}
	raw, err := readRows(rows, "", 0)
	if err != nil {
		return err
	}
	page, err := ix.newLoader(0).entries(raw)
	if err != nil {
		return err
	}
	if err := ix.zones(ctx, page.entries(), page.zoned); err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, r := range page.rows {
		ix.remove(r.id)
		if r.entry != nil {
			ix.add(r.entry)
		}
	}
	return nil
}

// rawPage is what one query of stores read, before its entries are built.
type rawPage struct {
	key    string // the schedule key of the rows whose key is ""
	rows   []rawRow
	last   int    // the last id read
	common string // the key most of the live rows have ("": no live rows)
}

// rawRow is a row of storeColumns, its columns converted.
type rawRow struct {
	id, flags, radius   int
	lat, lng            float64
	r5, r7, fee, minFen int64
	text, key           string
}

// readRows reads rows of storeColumns (about size of them) queried with
// the schedule key key, and closes rows.
func readRows(rows *sql.Rows, key string, size int) (*rawPage, error) {
	defer rows.Close()
	p := &rawPage{key: key, rows: make([]rawRow, 0, size)}
	var r storeRow
	dest := r.dest()
	votes := 0 // for p.common, by majority vote
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		row := r.row()
		if r.err != nil {
			return nil, fmt.Errorf("store %d: %w", row.id, r.err)
		}
		p.rows = append(p.rows, row)
		p.last = row.id
		if row.flags&flagDeleted != 0 {
			continue
		}
		k := row.key
		if k == "" {
			k = key
		}
		if k == p.common {
			votes++
		} else if votes--; votes < 0 {
			p.common, votes = k, 0
		}
	}
	return p, rows.Err()
}

// The columns of storeColumns, in order.
const (
	colID = iota
	colLat
	colLng
	colR5
	colR7
	colText
	colSched
	colFlags
	colRadius
	colFee
	colMin
	numCols
)

// storeRow is a row of storeColumns as the driver gives it. It is scanned
// into interfaces and converted here: scanned into an int, database/sql
// would write each integer out in decimal and parse it back. Its methods
// convert a column, keeping the first failure in err.
type storeRow struct {
	cols [numCols]any
	err  error
}

// dest is what rows.Scan scans r into.
func (r *storeRow) dest() []any {
	out := make([]any, numCols)
	for i := range r.cols {
		out[i] = &r.cols[i]
	}
	return out
}

// row is r converted.
func (r *storeRow) row() rawRow {
	return rawRow{id: r.int(colID), flags: r.int(colFlags), radius: r.int(colRadius),
		lat: r.float(colLat), lng: r.float(colLng),
		r5: r.int64(colR5), r7: r.int64(colR7), fee: r.int64(colFee), minFen: r.int64(colMin),
		text: r.text(colText), key: r.text(colSched)}
}

// int64 is column i as an integer.
func (r *storeRow) int64(i int) int64 { return number[int64](r, i, "an integer") }

// int is column i as an int.
func (r *storeRow) int(i int) int { return int(r.int64(i)) }

// float is column i as a float64.
func (r *storeRow) float(i int) float64 { return number[float64](r, i, "a number") }

// number is column i as T: what the drivers give, or else as database/sql
// would convert it; a column that is not one fails the row.
func number[T int64 | float64](r *storeRow, i int, what string) T {
	if v, ok := r.cols[i].(T); ok {
		return v
	}
	var v sql.Null[T]
	if err := v.Scan(r.cols[i]); err != nil || !v.Valid {
		r.fail(fmt.Errorf("column %d: %v is not %s", i, r.cols[i], what))
	}
	return v.V
}

// text is column i as a string, which the caller may keep (a driver's
// []byte is copied).
func (r *storeRow) text(i int) string {
	switch t := r.cols[i].(type) {
	case string:
		return t
	case []byte:
		return string(t)
	}
	r.fail(fmt.Errorf("column %d: %v is not text", i, r.cols[i]))
	return ""
}

// fail keeps err unless r already failed.
func (r *storeRow) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// page is the entries of one query of stores.
type page struct {
	rows  []pageRow
	zoned []int // the ids of the live stores among rows with a drawn zone
}

// pageRow is a store read: its entry, nil if it was deleted.
type pageRow struct {
	id    int
	entry *Entry
}

func (p *page) entries() []*Entry {
	out := make([]*Entry, 0, len(p.rows))
	for _, r := range p.rows {
		if r.entry != nil {
			out = append(out, r.entry)
		}
	}
	return out
}

// loader builds entries from rows read: one for the first load, one for
// each update.
type loader struct {
	ix       *Index
	pageSize int        // entries allocated at a time (0: one by one)
	slab     []Entry    // what is left of the last allocation of entries
	text     []byte     // a page's names, addresses and phones, reused
	spans    []textSpan // where each row's are in text, reused
}

// textSpan is where a row's name, address and phone are in a page's text.
type textSpan struct{ start, name, address, phone int }

func (ix *Index) newLoader(pageSize int) *loader { return &loader{ix: ix, pageSize: pageSize} }

// alloc returns a new entry, pageSize of them allocated at once.
func (l *loader) alloc() *Entry {
	if l.pageSize == 0 {
		return new(Entry)
	}
	if len(l.slab) == 0 {
		l.slab = make([]Entry, l.pageSize)
	}
	e := &l.slab[0]
	l.slab = l.slab[1:]
	return e
}

// entries builds the entries of raw's rows. The rows' names, addresses and
// phones share one string, and identical cities and schedules one each
// across the index.
func (l *loader) entries(raw *rawPage) (*page, error) {
	p := &page{rows: make([]pageRow, 0, len(raw.rows))}
	l.text, l.spans = l.text[:0], l.spans[:0]
	var common *schedule // raw.key's, parsed at its first row
	for i := range raw.rows {
		r := &raw.rows[i]
		if r.flags&flagDeleted != 0 {
			p.rows = append(p.rows, pageRow{id: r.id})
			continue
		}
		run, sizes, city, err := splitText(r.text)
		if err != nil {
			return nil, fmt.Errorf("store %d: %w", r.id, err)
		}
		sc := common
		if r.key != "" || sc == nil {
			key := r.key
			if key == "" {
				key = raw.key
			}
			if sc, err = l.ix.schedule(key); err != nil {
				return nil, fmt.Errorf("store %d: opening hours: %w", r.id, err)
			}
			if r.key == "" {
				common = sc
			}
		}
		e := l.alloc()
		*e = Entry{ID: r.id, Point: geo.Point{Lat: r.lat, Lng: r.lng}, City: l.ix.intern(city),
			Open: r.flags&flagOpen != 0, Pickup: r.flags&flagPickup != 0, Delivery: r.flags&flagDelivery != 0,
			RadiusM: r.radius, FeeFen: r.fee, MinFen: r.minFen, Hours: sc.hours, Location: sc.loc,
			cells: [3]int64{r9(r.lat, r.lng), r.r7, r.r5}, sched: sc}
		if r.flags&flagZone != 0 {
			p.zoned = append(p.zoned, r.id)
		}
		p.rows = append(p.rows, pageRow{id: r.id, entry: e})
		l.spans = append(l.spans, textSpan{len(l.text), sizes[0], sizes[1], sizes[2]})
		l.text = append(l.text, run...)
	}
	l.setText(p)
	return p, nil
}

// setText sets the names, addresses and phones of p's entries, from one
// string of l.text.
func (l *loader) setText(p *page) {
	all := string(l.text)
	i := 0
	for _, r := range p.rows {
		if e := r.entry; e != nil {
			sp := l.spans[i]
			at := sp.start
			e.Name, at = all[at:at+sp.name], at+sp.name
			e.Address, at = all[at:at+sp.address], at+sp.address
			e.Phone = all[at : at+sp.phone]
			i++
		}
	}
}

// schedule returns the shared schedule of key, a time zone and the opening
// hours' JSON after a space, parsing it the first time it is seen.
func (ix *Index) schedule(key string) (*schedule, error) {
	if s, ok := ix.scheds[key]; ok {
		return s, nil
	}
	tz, hours, _ := strings.Cut(key, " ")
	var parsed []types.OpeningPeriod
	if err := json.Unmarshal([]byte(hours), &parsed); err != nil {
		return nil, err
	}
	s := newSchedule(tz, parsed)
	s.key = strings.Clone(key)
	ix.scheds[s.key] = s
	return s, nil
}

// intern returns the index's one copy of s.
func (ix *Index) intern(s string) string {
	if c, ok := ix.strings[s]; ok {
		return c
	}
	c := strings.Clone(s)
	ix.strings[c] = c
	return c
}
