package load

import (
	"errors"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// A batch write is all or nothing: one invalid item fails the other nine
// with it. What the 422 says decides how many requests it costs to load
// the valid ones and reject the invalid ones with the API's reason.
//
// The errors map names items by their index in the request, in two
// spellings: recorded answers of the real API write `0.email` and
// `3.addresses.1.state_or_province` (bigcommerce-facts (h)); the
// sandbox's earlier answers, and perhaps other versions of the API,
// `[0].email` and `[3].addresses[1].state_or_province`. Both are read as
// the same path: item 3, its inline address 1, the field
// state_or_province. Form fields nest likewise (`0.form_fields.2.value`,
// `0.addresses.1.form_fields.0.name`) and so do inline attribute values
// (`0.attributes.2.attribute_value`). A duplicate email on POST /customers
// names no index at all: `{".customer_create": "Error creating customers:
// email <address> already in use"}`, and only the first such email.

// fieldError is one entry of a refusal's errors map, read as a path.
type fieldError struct {
	item  int    // the index in the request of the item it names; -1 for none
	child string // "addresses", "attributes" or "form_fields" when it names an inline child
	ci    int    // that child's index
	form  int    // the index of an address child's form field (addresses.j.form_fields.k); -1 otherwise
	field string // the field at the end of the path, e.g. "state_or_province"
	path  string // the key without the item index: "addresses.1.state_or_province"
	msg   string
}

// children that a request item may carry, as error paths name them.
const (
	childAddresses  = "addresses"
	childAttributes = "attributes"
	childForms      = "form_fields"
)

// parseKey reads an error key. Separators are dots and brackets, so the
// recorded and the bracketed spelling give the same segments.
func parseKey(key, msg string, n int) fieldError {
	seg := strings.FieldsFunc(key, func(r rune) bool { return r == '.' || r == '[' || r == ']' })
	fe := fieldError{item: -1, ci: -1, form: -1, path: key, msg: msg}
	if len(seg) == 0 {
		return fe
	}
	i, err := strconv.Atoi(seg[0])
	if err != nil || i < 0 || i >= n || !strings.HasPrefix(strings.TrimPrefix(key, "["), seg[0]) {
		return fe // names no item of this request: ".customer_create", "id", "body"
	}
	fe.item, seg = i, seg[1:]
	fe.path = strings.Join(seg, ".")
	if len(seg) >= 2 {
		if j, err := strconv.Atoi(seg[1]); err == nil && j >= 0 {
			switch seg[0] {
			case childAddresses, childAttributes, childForms:
				fe.child, fe.ci, seg = seg[0], j, seg[2:]
				if fe.child == childAddresses && len(seg) >= 2 && seg[0] == childForms {
					if k, err := strconv.Atoi(seg[1]); err == nil && k >= 0 {
						fe.form, seg = k, seg[2:]
					}
				}
			}
		}
	}
	fe.field = strings.Join(seg, ".")
	return fe
}

// refusal is a refused write read for what it says about each item.
type refusal struct {
	er    *bigcommerce.ErrorResponse
	items map[int][]fieldError // by the index of the item they name, sorted by path
	other []fieldError         // errors that name no item of the request
}

// refused returns the refusal err is, or nil when err is not a refusal
// (the request failed rather than its items being refused). A 413 is a
// refusal too: batches never exceed the documented item counts, so it
// means the body is too large for the server, and splitting it isolates
// the record that makes it so (a 10 MB note) while its neighbours load.
func refused(err error, n int) *refusal {
	var er *bigcommerce.ErrorResponse
	if !errors.As(err, &er) {
		return nil
	}
	switch er.StatusCode {
	case http.StatusUnprocessableEntity, http.StatusConflict, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
	default:
		return nil
	}
	r := &refusal{er: er, items: map[int][]fieldError{}}
	for k, msg := range er.Body.Errors {
		fe := parseKey(k, msg, n)
		if fe.item < 0 {
			r.other = append(r.other, fe)
		} else {
			r.items[fe.item] = append(r.items[fe.item], fe)
		}
	}
	for _, fes := range r.items {
		sort.Slice(fes, func(a, b int) bool { return fes[a].path < fes[b].path })
	}
	sort.Slice(r.other, func(a, b int) bool { return r.other[a].path < r.other[b].path })
	return r
}

// tooLarge reports a 413: about the body's size, never about its content.
func (r *refusal) tooLarge() bool { return r.er.StatusCode == http.StatusRequestEntityTooLarge }

var duplicateEmail = regexp.MustCompile(`(?i)\bemail\s+(\S+@\S+)\s+already in use`)

// duplicateEmail is the email a recorded duplicate refusal names
// (`.customer_create`: "Error creating customers: email <address> already
// in use"), or "".
func (r *refusal) duplicateEmail() string {
	for _, fe := range r.other {
		if m := duplicateEmail.FindStringSubmatch(fe.msg); m != nil {
			return m[1]
		}
	}
	return ""
}

// mayBeExisting reports whether the refusal may be about emails the target
// already has, which a look-up settles: a `.customer_create` error (the
// recorded duplicate, or the documented example, which names nothing), an
// error on an item's email, or errors that name no item. Validation
// errors on other fields cost no look-up.
func (r *refusal) mayBeExisting() bool {
	if len(r.items) == 0 {
		return true
	}
	for _, fe := range r.other {
		if strings.Contains(fe.path, "customer_create") {
			return true
		}
	}
	for _, fes := range r.items {
		for _, fe := range fes {
			if fe.child == "" && fe.field == "email" {
				return true
			}
		}
	}
	return false
}

// whole is the refusal's text for a record it does not name item by item:
// its title and every error.
func (r *refusal) whole() string {
	if r.tooLarge() {
		return "the record alone is larger than the API accepts in one request (" + r.er.Error() + "); shorten its longest fields"
	}
	var parts []string
	if r.er.Body.Title != "" {
		parts = append(parts, r.er.Body.Title)
	}
	parts = append(parts, r.er.FieldErrors()...)
	if len(parts) == 0 {
		return r.er.Error()
	}
	return strings.Join(parts, "; ")
}

// reason is why item i was refused: the errors that name it, each as its
// path below the item and the API's message ("first_name: must be …"),
// or, when none does (the item was alone in the request), the whole
// refusal.
func (r *refusal) reason(i int) string {
	fes := r.items[i]
	if len(fes) == 0 || r.tooLarge() {
		return r.whole()
	}
	parts := make([]string, len(fes))
	for j, fe := range fes {
		parts[j] = fe.path + ": " + fe.msg
	}
	return strings.Join(parts, "; ")
}

// childReason is the message of a rejected inline child: its own field
// and the API's message.
func (fe fieldError) childReason() string {
	if fe.field == "" {
		return fe.msg
	}
	return fe.field + ": " + fe.msg
}

// formErrors splits the errors naming one item into those that name one
// of its own form fields (by index into list, for an item whose form
// fields are list) and the rest. ok is false when an error names a form
// field the item does not have.
func formErrors(fes []fieldError, list int) (forms map[int]fieldError, rest []fieldError, ok bool) {
	forms = map[int]fieldError{}
	for _, fe := range fes {
		if fe.child != childForms {
			rest = append(rest, fe)
			continue
		}
		if fe.ci >= list {
			return nil, nil, false
		}
		if _, dup := forms[fe.ci]; !dup {
			forms[fe.ci] = fe
		}
	}
	return forms, rest, true
}

// invalid returns the API's answer when err is a refusal (see refused),
// else nil.
func invalid(err error) *bigcommerce.ErrorResponse {
	if r := refused(err, 0); r != nil {
		return r.er
	}
	return nil
}

// dropRefusedForms applies to an item that carries the form fields forms
// the errors of a refusal that name it (item i): when they all name form
// fields it has, those are rejected (outs) and kept is the rest, to send
// the item again with; ok is false when any error is about the item
// itself.
// A refused name (the error's field is name) is learned (learnForm): its
// values are not sent again.
func (l *loader) dropRefusedForms(forms []formItem, address bool, r *refusal, i int) (kept []formItem, outs []outcome, ok bool) {
	bad, rest, ok := formErrors(r.items[i], len(forms))
	if !ok || len(rest) > 0 || len(bad) == 0 || r.tooLarge() {
		return nil, nil, false
	}
	for j, f := range forms {
		if fe, refused := bad[j]; refused {
			if fe.field == "name" {
				fe = l.learnForm(address, f.f.Name, fe)
			}
			outs = append(outs, outcome{entity: staging.EntityFormFieldValues, key: f.f.SourceKey, status: staging.StatusRejected, http: r.er.StatusCode, message: fe.childReason()})
		} else {
			kept = append(kept, f)
		}
	}
	return kept, outs, true
}
