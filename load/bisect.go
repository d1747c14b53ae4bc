package load

import (
	"context"
)

// isolate sends items; when the API refuses them it sets apart what the
// refusal names and sends the rest again, so the valid items still load
// and each invalid one is recorded with the API's own reason:
//
//   - errors that name items by index (`0.email`, `[3].addresses[1].x`):
//     each named item goes to reject, which records it (or the children
//     its errors name, and keeps the item without them), and everything
//     else, with the items reject kept, is sent again in one request — one
//     extra request per refusal, whatever the number of invalid items;
//   - errors that name nothing (a 413, or a message about the whole
//     batch): the batch is cut in halves until every failing item stands
//     alone, at most 2·log2(10) ≈ 7 extra requests per invalid item; an
//     item refused alone goes to reject with the whole refusal.
//
// send must record successes itself and return the refusal untouched.
// reject returns keep=true only for an item it changed (a child dropped),
// so the loop always makes progress.
func isolate[T any](ctx context.Context, items []T, send func(context.Context, []T) error,
	reject func(item T, r *refusal, i int) (fixed T, keep bool, err error)) error {
	err := send(ctx, items)
	r := refused(err, len(items))
	if r == nil {
		return err
	}
	if named := r.named(); len(named) > 0 {
		var rest []T
		for i, it := range items {
			if _, ok := r.items[i]; !ok {
				rest = append(rest, it)
				continue
			}
			fixed, keep, err := reject(it, r, i)
			if err != nil {
				return err
			}
			if keep {
				rest = append(rest, fixed)
			}
		}
		if len(rest) == 0 || ctx.Err() != nil {
			return ctx.Err()
		}
		return isolate(ctx, rest, send, reject)
	}
	if len(items) == 1 {
		fixed, keep, err := reject(items[0], r, 0)
		if err != nil || !keep {
			return err
		}
		return isolate(ctx, []T{fixed}, send, reject)
	}
	h := len(items) / 2
	for _, part := range [][]T{items[:h:h], items[h:]} {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := isolate(ctx, part, send, reject); err != nil {
			return err
		}
	}
	return nil
}

// rejectAll is a reject for isolate that records every refused item and
// keeps none.
func rejectAll[T any](record func(item T, r *refusal, i int) error) func(T, *refusal, int) (T, bool, error) {
	return func(it T, r *refusal, i int) (T, bool, error) {
		return it, false, record(it, r, i)
	}
}
