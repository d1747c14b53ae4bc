package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// /v2/customer_groups (customers.v2.yml: getCustomerGroups,
// createCustomerGroup, getCustomerGroup, getCustomerGroupsCount).
//
// Rules:
//   - name required (1–255 characters: choice, the document gives no
//     length) and unique in the store, compared ignoring case (choice); a
//     second group of a name is 409;
//   - category_access.type all, specific or none; categories (ids) only
//     with specific, and then at least one;
//   - discount_rules: type price_list (price_list_id; "it must be the only
//     rule"), all ("you can only have a single all rule"), category
//     (category_id, method, amount) or product (product_id, method,
//     amount); method percent, fixed or price; amount "Float, Float as
//     String, Integer", answered as text with four decimals ("5.0000");
//     choice: an all rule needs method and amount too, amounts are >= 0
//     and have at most four decimals;
//   - category, product and price list ids name the store's catalog, which
//     the sandbox does not hold: any positive id is accepted (a
//     store-to-store migration must map them like group ids);
//   - is_default / is_group_for_guests: a group that takes either role
//     takes it from the group that had it (store_config.go);
//   - a field outside customerGroup_Post_Put, or of the wrong type, is
//     400 (V2 refuses bad input with 400: "Missing required data"); the
//     error body is V2's (v2.go);
//   - unknown group id: 404.
// customer_group_id on customer writes must be 0 or a group of this store
// (customers_write.go).

type groupOut struct {
	ID               int64          `json:"id"`
	Name             string         `json:"name"`
	IsDefault        bool           `json:"is_default"`
	CategoryAccess   CategoryAccess `json:"category_access"`
	DiscountRules    []DiscountRule `json:"discount_rules"`
	DateCreated      string         `json:"date_created"`
	DateModified     string         `json:"date_modified"`
	IsGroupForGuests bool           `json:"is_group_for_guests"`
}

func groupFull(g *groupRec) groupOut {
	rules := g.DiscountRules
	if rules == nil {
		rules = []DiscountRule{}
	}
	return groupOut{ID: g.ID, Name: g.Name, IsDefault: g.IsDefault, CategoryAccess: g.CategoryAccess,
		DiscountRules: rules, DateCreated: formatV2Time(g.Created), DateModified: formatV2Time(g.Modified),
		IsGroupForGuests: g.IsGroupForGuests}
}

var (
	ruleTypes   = []string{"price_list", "all", "category", "product"}
	ruleMethods = []string{"percent", "fixed", "price"}
	accessTypes = []string{"all", "specific", "none"}
)

func checkCategoryAccess(a CategoryAccess) string {
	switch {
	case !oneOf(a.Type, accessTypes):
		return "type must be all, specific or none"
	case a.Type == "specific" && len(a.Categories) == 0:
		return "categories are required with type specific"
	case a.Type != "specific" && len(a.Categories) > 0:
		return "categories are allowed only with type specific"
	}
	for _, id := range a.Categories {
		if id < 1 || id > maxInt32 {
			return "categories must be category ids"
		}
	}
	return ""
}

// normaliseRule checks one rule and writes its amount with four decimals.
func normaliseRule(d *DiscountRule) string {
	if !oneOf(d.Type, ruleTypes) {
		return "type must be one of price_list, all, category, product"
	}
	if d.Type == "price_list" {
		if d.PriceListID < 1 || d.Method != "" || d.Amount != "" || d.CategoryID != 0 || d.ProductID != 0 {
			return "a price_list rule has type and price_list_id only"
		}
		return ""
	}
	if d.PriceListID != 0 || (d.Type != "category" && d.CategoryID != 0) || (d.Type != "product" && d.ProductID != 0) {
		return "a " + d.Type + " rule has no price_list_id, and a category_id or product_id only for that type"
	}
	if (d.Type == "category" && d.CategoryID < 1) || (d.Type == "product" && d.ProductID < 1) {
		return "a " + d.Type + " rule needs " + d.Type + "_id"
	}
	if !oneOf(d.Method, ruleMethods) {
		return "method must be percent, fixed or price"
	}
	r, ok := parseDecimal(json.RawMessage(strconv.Quote(d.Amount)), true)
	if d.Amount == "" {
		ok = false
	}
	if !ok || r.Sign() < 0 || !fourDecimals(r) {
		return "amount must be a number >= 0 with at most 4 decimals"
	}
	d.Amount = r.FloatString(4)
	return ""
}

// checkRuleSet applies the rules that span rules.
func checkRuleSet(rules []DiscountRule) string {
	alls := 0
	for _, d := range rules {
		if d.Type == "price_list" && len(rules) > 1 {
			return "a price_list rule must be the only rule"
		}
		if d.Type == "all" {
			alls++
		}
	}
	if alls > 1 {
		return "only one all rule is allowed"
	}
	return ""
}

