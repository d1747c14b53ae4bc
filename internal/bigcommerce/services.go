package bigcommerce

import (
	"context"
	"iter"
	"net/http"
	"net/url"
)

// list GETs one page of a collection.
func list[T any](ctx context.Context, c *Client, path string, q url.Values) ([]T, *Response, error) {
	var out []T
	resp, err := c.do(ctx, request{method: http.MethodGet, path: path, query: q}, &out)
	return out, resp, err
}

// write sends a batch to a collection endpoint, refusing batches over the
// documented maximum before any request is made.
func write[T any](ctx context.Context, c *Client, method, path string, items any, n, max int) ([]T, *Response, error) {
	if n == 0 {
		return nil, nil, nil
	}
	if n > max {
		return nil, nil, &BatchTooLargeError{Endpoint: method + " /" + path, Items: n, Max: max}
	}
	body, err := marshalBody(items)
	if err != nil {
		return nil, nil, err
	}
	var out []T
	resp, err := c.do(ctx, request{method: method, path: path, body: body}, &out)
	return out, resp, err
}

// del deletes by id:in. The API answers 204 and deletes nothing when id:in
// is missing, so an empty list is refused here rather than sent.
func del(ctx context.Context, c *Client, path string, ids []int64) (*Response, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q := url.Values{}
	setInts(q, "id:in", ids)
	return c.do(ctx, request{method: http.MethodDelete, path: path, query: q}, nil)
}

// pageFunc fetches one page given paging options.
type pageFunc[T any] func(ctx context.Context, lo ListOptions) ([]T, *Response, error)

// allPages walks every page from start, by cursor when the endpoint returns
// cursors (stable while the collection changes) and by page number
// otherwise. It copies start, so the caller's options are not changed.
func allPages[T any](ctx context.Context, start ListOptions, fetch pageFunc[T]) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		lo := start
		for {
			items, resp, err := fetch(ctx, lo)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(items, nil) {
				return
			}
			if resp == nil || len(items) == 0 {
				return
			}
			if resp.Meta.CursorPagination != nil {
				next := resp.NextCursor()
				if next == "" {
					return
				}
				lo.After, lo.Before, lo.Page = next, "", 0
				continue
			}
			next := resp.NextPage()
			if next == 0 {
				return
			}
			lo.Page = next
		}
	}
}

// flatten turns a page iterator into an item iterator.
func flatten[T any](pages iter.Seq2[[]T, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for page, err := range pages {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range page {
				if !yield(it, nil) {
					return
				}
			}
		}
	}
}

// one sends a single-object write whose answer is {data: object, meta}.
func one[T any](ctx context.Context, c *Client, method, path string, item any) (T, *Response, error) {
	var out T
	body, err := marshalBody(item)
	if err != nil {
		return out, nil, err
	}
	resp, err := c.do(ctx, request{method: method, path: path, body: body}, &out)
	return out, resp, err
}
