package pipelines

import (
	"context"
	"encoding/json"
	"time"

	"github.com/bcetl/bcetl/internal/warehouse"
	"github.com/bcetl/bcetl/internal/webhooks"
)

// Change capture: what an incremental export cannot see, learnt from the
// receiver's spool. BigCommerce announces a deleted customer
// (store/customer/deleted) and every address change
// (store/customer/address/*), none of which touches the customer's
// date_modified, and store/customer/updated for edits that do (and for
// attribute values changed in the control panel; through the API they
// fire nothing).

// nightlyChanged re-reads the customers named by store/customer/updated
// and address events — each with all its current addresses, attribute
// values and form field values, by id:in in full pages, its overflow by
// customer_id:in — into the claim's partition. The read is a whole new
// version of each customer (warehouse: extracted_at), so the latest
// version holds the address added, the value changed, and not the
// address deleted. A customer the store no longer has is counted; its
// deletion is store/customer/deleted's to record.
func nightlyChanged(ctx context.Context, o NightlyOptions, wh *warehouse.Warehouse, work string, res *NightlyResult) error {
	c, events, err := claimEvents(ctx, o.Spool, work, "customer-changed", webhooks.ProviderBigCommerce, o.Now, changedScopes...)
	if err != nil || c == nil {
		return err
	}
	fetched, missing, err := fetchClaimed(ctx, o, wh, work, c, "changed-"+c.ID, changedIDs(c, events, o.StoreHash))
	if err != nil {
		return err
	}
	res.ChangedFetched += fetched
	if res.ChangedMissing = append(res.ChangedMissing, missing...); len(missing) > 0 {
		o.Log.Info("customers named by update or address events are no longer in the store (deleted since); their events are done",
			"count", len(missing), "customer_ids", missing)
	}
	return c.finish(ctx, o, work, res)
}

// changedIDs maps the customers of the claim's events to the events that
// name them: data.id for store/customer/updated, data.address.customer_id
// for an address event (data.id is the address). An event that names no
// customer of this store is failed.
func changedIDs(c *claim, events []webhooks.Event, storeHash string) map[int64][]int64 {
	byID := map[int64][]int64{}
	for _, e := range events {
		cb, reason := checkCallback(e, storeHash)
		if reason != "" {
			c.fail(e.ID, reason)
			continue
		}
		var d struct {
			Data struct {
				ID      int64 `json:"id"`
				Address struct {
					CustomerID int64 `json:"customer_id"`
				} `json:"address"`
			} `json:"data"`
		}
		json.Unmarshal(e.Payload, &d) // checkCallback validated the ids
		id := d.Data.ID
		if cb.Scope != ScopeCustomerUpdated {
			id = d.Data.Address.CustomerID
		}
		byID[id] = append(byID[id], e.ID)
	}
	return byID
}

// nightlyDeleted writes a customer_deletions row for each
// store/customer/deleted event: the customer id, deleted_at (the event's
// created_at) and the event's hash, as a labelled part named after the
// claim, so the latest-version queries leave the customer and its
// children out.
func nightlyDeleted(ctx context.Context, o NightlyOptions, wh *warehouse.Warehouse, work string, res *NightlyResult) error {
	n, err := fileCallbacks(ctx, o, wh, work, res, "customer-deleted", ScopeCustomerDeleted, warehouse.CustomerDeletions, "deleted-",
		func(e webhooks.Event, cb webhooks.Callback, started time.Time) warehouse.CustomerDeletion {
			var d struct {
				Data struct {
					ID int64 `json:"id"`
				} `json:"data"`
			}
			json.Unmarshal(e.Payload, &d) // checkCallback validated data.id
			return warehouse.CustomerDeletion{CustomerID: d.Data.ID, DeletedAt: time.Unix(cb.CreatedAt, 0).UTC(),
				Hash: cb.Hash, EventID: &e.ID, DetectedBy: warehouse.DetectedByWebhook, StoreHash: wh.StoreHash(), ExtractedAt: started}
		})
	res.Deletions += n
	return err
}
