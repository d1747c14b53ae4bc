package sandbox

import (
	"encoding/json"
	"maps"
	"math"
	"net/http"
	"unicode"
)

// POST and PUT /customers.
//
// Rules (customers.v3.yml, createCustomers/updateCustomers, customer_Post,
// customer_Put):
//   - at most 10 items per call, 413 beyond ("The maximum number of items
//     allowed in the array is 10."), nothing written;
//   - POST requires email, first_name, last_name; PUT requires id (an
//     existing customer); lengths as in the schemas;
//   - email is unique, case-insensitively, against the store and within
//     the batch ("Must be unique");
//   - inline addresses (≤10, customerAddresses_CustomerPost) and attribute
//     values (≤10, customerAttributes_Base; the attribute must exist, "must
//     be created BEFORE creating a customer", and the value must fit its
//     type);
//   - any invalid item fails the whole batch with 422 and an `errors` map
//     keyed "index.field" (writes.go); nothing is written;
//   - errors where a recording shows the real answer (Options.ErrorKeys
//     "recorded", the default; "bracketed" keeps the sandbox's earlier
//     per-item errors):
//     a POST whose emails are valid but one is in use, in the store or by
//     an earlier item of the request, fails with the single error
//     {".customer_create": "Error creating customers: email <address>
//     already in use"} naming the first such email as sent, no index
//     (bulk_create/422.json, create/422.json); choice: the validation
//     errors of the batch, if any, are answered first, as the real API
//     validates before it tries to create;
//     a PUT item with an unknown id is {"<index>.id": "invalid customer
//     ID"} (bulk_update/422.json); a PUT with an item without id is
//     answered, whatever else is wrong, 422 "JSON data is missing or
//     invalid" {"id": "error.path.missing"}, which names no item
//     (bulk_update/invalid_params_422.json);
//     choice: an email a PUT would take from another customer stays an
//     item error "<index>.email" (nothing recorded);
//   - PUT: "Subresource updates are not supported" (addresses and
//     attributes are unknown fields there), read-only fields
//     (registration_ip_address, origin_channel_id) may be sent only with
//     their current value;
//   - authentication.new_password is write-only: never returned.
// Answers: {"data":[customer_Full…],"meta":{}} in request order.

var customerPostFields = []string{"email", "first_name", "last_name", "company", "phone", "notes",
	"tax_exempt_category", "customer_group_id", "addresses", "attributes", "authentication",
	"accepts_product_review_abandoned_cart_emails", "store_credit_amounts", "origin_channel_id",
	"channel_ids", "form_fields", "trigger_account_created_notification"}

var customerPutFields = []string{"id", "email", "first_name", "last_name", "company", "phone",
	"registration_ip_address", "notes", "tax_exempt_category", "customer_group_id", "authentication",
	"accepts_product_review_abandoned_cart_emails", "store_credit_amounts", "origin_channel_id",
	"channel_ids", "form_fields"}

// custInput is one parsed item; nil pointers are fields not sent.
type custInput struct {
	path                                                  string
	id                                                    int64
	noID                                                  bool // PUT item without id
	email, first, last, company, phone, notes, taxCat, ip *string
	group, origin                                         *int64
	forceReset, accepts                                   *bool
	password                                              bool
	credit                                                []string
	creditGiven                                           bool
	channels                                              []int64
	channelsGiven                                         bool
	forms                                                 []formRec
	addrs                                                 []*addressRec
	addrForms                                             [][]formRec
	attrs                                                 []attrInline
}

type attrInline struct {
	path   string
	attrID int64
	value  string
}

func optStr(o *obj, k string, minLen, maxLen int) *string {
	if v, ok := o.str(k, false, minLen, maxLen); ok {
		return &v
	}
	return nil
}

