package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// What a store holds beside the customers and their sub-resources, for a
// store-to-store migration:
//
//   - customer_groups: every group with its settings (V2, page by page;
//     a store has few). Read whenever customers are, since each customer
//     row carries its group's name (customer_group_name): ids belong to
//     the source store, names are what another store's groups are found
//     by;
//   - metafields: every customer's, through the batch endpoint
//     (/customers/metafields) in full pages, by cursor (stable while the
//     store changes), not one request per customer. Another app's app_only
//     metafields are invisible to this app and cannot be carried;
//   - subscribers: the newsletter subscribers (a subscriber need not be a
//     customer), in full pages by page number (the endpoint has no
//     cursor), ordered by id: a subscriber added while the walk runs comes
//     last; one deleted meanwhile may shift another onto a page already
//     read, so the ids are checked to rise and a repeat is dropped;
//   - consents: the customers' data preferences, only when asked for
//     (Options.WithConsent or --entities …,consents): the API has one
//     request per customer (GET /customers/{id}/consent). A customer who
//     never declared any (both lists empty) has nothing to carry and no
//     row.
//
// An incremental run reads the metafields and subscribers modified since
// the watermark, and every group. A run restricted to ids (nightly's
// created customers) reads groups and, when asked for, the consents of
// those customers; metafields and subscribers are not per customer there
// (the batch endpoint has no customer filter), so such a run does not
// write them.

// fetchGroups reads every group: their names for the customer rows, and
// customer_groups.parquet when selected. When it is not, the requests are
// the customers' (the manifest counts every request the run made).
func (x *storeRun) fetchGroups(ctx context.Context) error {
	charged := staging.EntityCustomerGroups
	if !x.want[charged] {
		charged = staging.EntityCustomers
	}
	x.groupNames = map[int64]string{}
	var rows []staging.CustomerGroup
	lo := bigcommerce.ListOptions{Limit: pageSize}
	for lo.Page = 1; ; lo.Page++ {
		if err := x.acquire(ctx); err != nil {
			return err
		}
		page, _, err := x.c.CustomerGroups.List(ctx, &bigcommerce.CustomerGroupListOptions{ListOptions: lo})
		x.release()
		x.requests[charged].Add(1)
		if err != nil {
			return fmt.Errorf("customer groups: %w", err)
		}
		for i := range page {
			x.groupNames[page[i].ID] = page[i].Name
			rows = append(rows, groupRow(&page[i]))
		}
		x.steps[staging.EntityCustomerGroups].Add(len(page))
		if len(page) < lo.Limit {
			break
		}
	}
	x.groupsSeen = int64(len(rows))
	x.groupPages = int64(len(rows)/pageSize + 1)
	if !x.want[staging.EntityCustomerGroups] {
		return nil
	}
	slices.SortFunc(rows, func(a, b staging.CustomerGroup) int { return cmp.Compare(deref(a.ID), deref(b.ID)) })
	return x.out.CustomerGroups.Write(rows...)
}

// fetchMetafields walks every customer metafield (or every changed one)
// into metafields.parquet, in id order.
func (x *storeRun) fetchMetafields(ctx context.Context) error {
	opts := bigcommerce.MetafieldListOptions{ListOptions: bigcommerce.ListOptions{Limit: pageSize}}
	if x.since != nil {
		opts.DateModified = bigcommerce.Covering(*x.since, time.Time{})
	}
	var last int64
	for page, err := range x.c.Metafields.Pages(ctx, opts) {
		x.requests[staging.EntityMetafields].Add(1)
		if err != nil {
			return fmt.Errorf("metafields: %w", err)
		}
		rows := make([]staging.Metafield, 0, len(page))
		for i := range page {
			m := &page[i]
			if m.ResourceType != "" && m.ResourceType != "customer" || m.ID <= last {
				continue
			}
			last = m.ID
			rows = append(rows, metafieldRow(m))
		}
		x.metafieldsSeen += int64(len(rows))
		x.steps[staging.EntityMetafields].Add(len(rows))
		if err := x.out.Metafields.Write(rows...); err != nil {
			return err
		}
	}
	return nil
}

// fetchSubscribers walks the subscribers (or the changed ones) into
// subscribers.parquet, in id order.
func (x *storeRun) fetchSubscribers(ctx context.Context) error {
	opts := bigcommerce.SubscriberListOptions{ListOptions: bigcommerce.ListOptions{Limit: pageSize}}
	if x.since != nil {
		opts.DateModified = bigcommerce.Covering(*x.since, time.Time{})
	}
	var last int64
	for page, err := range x.c.Subscribers.Pages(ctx, opts) {
		x.requests[staging.EntitySubscribers].Add(1)
		if err != nil {
			return fmt.Errorf("subscribers: %w", err)
		}
		rows := make([]staging.Subscriber, 0, len(page))
		for i := range page {
			if page[i].ID <= last {
				continue // shifted onto this page by a deletion: read already
			}
			last = page[i].ID
			rows = append(rows, subscriberRow(&page[i]))
		}
		x.subscribersSeen += int64(len(rows))
		x.steps[staging.EntitySubscribers].Add(len(rows))
		if err := x.out.Subscribers.Write(rows...); err != nil {
			return err
		}
	}
	return nil
}

// noteCustomer records a customer id whose consent is to be read.
func (x *storeRun) noteCustomer(id int64) {
	if !x.want[staging.EntityConsents] {
		return
	}
	x.consentMu.Lock()
	x.consentIDs = append(x.consentIDs, id)
	x.consentMu.Unlock()
}

// fetchConsents reads the consent of every customer read, x.conc at a
// time, into consents.parquet in customer order.
func (x *storeRun) fetchConsents(ctx context.Context) error {
	ids := slices.Clone(x.consentIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	x.steps[staging.EntityConsents].SetTotal(int64(len(ids)))
	rows := make([]*staging.Consent, len(ids))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(x.conc)
	var mu sync.Mutex
	for i, id := range ids {
		g.Go(func() error {
			if err := x.acquire(ctx); err != nil {
				return err
			}
			c, _, err := x.c.Consent.Get(ctx, id)
			x.release()
			x.requests[staging.EntityConsents].Add(1)
			var er *bigcommerce.ErrorResponse
			if errors.As(err, &er) && er.StatusCode == http.StatusNotFound {
				return nil // deleted since the walk read it: no customer, no consent
			}
			if err != nil {
				return fmt.Errorf("consent of customer %d: %w", id, err)
			}
			if len(c.Allow) > 0 || len(c.Deny) > 0 {
				r := consentRow(id, &c)
				mu.Lock()
				rows[i] = &r
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	n := 0
	for _, r := range rows {
		if r != nil {
			n++
			if err := x.out.Consents.Write(*r); err != nil {
				return err
			}
		}
	}
	x.steps[staging.EntityConsents].Add(n)
	return nil
}
