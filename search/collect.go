package search

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// The embedded engine's own collection. bleve's collector reads the doc
// values of every match (the category for the facets, the sort keys for a
// sales or price order), decoding compressed chunks as it goes: at 100k
// products that was most of a broad query's time (a facet over 500 matches
// cost more than finding 10000). Here every segment of the index — segments
// never change once written — has its sort keys and category decoded once,
// into plain arrays (columns), and a search walks its matches keeping only
// a bounded heap of the best offset+limit ones and the category counts:
// per match an array read, a counter and a heap comparison. Only the page's
// hits are then read whole (stored fields, highlights), by a second search
// restricted to them.

// column holds, per local document number of one segment, what ordering
// and faceting read.
type column struct {
	cat   []int32
	id    []int32 // the product id; -1 when the document has no sort_id
	sales []int64
	price []int64 // the lowest price
}

// columnFields are the doc values a column is built from.
var columnFields = []string{"category", "sort_id", "sort_sales", "sort_price"}

// columnEntry builds a segment's column once, whoever asks first.
type columnEntry struct {
	once sync.Once
	col  *column
	err  error
}

// columns caches the columns of the segments an index has (had) open.
type columns struct {
	mu   sync.Mutex
	segs map[segment.Segment]*columnEntry
}

// of returns the columns of a snapshot's segments and their offsets (the
// global number of each segment's first document), building the missing
// ones, and forgets those of segments the snapshot no longer has.
func (c *columns) of(snap *scorch.IndexSnapshot) ([]*column, []uint64, error) {
	segs := snap.Segments()
	entries := make([]*columnEntry, len(segs))
	offsets := make([]uint64, len(segs))
	var running uint64
	c.mu.Lock()
	if c.segs == nil {
		c.segs = map[segment.Segment]*columnEntry{}
	}
	live := make(map[segment.Segment]bool, len(segs))
	for i, ss := range segs {
		s := ss.Segment()
		live[s] = true
		offsets[i] = running
		running += s.Count()
		e := c.segs[s]
		if e == nil {
			e = &columnEntry{}
			c.segs[s] = e
		}
		entries[i] = e
	}
	if len(c.segs) > 2*len(segs)+8 { // merged away: searches still on them keep their pointers
		for s := range c.segs {
			if !live[s] {
				delete(c.segs, s)
			}
		}
	}
	c.mu.Unlock()
	cols := make([]*column, len(segs))
	for i, e := range entries {
		e.once.Do(func() { e.col, e.err = buildColumn(segs[i].Segment()) })
		if e.err != nil {
			return nil, nil, e.err
		}
		cols[i] = e.col
	}
	return cols, offsets, nil
}

// warm builds the columns of the segments the index has now.
func (x *embeddedIndex) warm() {
	defer x.warming.Done()
	adv, err := x.idx.Advanced()
	if err != nil {
		return
	}
	reader, err := adv.Reader()
	if err != nil {
		return
	}
	defer reader.Close()
	if snap, ok := reader.(*scorch.IndexSnapshot); ok {
		_, _, _ = x.cols.of(snap) // an error is met again by the first search
	}
}

// buildColumn decodes a segment's doc values for columnFields.
func buildColumn(s segment.Segment) (*column, error) {
	dv, ok := s.(segment.DocValueVisitable)
	if !ok {
		return nil, fmt.Errorf("search segment %T has no doc values", s)
	}
	n := int(s.Count())
	col := &column{cat: make([]int32, n), id: make([]int32, n), sales: make([]int64, n), price: make([]int64, n)}
	var state segment.DocVisitState
	var err error
	for d := range n {
		col.id[d] = -1
		state, err = dv.VisitDocValues(uint64(d), columnFields, func(field string, term []byte) {
			v := digits(term)
			switch field {
			case "category":
				col.cat[d] = int32(v)
			case "sort_id":
				col.id[d] = int32(v)
			case "sort_sales":
				col.sales[d] = v
			case "sort_price":
				col.price[d] = v
			}
		}, state)
		if err != nil {
			return nil, err
		}
	}
	return col, nil
}