func parseCustomer(o *obj, put bool) *custInput {
	in := &custInput{path: o.path}
	if put {
		o.allow(customerPutFields...)
		in.noID = !o.has("id")
		in.id, _ = o.id("id", true, 1)
		in.email = optStr(o, "email", 3, 255) // customer_Put: 3–255
		in.first = optStr(o, "first_name", 1, 100)
		in.last = optStr(o, "last_name", 1, 100)
		in.ip = optStr(o, "registration_ip_address", 0, 30)
	} else {
		o.allow(customerPostFields...)
		if v, ok := o.str("email", true, 3, 250); ok { // customer_Post: 3–250
			in.email = &v
		}
		if v, ok := o.str("first_name", true, 1, 100); ok {
			in.first = &v
		}
		if v, ok := o.str("last_name", true, 1, 100); ok {
			in.last = &v
		}
	}
	if in.email != nil && !validEmail(*in.email) {
		o.fail("email", "is not a valid email address")
	}
	in.company = optStr(o, "company", 0, 255)
	in.phone = optStr(o, "phone", 0, 50)
	in.notes = optStr(o, "notes", 0, 0)
	in.taxCat = optStr(o, "tax_exempt_category", 0, 255)
	if v, ok := o.id("customer_group_id", false, 0); ok {
		in.group = &v
	}
	if v, ok := o.id("origin_channel_id", false, 1); ok {
		in.origin = &v
	}
	if v, ok := o.boolean("accepts_product_review_abandoned_cart_emails"); ok {
		in.accepts = &v
	}
	o.boolean("trigger_account_created_notification") // accepted; no emails are sent
	if o.has("authentication") {
		if a := o.decode(o.m["authentication"], o.key("authentication")); a != nil {
			a.allow("force_password_reset", "new_password")
			if v, ok := a.boolean("force_password_reset"); ok {
				in.forceReset = &v
			}
			if pw, ok := a.str("new_password", false, 0, 100); ok {
				if msg := passwordProblem(pw); msg != "" {
					a.fail("new_password", msg)
				}
				in.password = true
			}
		}
	}
	if items, ok := o.array("store_credit_amounts", 0); ok {
		in.creditGiven = true
		for i, raw := range items {
			sc := o.decode(raw, o.elem("store_credit_amounts", i))
			if sc == nil {
				continue
			}
			sc.allow("amount")
			if !sc.has("amount") {
				sc.fail("amount", "must be a number >= 0")
				continue
			}
			amount, msg := creditAmount(sc.m["amount"]) // exact decimals (money.go)
			if msg != "" {
				sc.fail("amount", msg)
				continue
			}
			in.credit = append(in.credit, amount)
		}
	}
	if items, ok := o.array("channel_ids", 0); ok {
		in.channelsGiven = true
		if len(items) == 0 {
			o.fail("channel_ids", "cannot be empty: omit it or send null for global access")
		}
		for _, raw := range items {
			var n int64
			if json.Unmarshal(raw, &n) != nil || n < 1 || n > math.MaxInt32 {
				o.fail("channel_ids", "must be an array of channel ids")
				break
			}
			in.channels = append(in.channels, n)
		}
	}
	in.forms, _ = o.formFields("form_fields")
	if put {
		return in
	}
	if items, ok := o.array("addresses", maxEmbedded); ok {
		for i, raw := range items {
			ao := o.decode(raw, o.elem("addresses", i))
			if ao == nil {
				continue
			}
			a := &addressRec{AddressType: "residential"}
			forms := readAddress(ao, a, addrInline)
			checkAddress(ao, a)
			in.addrs = append(in.addrs, a)
			in.addrForms = append(in.addrForms, forms)
		}
	}
	if items, ok := o.array("attributes", maxEmbedded); ok {
		for i, raw := range items {
			ao := o.decode(raw, o.elem("attributes", i))
			if ao == nil {
				continue
			}
			ao.allow("attribute_id", "attribute_value")
			id, _ := ao.id("attribute_id", true, 1)
			if !ao.has("attribute_value") {
				ao.fail("attribute_value", "is required")
			}
			v, _ := ao.str("attribute_value", false, 0, 255)
			in.attrs = append(in.attrs, attrInline{path: ao.path, attrID: id, value: v})
		}
	}
	return in
}

// passwordProblem applies BigCommerce's default password policy (at least
// 7 characters, letters and numbers). Choice: the store setting is not
// emulated; the default is always on.
func passwordProblem(pw string) string {
	var letter, digit bool
	for _, r := range pw {
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r)
	}
	if len([]rune(pw)) < 7 || !letter || !digit {
		return "must be at least 7 characters and contain letters and numbers"
	}
	return ""
}

// checkAttrs checks inline attribute values against the definitions.
func checkAttrs(st *store, in *custInput, errs map[string]string) {
	seen := map[int64]bool{}
	for _, a := range in.attrs {
		if a.attrID == 0 {
			continue
		}
		def := st.attr(a.attrID)
		switch {
		case def == nil:
			errs[a.path+".attribute_id"] = "attribute " + itoa(a.attrID) + " does not exist"
		case seen[a.attrID]:
			errs[a.path+".attribute_id"] = "appears twice for this customer"
		default:
			if msg := attrValueOK(def.Type, a.value); msg != "" {
				errs[a.path+".attribute_value"] = msg
			}
		}
		seen[a.attrID] = true
	}
}