// parseGroup reads a customerGroup_Post_Put body.
func parseGroup(o *obj) Group {
	o.allow("name", "is_default", "category_access", "discount_rules", "is_group_for_guests")
	g := Group{CategoryAccess: CategoryAccess{Type: "all"}}
	g.Name, _ = o.str("name", true, 1, 255)
	g.IsDefault, _ = o.boolean("is_default")
	g.IsGroupForGuests, _ = o.boolean("is_group_for_guests")
	if o.has("category_access") {
		if a := o.decode(o.m["category_access"], o.key("category_access")); a != nil {
			a.allow("type", "categories")
			g.CategoryAccess.Type, _ = a.str("type", true, 1, 0)
			if items, ok := a.array("categories", 0); ok {
				for _, raw := range items {
					var id int64
					if json.Unmarshal(raw, &id) != nil {
						a.fail("categories", "must be an array of category ids")
						break
					}
					g.CategoryAccess.Categories = append(g.CategoryAccess.Categories, id)
				}
			}
			if _, bad := o.errs[a.key("type")]; !bad {
				if msg := checkCategoryAccess(g.CategoryAccess); msg != "" {
					o.fail("category_access", msg)
				}
			}
		}
	}
	if items, ok := o.array("discount_rules", 0); ok {
		for i, raw := range items {
			ro := o.decode(raw, o.elem("discount_rules", i))
			if ro == nil {
				continue
			}
			ro.allow("type", "method", "amount", "category_id", "product_id", "price_list_id")
			before := len(o.errs)
			var d DiscountRule
			d.Type, _ = ro.str("type", true, 1, 0)
			d.Method, _ = ro.str("method", false, 0, 0)
			if ro.has("amount") {
				if _, ok := parseDecimal(ro.m["amount"], true); ok {
					d.Amount = decimalText(ro.m["amount"])
				} else {
					ro.fail("amount", "must be a number or a string holding one")
				}
			}
			d.CategoryID, _ = ro.id("category_id", false, 1)
			d.ProductID, _ = ro.id("product_id", false, 1)
			d.PriceListID, _ = ro.id("price_list_id", false, 1)
			if len(o.errs) == before {
				if msg := normaliseRule(&d); msg != "" {
					o.errs[ro.path] = msg
				}
			}
			g.DiscountRules = append(g.DiscountRules, d)
		}
		if msg := checkRuleSet(g.DiscountRules); msg != "" {
			o.fail("discount_rules", msg)
		}
	}
	return g
}

func (s *Server) getGroups(w http.ResponseWriter, r *http.Request) {
	q := s.parseQuery(r, "page", "limit", "name", "name:like", "is_default", "is_group_for_guests",
		"date_created", "date_created:min", "date_created:max", "date_modified", "date_modified:min", "date_modified:max")
	name, hasName := q.str("name")
	like, hasLike := q.str("name:like")
	def, hasDef := q.boolParam("is_default")
	guest, hasGuest := q.boolParam("is_group_for_guests")
	dc, dm := q.dates("date_created"), q.dates("date_modified")
	p := q.pageParams(false)
	if err := q.err(); err != nil {
		failV2(w, err)
		return
	}
	like = strings.ToLower(like)
	match := func(g *groupRec) bool {
		return (!hasName || g.Name == name) && (!hasLike || strings.Contains(strings.ToLower(g.Name), like)) &&
			(!hasDef || g.IsDefault == def) && (!hasGuest || g.IsGroupForGuests == guest) &&
			dc.match(g.Created) && dm.match(g.Modified)
	}
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	page, _ := offsetPage(st.groups, match, p)
	out := make([]groupOut, len(page))
	for i, g := range page {
		out[i] = groupFull(g)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) {
	id, ok := pathIDV2(w, r, "customer_group_id")
	if !ok {
		return
	}
	st := s.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	g := st.group(id)
	if g == nil {
		writeV2Error(w, http.StatusNotFound, "Customer group "+itoa(id)+" was not found.")
		return
	}
	writeJSON(w, http.StatusOK, groupFull(g))
}

func (s *Server) countGroups(w http.ResponseWriter, r *http.Request) {
	q := s.parseQuery(r)
	if err := q.err(); err != nil {
		failV2(w, err)
		return
	}
	s.st.mu.RLock()
	n := len(s.st.groups)
	s.st.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]int{"count": n})
}

func (s *Server) postGroup(w http.ResponseWriter, r *http.Request) {
	m, err := readObject(r, http.StatusBadRequest)
	if err != nil {
		failV2(w, err)
		return
	}
	o := bodyObj(m)
	g := parseGroup(o)
	if len(o.errs) > 0 {
		failV2(w, &apiError{status: http.StatusBadRequest, title: "The customer group is not valid.", errs: o.errs})
		return
	}
	var out groupOut
	err = s.write(func(st *store) error {
		if st.groupByNameFold(g.Name) != nil {
			return &apiError{status: http.StatusConflict, title: "A customer group named " + strconv.Quote(g.Name) + " already exists."}
		}
		now := s.now().Unix()
		rec := &groupRec{Group: g, Created: now, Modified: now}
		st.insertGroup(rec)
		out = groupFull(rec)
		return nil
	})
	if err != nil {
		failV2(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// decimalText is the text of a JSON number, or of the number a JSON
// string holds.
func decimalText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(string(raw))
}

// pathIDV2 is pathID answering in the V2 error shape.
func pathIDV2(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, ok := parsePathID(r.PathValue(name))
	if !ok {
		writeV2Error(w, http.StatusNotFound, "The requested resource was not found.")
	}
	return id, ok
}
