package voucherify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bcetl/bcetl/extract"
	"github.com/bcetl/bcetl/internal/voucherify"
)

// apiRun is one read of a project.
type apiRun struct {
	c   *voucherify.Client
	out *extract.Sink
	// seen holds the id of every customer read: a customer is written once
	// however often the walk meets it (a window's boundary millisecond, a
	// customer updated while an updated_at walk goes on).
	seen map[string]bool

	requests, minimum int64
	windows, reread   int64
}

// walk reads, oldest first by order (created_at or updated_at), every
// customer after the cursor from (none when zero), with the fewest
// requests the documented limits allow: 100 per page, page numbers 1–99
// within a window that starts at a starting_after cursor. Page numbers
// reach 9,900 customers, so after page 99 the next window starts at the
// last customer read — 1 ms before it, because the cursor is exclusive
// and the customers sharing that millisecond may not all have been read
// (several customers imported at once share one created_at); those read
// twice are skipped by id. A 12,000-customer project thus takes two
// windows and ceil(12,000/100) requests plus the re-read millisecond's.
//
// A customer deleted while a window is paged shifts the later pages: the
// window's total drops, and the walk starts a new window at the last
// customer of the page before the drop instead of going on with page
// numbers (nothing is skipped; the re-read customers are skipped by id). A deletion and a
// creation between the same two pages leave the total unchanged and can
// hide one customer: a migration of a live project is followed by an
// incremental run or a check of the ledger against the project's count.
//
// keep, when set, chooses the customers written; the others are only
// paged through.
func (r *apiRun) walk(ctx context.Context, order string, from time.Time, keep func(*listed) bool) error {
	cursor := from
	n := int64(0)
	defer func() { r.minimum += max(1, (n+voucherify.MaxLimit-1)/voucherify.MaxLimit) }()
	for {
		r.windows++
		total := -1
		var prevLast time.Time // the last customer of the previous page
		for page := 1; ; page++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			opts := voucherify.ListCustomersOptions{Limit: voucherify.MaxLimit, Page: page, Order: order, StartingAfter: cursor}
			p, _, err := r.c.Customers.List(ctx, opts)
			r.requests++
			if err != nil {
				return fmt.Errorf("%s: customers by %s after %s, page %d: %w", APIScheme, order, cursorText(cursor), page, err)
			}
			var last time.Time
			for _, raw := range p.Customers {
				var h listed
				if err := json.Unmarshal(raw, &h); err != nil || h.ID == "" {
					return fmt.Errorf("%s: page %d of customers by %s: a customer without an id: %.200s", APIScheme, page, order, raw)
				}
				at := h.CreatedAt
				if order == voucherify.OrderUpdatedAt {
					at = h.UpdatedAt
				}
				t, ok := parseTime(at)
				if !ok {
					return fmt.Errorf("%s: customer %s: %s %q is not a timestamp; the walk cannot go on after it", APIScheme, h.ID, order, at)
				}
				last = t
				if r.seen[h.ID] {
					r.reread++
					continue
				}
				r.seen[h.ID] = true
				n++
				if keep != nil && !keep(&h) {
					continue
				}
				if err := r.record(raw, h.ID); err != nil {
					return err
				}
			}
			if !p.HasMore {
				return nil
			}
			if len(p.Customers) == 0 {
				return fmt.Errorf("%s: page %d of customers by %s after %s is empty but has_more is true", APIScheme, page, order, cursorText(cursor))
			}
			shrunk := total >= 0 && p.Total < total
			total = p.Total
			if page < voucherify.MaxPage && !shrunk {
				prevLast = last
				continue
			}
			next := last.Add(-time.Millisecond)
			if shrunk {
				// The deletion came before this page: the previous
				// page was read whole, this one may have missed the
				// customer that moved onto it.
				next = prevLast.Add(-time.Millisecond)
			}
			prevLast = last
			if !next.After(cursor) {
				if page < voucherify.MaxPage {
					continue // the window holds one millisecond so far: page on
				}
				return fmt.Errorf("%s: more than %d customers share the %s %s: the API's page numbers cannot reach past them",
					APIScheme, voucherify.MaxPage*voucherify.MaxLimit, order, voucherify.FormatTime(last))
			}
			cursor = next
			break
		}
	}
}

func cursorText(t time.Time) string {
	if t.IsZero() {
		return "the start"
	}
	return voucherify.FormatTime(t)
}