// digits reads a non-negative decimal number (the keyword sort keys and
// categories); anything else reads as 0.
func digits(b []byte) int64 {
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// order is how collected matches rank.
type order int

const (
	byScore     order = iota // relevance, then best sellers, then id
	bySales                  // best sellers first, then id
	byPriceAsc               // lowest price first, then id
	byPriceDesc              // highest price first, then id
)

// orderOf is the order q asks for (an empty text lists best sellers).
func orderOf(q Query) order {
	switch q.Sort {
	case SortPriceAsc:
		return byPriceAsc
	case SortPriceDesc:
		return byPriceDesc
	case SortSales:
		return bySales
	}
	if strings.TrimSpace(q.Text) == "" {
		return bySales
	}
	return byScore
}

// entry is one collected match.
type entry struct {
	score    float64
	sales    int64
	price    int64
	id       int32  // -1: unknown (read the external id)
	internal uint64 // the document's number in the snapshot
}

// better reports whether a ranks before b in order o.
func (o order) better(a, b *entry) bool {
	switch o {
	case byScore:
		if a.score != b.score {
			return a.score > b.score
		}
		if a.sales != b.sales {
			return a.sales > b.sales
		}
	case bySales:
		if a.sales != b.sales {
			return a.sales > b.sales
		}
	case byPriceAsc:
		if a.price != b.price {
			return a.price < b.price
		}
	case byPriceDesc:
		if a.price != b.price {
			return a.price > b.price
		}
	}
	return a.id < b.id
}

// topK keeps the k best entries seen: a heap with the worst kept at the root.
type topK struct {
	o order
	k int
	h []entry
}

func (t *topK) add(e entry) {
	if t.k <= 0 {
		return
	}
	if len(t.h) < t.k {
		t.h = append(t.h, e)
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if !t.o.better(&t.h[p], &t.h[i]) { // parent is no better: heap holds
				break
			}
			t.h[p], t.h[i] = t.h[i], t.h[p]
			i = p
		}
		return
	}
	if !t.o.better(&e, &t.h[0]) {
		return
	}
	t.h[0] = e
	for i := 0; ; {
		l, r, w := 2*i+1, 2*i+2, i
		if l < len(t.h) && t.o.better(&t.h[w], &t.h[l]) {
			w = l
		}
		if r < len(t.h) && t.o.better(&t.h[w], &t.h[r]) {
			w = r
		}
		if w == i {
			return
		}
		t.h[i], t.h[w] = t.h[w], t.h[i]
		i = w
	}
}

// sorted returns the entries best first.
func (t *topK) sorted() []entry {
	out := slices.Clone(t.h)
	slices.SortFunc(out, func(a, b entry) int {
		if t.o.better(&a, &b) {
			return -1
		}
		if t.o.better(&b, &a) {
			return 1
		}
		return 0
	})
	return out
}

// collection is what collect found.
type collection struct {
	page   []entry // the entries from the offset on, best first
	total  int
	facets []Facet
}

// collectSpec says what collect keeps.
type collectSpec struct {
	o        order
	scored   bool // whether scores are needed (byScore with text)
	category int  // 0: any; otherwise only this category counts towards hits and total
	keep     int  // offset+limit: how many best entries to keep
	offset   int
	facets   bool
	// first stops at the first match (a probe asks only whether anything
	// matches: the total is then 0 or 1).
	first bool
}

// collect runs q (every condition but the category) over a snapshot of the
// index.
func (x *embeddedIndex) collect(ctx context.Context, q query.Query, spec collectSpec) (collection, error) {
	adv, err := x.idx.Advanced()
	if err != nil {
		return collection{}, err
	}
	reader, err := adv.Reader()
	if err != nil {
		return collection{}, err
	}
	defer reader.Close()
	snap, ok := reader.(*scorch.IndexSnapshot)
	if !ok {
		return collection{}, fmt.Errorf("search index reader %T is not scorch's", reader)
	}
	cols, offsets, err := x.cols.of(snap)
	if err != nil {
		return collection{}, err
	}
	searcher, err := matcherOf(ctx, q, reader, x.idx.Mapping(), spec.scored)
	if err != nil {
		return collection{}, err
	}
	defer searcher.Close()
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(searcher.DocumentMatchPoolSize()+1, 0), IndexReader: reader}
	top := topK{o: spec.o, k: spec.keep}
	var counts []int
	total := 0
	seg := 0 // matches come in document order: the segment only moves on
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return collection{}, err
			}
		}
		dm, err := searcher.Next(sctx)
		if err != nil {
			return collection{}, err
		}
		if dm == nil {
			break
		}
		num := binary.BigEndian.Uint64(dm.IndexInternalID)
		if seg >= len(offsets) || num < offsets[seg] || (seg+1 < len(offsets) && num >= offsets[seg+1]) {
			seg = sort.Search(len(offsets), func(i int) bool { return offsets[i] > num }) - 1
		}
		col, local := cols[seg], num-offsets[seg]
		cat := col.cat[local]
		if spec.facets {
			if int(cat) >= len(counts) {
				counts = slices.Grow(counts, int(cat)+1-len(counts))[:int(cat)+1]
			}
			counts[cat]++
		}
		if spec.category == 0 || int(cat) == spec.category {
			total++
			if top.k > 0 {
				top.add(entry{score: dm.Score, sales: col.sales[local], price: col.price[local], id: col.id[local], internal: num})
			}
		}
		sctx.DocumentMatchPool.Put(dm)
		if spec.first && total > 0 {
			break
		}
	}
	out := collection{total: total}
	for cat, n := range counts {
		if cat != 0 && n > 0 {
			out.facets = append(out.facets, Facet{CategoryID: cat, Count: n})
		}
	}
	sortFacets(out.facets)
	page := top.sorted()
	if spec.offset < len(page) {
		out.page = page[spec.offset:]
	}
	for i, e := range out.page {
		if e.id >= 0 {
			continue
		}
		ext, err := reader.ExternalID(internalID(e.internal))
		if err != nil {
			return collection{}, err
		}
		id, err := strconv.Atoi(ext)
		if err != nil {
			return collection{}, fmt.Errorf("search document id %q: %w", ext, err)
		}
		out.page[i].id = int32(id)
	}
	return out, nil
}

// internalID is a document number as scorch writes it.
func internalID(n uint64) index.IndexInternalID {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}