func (s *Server) postCustomers(w http.ResponseWriter, r *http.Request) {
	batch[*custInput, customerOut]{
		refused: "Create customers failed.",
		parse:   func(o *obj) *custInput { return parseCustomer(o, false) },
		check: func(st *store, ins []*custInput, errs map[string]string) {
			checkNewCustomers(st, ins, errs, s.recordedErrors())
		},
		apply: func(st *store, ins []*custInput) []customerOut {
			var out []customerOut
			now := s.now().Unix()
			for _, in := range ins {
				// A customer created without customer_group_id joins the
				// store's default group, if it has one ("Determines
				// whether new customers are assigned to this group by
				// default"; choice: API writes too, so a client must send
				// 0 for "no group"; evidence: none, stricter on purpose).
				c := &customerRec{Created: now, Modified: now, OriginChannel: 1, GroupID: st.defaultGroup()}
				in.apply(c)
				st.insertCustomer(c)
				for i, a := range in.addrs {
					if dupAddress(c.addrs, a) {
						continue // identical inline addresses are stored once
					}
					a.CustomerID = c.ID
					a.Forms = setForms(nil, in.addrForms[i])
					st.insertAddress(a)
				}
				for _, a := range in.attrs {
					st.insertValue(&valueRec{CustomerID: c.ID, AttrID: a.attrID, Value: a.value, Created: now, Modified: now})
				}
				out = append(out, customerFull(c, s.view(allIncludes)))
			}
			return out
		},
	}.serve(s, w, r)
}

// checkNewCustomers checks a POST against the store: inline attribute
// values name existing attributes, and emails are unique, in the store and
// within the batch. recorded answers a duplicate email as the recordings
// show: alone, as one .customer_create error (see the rules above).
func checkNewCustomers(st *store, ins []*custInput, errs map[string]string, recorded bool) {
	dups := map[string]string{} // the duplicate emails, keyed as item errors
	inBatch := map[string]string{}
	for _, in := range ins {
		if in.email != nil {
			claimEmail(st, in, st.byEmailKey(*in.email) != nil, inBatch, dups)
		}
		checkAttrs(st, in, errs)
		checkReferences(st, in, errs, true)
		for _, forms := range in.addrForms {
			checkFormValues(st.addrForm, true, forms, errs)
		}
	}
	if !recorded {
		maps.Copy(errs, dups)
		return
	}
	if len(errs) > 0 {
		return
	}
	for _, in := range ins {
		if _, dup := dups[in.path+".email"]; dup {
			errs[".customer_create"] = "Error creating customers: email " + *in.email + " already in use"
			return
		}
	}
}

// checkReferences checks what a customer item names in the store: its
// group, its channels and its form field values (they are the store's own:
// a record carried from another store must be translated first).
//   - customer_group_id must be 0 ("no group") or a group of this store
//     (groups.go): a group "must already exist" (bigcommerce-facts.md (h));
//   - every channel_ids entry, and origin_channel_id on POST, must be a
//     channel of this store that is available (store_config.go);
//   - form_fields: signup.go.
//
// The answer is the item error "<index>.customer_group_id" (or
// .channel_ids, .origin_channel_id) under the batch's title ("Create
// customers failed.", "Update customers failed."). Guess: no answer for a
// bad group or channel was recorded; this follows the recorded style of
// the other item errors ("0.id": "invalid customer ID").
func checkReferences(st *store, in *custInput, errs map[string]string, post bool) {
	if in.group != nil && *in.group != 0 && st.group(*in.group) == nil {
		errs[in.path+".customer_group_id"] = "customer group " + itoa(*in.group) + " does not exist in this store"
	}
	for _, ch := range in.channels {
		if msg := st.channelProblem(ch); msg != "" {
			errs[in.path+".channel_ids"] = msg
			break
		}
	}
	if post && in.origin != nil {
		if msg := st.channelProblem(*in.origin); msg != "" {
			errs[in.path+".origin_channel_id"] = msg
		}
	}
	checkFormValues(st.custForm, false, in.forms, errs)
}

// claimEmail enforces "Must be unique" (ignoring case, emails.go) for in's
// email: taken says another customer of the store holds it; inBatch holds
// the emails earlier items of the request claimed, by emailKey.
func claimEmail(st *store, in *custInput, taken bool, inBatch, errs map[string]string) {
	low := st.emailKey(*in.email)
	if taken {
		errs[in.path+".email"] = "The email address '" + *in.email + "' is already in use by another customer"
	} else if first, dup := inBatch[low]; dup {
		errs[in.path+".email"] = "The email address '" + *in.email + "' is already in use by item " + first + " of this request"
	} else {
		inBatch[low] = in.path
	}
}

