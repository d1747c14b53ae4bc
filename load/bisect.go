package load

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/bcetl/bcetl/internal/bigcommerce"
)

// A batch write is all or nothing: one invalid item fails the other nine
// with it. isolate finds the invalid ones so that the valid ones still load
// and each invalid one is recorded with the API's own message.
//
// When the error map names items by index ("[3].email"), the named items
// are set apart and the others are sent again at once: one extra request
// for the whole batch. When it does not (the documented example only says
// ".customer_create"), the batch is cut in halves until every failing item
// stands alone: at most 2·log2(10) ≈ 7 extra requests per invalid item.

// invalid returns the API error when err says the items were refused as
// invalid (as opposed to the request failing), else nil. A 413 is such a
// refusal too: batches never exceed the documented item counts, so it
// means the body is too large for the server, and splitting it isolates
// the record that makes it so (a 10 MB note) while its neighbours load.
func invalid(err error) *bigcommerce.ErrorResponse {
	var er *bigcommerce.ErrorResponse
	if !errors.As(err, &er) {
		return nil
	}
	switch er.StatusCode {
	case http.StatusUnprocessableEntity, http.StatusConflict, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		return er
	}
	return nil
}

var itemIndex = regexp.MustCompile(`^\[(\d+)\]`)

// namedItems returns the item indices the error map names, sorted.
func namedItems(er *bigcommerce.ErrorResponse, n int) []int {
	seen := map[int]bool{}
	for k := range er.Body.Errors {
		m := itemIndex.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		i, err := strconv.Atoi(m[1])
		if err == nil && i >= 0 && i < n {
			seen[i] = true
		}
	}
	out := make([]int, 0, len(seen))
	for i := range seen {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// split divides a refused batch: the items the errors name and the rest, or
// two halves when the names do not help.
func split[T any](items []T, er *bigcommerce.ErrorResponse) (first, second []T) {
	named := namedItems(er, len(items))
	if len(named) > 0 && len(named) < len(items) {
		is := map[int]bool{}
		for _, i := range named {
			is[i] = true
		}
		for i, it := range items {
			if is[i] {
				second = append(second, it)
			} else {
				first = append(first, it)
			}
		}
		return first, second // the presumably valid ones go first
	}
	h := len(items) / 2
	return items[:h:h], items[h:]
}

// itemMessage is the API's reason for refusing item i (the error entries
// that name it, without the index prefix), or the whole error's text.
func itemMessage(er *bigcommerce.ErrorResponse, i int) string {
	if er.StatusCode == http.StatusRequestEntityTooLarge {
		return "the record alone is larger than the API accepts in one request (" + er.Error() + "); shorten its longest fields"
	}
	prefix := "[" + strconv.Itoa(i) + "]"
	var parts []string
	for _, fe := range er.FieldErrors() {
		if rest, ok := strings.CutPrefix(fe, prefix); ok {
			parts = append(parts, strings.TrimPrefix(rest, "."))
		}
	}
	if len(parts) == 0 {
		if er.Body.Title != "" {
			parts = append(parts, er.Body.Title)
		}
		parts = append(parts, er.FieldErrors()...)
		if len(parts) == 0 {
			return er.Error()
		}
	}
	return strings.Join(parts, "; ")
}

// isolate sends items; on a refusal it splits them and tries each part,
// until reject is called for each item that fails alone. send must record
// successes itself and return the refusal untouched.
func isolate[T any](ctx context.Context, items []T, send func(context.Context, []T) error,
	reject func(item T, er *bigcommerce.ErrorResponse) error) error {
	err := send(ctx, items)
	er := invalid(err)
	if er == nil {
		return err
	}
	if len(items) == 1 {
		return reject(items[0], er)
	}
	a, b := split(items, er)
	for _, part := range [][]T{a, b} {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := isolate(ctx, part, send, reject); err != nil {
			return err
		}
	}
	return nil
}
