package load

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/bcetl/bcetl/internal/bigcommerce"
	"github.com/bcetl/bcetl/internal/staging"
)

// Store to store: what a record names in its source store — a customer
// group, channels, form field names, a state's spelling — means nothing,
// or something else, in the target. Nothing travels as a number: before
// the customers are sent the loader reads the target's own groups,
// channels and (given its storefront) form fields, and every customer is
// translated on its way out (mapCustomer, mapAddress, formRefusal). What
// cannot be translated is rejected before any request, with a reason that
// says how to fix it; the customer still loads when only a child is at
// fault (a form field value, an address).
//
//   - Groups: by name (customer_group_name, else the name
//     customer_groups.parquet gives the source's id), to the target's
//     group of that name, which the group step created if it was missing
//     (groupStep). A file source's bare customer_group_id (no name, no
//     group row) is the user's own statement of a target group: used when
//     the target has it. A group that cannot be had rejects its customers,
//     or gives them the target's default group (MissingGroupDefault).
//   - Channels: Options.ChannelMap, else the same id when the target has
//     that channel, else the customer is rejected naming the channel.
//   - Form fields: with the target's storefront, values of a name its form
//     lacks are rejected before sending; without it, the first refusal of
//     a name teaches it (one wasted request per name, not per record, and
//     the state file remembers it for the next run).
//   - States: states.go.

// Missing-group policies (Options.MissingGroup).
const (
	MissingGroupReject  = "reject"  // the customer is rejected, naming the group
	MissingGroupDefault = "default" // the customer gets the target's default group (none when it has none)
)

// targetMap is the target's side of every mapping, read once per run.
type targetMap struct {
	mu sync.Mutex

	target       []bigcommerce.CustomerGroup // the target's groups, as read at the start
	haveGroups   bool                        // target was read
	groups       map[string]int64            // lower-case name → target group id (after the group step)
	groupBad     map[string]string           // lower-case name → why customers of it cannot have it
	groupIDs     map[int64]bool              // the target's group ids
	defaultGroup int64
	srcGroups    map[int64]string // source group id → name (customer_groups.parquet)

	channels map[int64]bigcommerce.Channel // the target's, by id

	// custFields and addrFields are the custom field names of the
	// target's forms; nil when its storefront was not given.
	custFields, addrFields map[string]bool
	learned                map[string]string // formKey → why its values are not sent

	states map[string]*countryStates // by country code (states.go)
}

func formKey(address bool, name string) string {
	if address {
		return "address\x00" + name
	}
	return "customer\x00" + name
}

// readTarget reads what the mappings need from the target: its groups,
// its channels and, with a storefront, its forms; and the names earlier
// runs learned were not in its forms.
func (l *loader) readTarget(ctx context.Context) error {
	tm := &targetMap{groups: map[string]int64{}, groupBad: map[string]string{}, groupIDs: map[int64]bool{},
		srcGroups: map[int64]string{}, channels: map[int64]bigcommerce.Channel{}, learned: map[string]string{},
		states: map[string]*countryStates{}}
	l.tm = tm
	// Each list is read only when the input names what it holds, so a
	// load of a file source without groups or channels costs nothing more.
	needs, err := l.mappingNeeds(ctx)
	if err != nil {
		return err
	}
	if needs.groups {
		if tm.target, err = l.targetGroups(ctx); err != nil {
			return err
		}
		tm.haveGroups = true
	}
	for _, g := range tm.target {
		tm.groupIDs[g.ID] = true
		if g.IsDefault {
			tm.defaultGroup = g.ID
		}
	}
	if needs.channels {
		l.count(epGetChannels, 0)
		for ch, err := range l.c.Channels.All(ctx, bigcommerce.ChannelListOptions{}) {
			if err != nil {
				return fmt.Errorf("reading the target's channels: %w", err)
			}
			tm.channels[ch.ID] = ch
		}
	}
	if sf := l.opts.Storefront; sf != nil {
		ff, err := sf.FormFields(ctx)
		if err != nil {
			return fmt.Errorf("reading the target's form fields from its storefront %s: %w", sf.URL(), err)
		}
		tm.custFields, tm.addrFields = setOf(ff.CustomerFieldNames()), setOf(ff.AddressFieldNames())
	}
	rows, err := l.srcRows(ctx, `SELECT seq, key, cust, ref, data FROM src WHERE entity = ?`, ent(staging.EntityCustomerGroups))
	if err != nil {
		return err
	}
	for _, r := range rows {
		g, err := decode[staging.CustomerGroup](r)
		if err != nil {
			return err
		}
		if g.ID != nil {
			tm.srcGroups[*g.ID] = g.Name
		}
	}
	q, err := l.st.db.QueryContext(ctx, `SELECT key, value FROM meta WHERE key LIKE 'unknown_form_field:%'`)
	if err != nil {
		return err
	}
	defer q.Close()
	for q.Next() {
		var k, v string
		if err := q.Scan(&k, &v); err != nil {
			return err
		}
		tm.learned[strings.TrimPrefix(k, "unknown_form_field:")] = v
	}
	return q.Err()
}