// apply copies the fields sent onto c.
func (in *custInput) apply(c *customerRec) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Email, in.email)
	set(&c.FirstName, in.first)
	set(&c.LastName, in.last)
	set(&c.Company, in.company)
	set(&c.Phone, in.phone)
	set(&c.Notes, in.notes)
	set(&c.TaxExemptCategory, in.taxCat)
	if in.group != nil {
		c.GroupID = *in.group
	}
	if in.origin != nil {
		c.OriginChannel = *in.origin
	}
	if in.accepts != nil {
		c.Accepts = *in.accepts
	}
	if in.forceReset != nil {
		c.ForceReset = *in.forceReset
	}
	if in.password {
		c.HasPassword = true
	}
	if in.creditGiven {
		c.Credits, c.Credit = in.credit, nil
	}
	if in.channelsGiven {
		c.Channels = in.channels
	}
	if in.forms != nil {
		c.Forms = setForms(c.Forms, in.forms)
	}
}

func (s *Server) putCustomers(w http.ResponseWriter, r *http.Request) {
	batch[*custInput, customerOut]{
		refused: "Update customers failed.",
		parse:   func(o *obj) *custInput { return parseCustomer(o, true) },
		reject: func(ins []*custInput) *apiError {
			if !s.recordedErrors() {
				return nil // "[i].id": "is required" among the item errors
			}
			for _, in := range ins {
				if in.noID {
					return unprocessable("JSON data is missing or invalid", map[string]string{"id": "error.path.missing"})
				}
			}
			return nil
		},
		check: func(st *store, ins []*custInput, errs map[string]string) {
			checkCustomerUpdates(st, ins, errs, s.recordedErrors())
		},
		apply: func(st *store, ins []*custInput) []customerOut {
			var out []customerOut
			now := s.now().Unix()
			// Two passes so that emails swapped within the batch never
			// collide in the index.
			for _, in := range ins {
				delete(st.byEmail, st.emailKey(st.customer(in.id).Email))
			}
			for _, in := range ins {
				c := st.customer(in.id)
				oldForms := len(c.Forms)
				in.apply(c)
				c.Modified = max(now, c.Created)
				st.byEmail[st.emailKey(c.Email)] = c
				st.customerChanged(c, c.Email, oldForms) // index already updated
			}
			for _, in := range ins {
				out = append(out, customerFull(st.customer(in.id), s.view(allIncludes)))
			}
			return out
		},
	}.serve(s, w, r)
}

// checkCustomerUpdates checks a PUT against the store: the customers exist,
// once each; read-only fields keep their value; emails stay unique, where
// an email this batch moves away from another customer counts as free.
// recorded words an unknown id as the recording does.
func checkCustomerUpdates(st *store, ins []*custInput, errs map[string]string, recorded bool) {
	seenID := map[int64]string{}
	changing := map[int64]bool{} // customers whose email this batch changes
	for _, in := range ins {
		if c := st.customer(in.id); c != nil && in.email != nil && st.emailKey(c.Email) != st.emailKey(*in.email) {
			changing[c.ID] = true
		}
	}
	inBatch := map[string]string{}
	for _, in := range ins {
		if in.id == 0 {
			continue
		}
		c := st.customer(in.id)
		if c == nil {
			errs[in.path+".id"] = "customer " + itoa(in.id) + " does not exist"
			if recorded {
				errs[in.path+".id"] = "invalid customer ID"
			}
			continue
		}
		if first, dup := seenID[in.id]; dup {
			errs[in.path+".id"] = "customer " + itoa(in.id) + " is already updated by item " + first
			continue
		}
		seenID[in.id] = in.path
		checkReferences(st, in, errs, false)
		if in.ip != nil && *in.ip != c.RegistrationIP {
			errs[in.path+".registration_ip_address"] = "is read-only"
		}
		if in.origin != nil && *in.origin != c.OriginChannel {
			errs[in.path+".origin_channel_id"] = "is read-only: set when the customer is created"
		}
		if in.email != nil {
			owner := st.byEmailKey(*in.email)
			claimEmail(st, in, owner != nil && owner.ID != c.ID && !changing[owner.ID], inBatch, errs)
		}
	}
}
