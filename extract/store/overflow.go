package store

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/bcetl/bcetl/internal/bigcommerce"
)

// Overflow: a customer object embeds at most 10 addresses and 10 attribute
// values ("Limited to 10"). A customer with more gets all of them from
// /customers/addresses or /customers/attribute-values, asked for many
// customers at a time with customer_id:in. How a customer is known to have
// more depends on what the API sends:
//
//   - With address_count / attribute_count (not in recorded answers, so
//     never required): a count above the embedded rows means overflow, and
//     since every count is known, the customers are packed into chunks
//     whose counts add up to exactly one full page (250) whenever the pool
//     of waiting customers allows it.
//   - Without them: a customer that embeds the maximum (10) may have more,
//     and nothing but a request tells. Such customers are collected into
//     chunks as large as a URL holds (about a thousand ids) and each chunk
//     is read page by page: its rows fill every page but its last, so the
//     cost above ceil(rows / 250) is at most one page per chunk.
//
// Every chunk is read the same way (readChunk): page 1 gives the total,
// the other pages follow in parallel.

// packPoolRows is how many rows must wait in the pool before packing
// starts: with a few dozen customers of 11–30 rows each, a subset summing
// to exactly 250 almost always exists.
const packPoolRows = 4 * pageSize

// packPoolMax bounds the pool: past it (counts that cannot add up to 250,
// e.g. all 200), the best-filled chunk is sent anyway.
const packPoolMax = 16 * pageSize

// overflowChunk is one set of customers whose rows of one entity are read
// together.
type overflowChunk struct {
	p    *packer
	ids  []int64
	rows int // counted chunks: the sum of the counts (what page 1 should report)
	// uncounted: the API sent no counts for these customers, so the rows
	// read give their address_count / attribute_count (see countOf).
	uncounted bool
}

type overflowItem struct {
	id   int64
	rows int
}

// packer collects the overflow customers of one entity and emits chunks.
type packer struct {
	entity string
	out    chan<- overflowChunk
	// room is the bytes customer_id:in may take in this entity's request
	// (bigcommerce.URLRoom): uncounted chunks are filled up to it.
	room int

	// rows is the sum of the totals of the chunks read: the basis of the
	// minimum (see minRequests).
	rows atomic.Int64

	mu       sync.Mutex
	pool     []overflowItem // counted customers waiting to be packed
	poolRows int
	open     []int64 // uncounted customers of the chunk being filled
	openB    int     // bytes of open as a customer_id:in list
	counts   map[int64]int32
}

func newPacker(entity string, out chan<- overflowChunk, room int) *packer {
	return &packer{entity: entity, out: out, room: room, counts: map[int64]int32{}}
}

// add queues a customer whose count says it has `rows` sub-resources.
func (p *packer) add(ctx context.Context, id int64, rows int) error {
	if rows >= pageSize {
		// Too many for a shared page: alone, over as many pages as it
		// takes.
		return p.emit(ctx, []overflowChunk{{p: p, ids: []int64{id}, rows: rows}})
	}
	p.mu.Lock()
	p.pool = append(p.pool, overflowItem{id, rows})
	p.poolRows += rows
	var ready []overflowChunk
	if p.poolRows >= packPoolRows {
		for {
			c, ok := p.take(true)
			if !ok {
				break
			}
			ready = append(ready, c)
		}
		for p.poolRows >= packPoolMax {
			c, _ := p.take(false)
			ready = append(ready, c)
		}
	}
	p.mu.Unlock()
	return p.emit(ctx, ready)
}