// mappingNeeds says which of the target's lists the input needs.
type needs struct{ groups, channels bool }

func (l *loader) mappingNeeds(ctx context.Context) (needs, error) {
	var n needs
	err := l.st.db.QueryRowContext(ctx, `SELECT
		EXISTS(SELECT 1 FROM src WHERE entity = ?1) OR EXISTS(SELECT 1 FROM src WHERE entity = ?2 AND
			(coalesce(json_extract(data, '$.gid'), 0) != 0 OR json_extract(data, '$.gn') IS NOT NULL)),
		EXISTS(SELECT 1 FROM src WHERE (entity = ?2 AND (json_extract(data, '$.ch') IS NOT NULL OR
			json_extract(data, '$.oc') IS NOT NULL)) OR (entity = ?3 AND coalesce(json_extract(data, '$.ChannelID'), 0) != 0))`,
		ent(staging.EntityCustomerGroups), ent(staging.EntityCustomers), ent(staging.EntitySubscribers)).Scan(&n.groups, &n.channels)
	return n, err
}

func setOf(names []string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

func (l *loader) targetGroups(ctx context.Context) ([]bigcommerce.CustomerGroup, error) {
	l.count(epGetGroups, 0)
	var out []bigcommerce.CustomerGroup
	for g, err := range l.c.CustomerGroups.All(ctx, bigcommerce.CustomerGroupListOptions{}) {
		if err != nil {
			return nil, fmt.Errorf("reading the target's customer groups: %w", err)
		}
		out = append(out, g)
	}
	return out, nil
}

// groupName is the name of a customer's source group ("" for none known).
func (tm *targetMap) groupName(c *staging.Customer) string {
	if c.CustomerGroupName != "" {
		return c.CustomerGroupName
	}
	if c.CustomerGroupID != nil {
		return tm.srcGroups[*c.CustomerGroupID]
	}
	return ""
}

// mapCustomer translates a customer's group and channels into the
// target's, or says why it cannot be sent.
func (l *loader) mapCustomer(c *staging.Customer) (reject string) {
	tm := l.tm
	if tm == nil {
		return "" // settling a previous input's writes: looked up, not sent
	}
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if name := tm.groupName(c); name != "" {
		id, ok := tm.groups[strings.ToLower(name)]
		if !ok {
			why := tm.groupBad[strings.ToLower(name)]
			if why == "" {
				why = "the target store has no customer group named " + strconv.Quote(name)
			}
			if l.opts.MissingGroup != MissingGroupDefault {
				return "customer_group_name " + strconv.Quote(name) + ": " + why + " (--missing-group=default gives such customers the target's default group)"
			}
			id = tm.defaultGroup
		}
		c.CustomerGroupID = &id
	} else if c.CustomerGroupID != nil && *c.CustomerGroupID != 0 {
		id := *c.CustomerGroupID
		switch {
		case l.srcKind != sourceKindStore && tm.groupIDs[id]:
			// A file source's own statement of a target group.
		case l.opts.MissingGroup == MissingGroupDefault:
			c.CustomerGroupID = &tm.defaultGroup
		case l.srcKind == sourceKindStore:
			return fmt.Sprintf("customer_group_id %d: the source store has no such group (customer_groups.parquet), so it cannot be found by name in the target", id)
		default:
			return fmt.Sprintf("customer_group_id %d is not a customer group of the target store: give the group's name (customer_group_name) to have it mapped or created", id)
		}
	}
	mapped := make([]int64, 0, len(c.ChannelIDs))
	for _, ch := range c.ChannelIDs {
		id, why := tm.channel(ch, l.opts.ChannelMap)
		if why != "" {
			return "channel_ids: " + why
		}
		if !slices.Contains(mapped, id) {
			mapped = append(mapped, id)
		}
	}
	if len(c.ChannelIDs) > 0 {
		c.ChannelIDs = mapped
	}
	if c.OriginChannelID != nil {
		id, why := tm.channel(*c.OriginChannelID, l.opts.ChannelMap)
		if why != "" {
			return "origin_channel_id: " + why
		}
		c.OriginChannelID = &id
	}
	return ""
}

// channel maps a source channel id to the target's (the map, else the
// same id), or says why it cannot.
func (tm *targetMap) channel(src int64, m map[int64]int64) (int64, string) {
	dst, mapped := m[src]
	if !mapped {
		dst = src
	}
	ch, ok := tm.channels[dst]
	switch {
	case !ok && mapped:
		return 0, fmt.Sprintf("--channel-map sends source channel %d to %d, which is not a channel of the target store", src, dst)
	case !ok:
		return 0, fmt.Sprintf("source channel %d is not a channel of the target store: map it with --channel-map %d=TARGET_CHANNEL_ID", src, src)
	case !ch.Available():
		return 0, fmt.Sprintf("target channel %d (%s) is %s: customers cannot be assigned to it", dst, ch.Name, ch.Status)
	}
	return dst, ""
}

// formRefusal says why values of a form field name are not sent ("" when
// they are): the target's form lacks it, as its storefront says or as a
// refusal taught.
func (l *loader) formRefusal(address bool, name string) string {
	tm := l.tm
	if tm == nil {
		return ""
	}
	which, fields := "sign-up", tm.custFields
	if address {
		which, fields = "address", tm.addrFields
	}
	if fields != nil && !fields[name] {
		return fmt.Sprintf("name: the target store's %s form has no field %q (its storefront's form fields): create the field in the target first", which, name)
	}
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.learned[formKey(address, name)]
}

// learnForm records that the target refused a form field name (the
// refusal's error fe): its values are not sent again, in this run or the
// next. It returns fe with the message every value of the name is
// rejected with.
func (l *loader) learnForm(address bool, name string, fe fieldError) fieldError {
	tm := l.tm
	if tm == nil {
		return fe
	}
	apiMsg := fe.msg
	which := "sign-up"
	if address {
		which = "address"
	}
	k := formKey(address, name)
	tm.mu.Lock()
	_, known := tm.learned[k]
	msg := fmt.Sprintf("name: the target store refused the %s form field %q (%s): create the field in the target first", which, name, apiMsg)
	if !known {
		tm.learned[k] = msg
	}
	tm.mu.Unlock()
	if !known {
		l.log.Warn("the target's form lacks a field: its values are rejected without being sent", "form", which, "name", name)
		if err := l.st.setMeta(context.Background(), "unknown_form_field:"+k, msg); err != nil {
			l.log.Warn("could not remember the unknown form field", "err", err)
		}
	}
	fe.field, fe.msg = "", l.formRefusal(address, name)
	return fe
}

// formOutcome is the rejection of a value whose name the target's form
// lacks (nil when it can be sent).
func (l *loader) formOutcome(address bool, f formItem) *outcome {
	if why := l.formRefusal(address, f.f.Name); why != "" {
		return &outcome{entity: staging.EntityFormFieldValues, key: f.f.SourceKey, status: staging.StatusRejected, message: why}
	}
	return nil
}

// planMappingRequests adds to r the requests of the store-to-store
// steps: the target's lists the input needs (groups, channels, two per
// country whose addresses give a state: the country and its states), the
// groups to create, the metafield batches, one POST per subscriber and,
// with WithConsent, one PUT per declaration.
func (l *loader) planMappingRequests(ctx context.Context, r map[string]int64) error {
	n, err := l.mappingNeeds(ctx)
	if err != nil {
		return err
	}
	if n.groups {
		r[epGetGroups] = 1
	}
	if n.channels {
		r[epGetChannels] = 1
	}
	var countries, groups, metas, subs, consents int64
	err = l.st.db.QueryRowContext(ctx, `SELECT
		(SELECT count(DISTINCT json_extract(data, '$.cc')) FROM src WHERE entity = ?1 AND json_extract(data, '$.st') IS NOT NULL),
		(SELECT count(*) FROM src WHERE entity = ?2), (SELECT count(*) FROM src WHERE entity = ?3),
		(SELECT count(*) FROM src WHERE entity = ?4), (SELECT count(*) FROM src WHERE entity = ?5)`,
		ent(staging.EntityAddresses), ent(staging.EntityCustomerGroups), ent(staging.EntityMetafields), ent(staging.EntitySubscribers), ent(staging.EntityConsents)).
		Scan(&countries, &groups, &metas, &subs, &consents)
	if err != nil {
		return err
	}
	r[epGetGeography] = 2 * countries
	if l.tm != nil && l.tm.haveGroups {
		groups = int64(len(l.groupNamesToCreate(ctx)))
	}
	if l.opts.CreateGroups == nil || *l.opts.CreateGroups {
		r[epPostGroups] = groups
	}
	r[epPostMetafields] = ceilDiv(metas, bigcommerce.MaxMetafieldsPerCall)
	r[epPostSubscribers] = subs
	if l.opts.WithConsent {
		r[epPutConsent] = consents
	}
	return nil
}

// groupNamesToCreate are the input's groups the target does not have.
func (l *loader) groupNamesToCreate(ctx context.Context) []string {
	have := map[string]bool{}
	for _, g := range l.tm.target {
		have[strings.ToLower(g.Name)] = true
	}
	var out []string
	rows, err := l.st.db.QueryContext(ctx, `SELECT DISTINCT ref FROM src WHERE entity = ? ORDER BY ref`, ent(staging.EntityCustomerGroups))
	if err != nil {
		return nil
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil && !have[n] {
			out = append(out, n)
		}
	}
	return out
}

// pruneForms drops, just before a request is built, the values whose
// names a refusal has taught meanwhile (the items were read before it
// came), and returns their rejections.
func (l *loader) pruneForms(forms []formItem, address bool) ([]formItem, []outcome) {
	var outs []outcome
	kept := forms[:0:0]
	for _, f := range forms {
		if o := l.formOutcome(address, f); o != nil {
			outs = append(outs, *o)
			continue
		}
		kept = append(kept, f)
	}
	return kept, outs
}

// pruneItem is pruneForms for a customer and its inline addresses.
func (l *loader) pruneItem(it *custItem) []outcome {
	var outs, o []outcome
	it.forms, outs = l.pruneForms(it.forms, false)
	for _, a := range it.inAddrs {
		a.forms, o = l.pruneForms(a.forms, true)
		outs = append(outs, o...)
	}
	return outs
}