// addUncounted queues a customer that embeds the maximum and has no count:
// it may have more. The chunk being filled is sent when the next id would
// not fit in its URL.
func (p *packer) addUncounted(ctx context.Context, id int64) error {
	n := bigcommerce.FilterValueBytes(id)
	var ready []overflowChunk
	p.mu.Lock()
	if len(p.open) > 0 && p.openB+1+n > p.room {
		ready = append(ready, overflowChunk{p: p, ids: p.open, uncounted: true})
		p.open, p.openB = nil, 0
	}
	if len(p.open) > 0 {
		p.openB++ // the comma
	}
	p.open = append(p.open, id)
	p.openB += n
	p.mu.Unlock()
	return p.emit(ctx, ready)
}

// finish sends what is left: the pool packed as well as it can be, and the
// chunk being filled.
func (p *packer) finish(ctx context.Context) error {
	p.mu.Lock()
	var ready []overflowChunk
	for len(p.pool) > 0 {
		c, _ := p.take(false)
		ready = append(ready, c)
	}
	if len(p.open) > 0 {
		ready = append(ready, overflowChunk{p: p, ids: p.open, uncounted: true})
		p.open, p.openB = nil, 0
	}
	p.mu.Unlock()
	return p.emit(ctx, ready)
}

func (p *packer) emit(ctx context.Context, cs []overflowChunk) error {
	for _, c := range cs {
		select {
		case p.out <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// take removes one chunk from the pool: a subset summing to exactly
// pageSize when exact is set (ok false if there is none), else the subset
// with the largest sum not above it. Call with mu held.
func (p *packer) take(exact bool) (overflowChunk, bool) {
	idx, sum := bestSubset(p.pool, pageSize)
	if len(idx) == 0 || (exact && sum != pageSize) {
		return overflowChunk{}, false
	}
	c := overflowChunk{p: p, rows: sum}
	slices.Sort(idx)
	for _, i := range idx {
		c.ids = append(c.ids, p.pool[i].id)
	}
	for k := len(idx) - 1; k >= 0; k-- {
		p.pool = slices.Delete(p.pool, idx[k], idx[k]+1)
	}
	p.poolRows -= sum
	return c, true
}

// setCounts records the rows read for uncounted customers.
func (p *packer) setCounts(ids []int64, rows map[int64]int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		p.counts[id] = rows[id]
	}
}

// countOf is the number of rows read for an uncounted customer (ok false
// for every other customer). Called after the fetch phase.
func (p *packer) countOf(id int64) (int32, bool) {
	if p == nil {
		return 0, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n, ok := p.counts[id]
	return n, ok
}

// bestSubset solves subset-sum over the items' rows up to capacity (0/1
// knapsack by reachability, capacity × items steps) and returns the
// indexes of a subset with the largest reachable sum.
func bestSubset(items []overflowItem, capacity int) ([]int, int) {
	// from[s] = 1 + index of the item that first made sum s reachable;
	// the rest of s was reachable from earlier items only, so following
	// from[] back never uses an item twice.
	from := make([]int, capacity+1)
	for i, it := range items {
		for s := capacity; s >= it.rows; s-- {
			if from[s] == 0 && (s == it.rows || from[s-it.rows] != 0) {
				from[s] = i + 1
			}
		}
		if from[capacity] != 0 {
			break
		}
	}
	best := capacity
	for best > 0 && from[best] == 0 {
		best--
	}
	var idx []int
	for s := best; s > 0; {
		i := from[s] - 1
		idx = append(idx, i)
		s -= items[i].rows
	}
	return idx, best
}

// overflowWorker reads chunks until the channel closes.
func (x *storeRun) overflowWorker(ctx context.Context, chunks <-chan overflowChunk) error {
	for c := range chunks {
		// Chunks are built to fit a URL; splitting them again by the
		// same measure is what guarantees it, whoever built them.
		parts, err := bigcommerce.ChunkByURL(x.c, x.overflowQuery(c.p.entity, nil), "customer_id:in", c.ids, 0)
		if err != nil {
			return err
		}
		for _, ids := range parts {
			if err := x.readChunk(ctx, c.p, ids, c.uncounted); err != nil {
				return err
			}
		}
	}
	return nil
}
