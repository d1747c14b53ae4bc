package webhooks

// Voucherify project webhooks. The envelope is
// {id, project_id, created_at, type, data, source?, event?}
// (voucherify-openapi introduction-to-webhooks.mdx); for customer.created,
// data.customer is a Customer object as in the seed (id, source_id, name,
// email, address{…}, metadata, birthdate, plus read-only summary fields).

// VoucherifyCustomerCreated is the only Voucherify event type spooled.
const VoucherifyCustomerCreated = "customer.created"

// voucherifyEvent is what the receiver needs from a validated event.
type voucherifyEvent struct {
	ID   string // event id: the dedupe key
	Type string
}

// parseVoucherify validates an event body. It returns Type for every event
// whose envelope carries a type, and checks the rest only for
// customer.created: other types are acknowledged without being stored (see
// Server.handleVoucherify), so their shape is not our business.
func parseVoucherify(body []byte) (voucherifyEvent, error) {
	o, err := decodeObject(body)
	if err != nil {
		return voucherifyEvent{}, err
	}
	typ, err := o.reqString("", "type")
	if err != nil {
		return voucherifyEvent{}, err
	}
	if typ != VoucherifyCustomerCreated {
		return voucherifyEvent{Type: typ}, nil
	}
	id, err := o.reqString("", "id")
	if err != nil {
		return voucherifyEvent{}, err
	}
	if _, err := o.reqString("", "project_id"); err != nil {
		return voucherifyEvent{}, err
	}
	if err := o.reqTimestamp("", "created_at"); err != nil {
		return voucherifyEvent{}, err
	}
	if _, _, err := o.optObject("", "source"); err != nil {
		return voucherifyEvent{}, err
	}
	data, err := o.reqObject("", "data")
	if err != nil {
		return voucherifyEvent{}, err
	}
	if err := voucherifyCustomer(data); err != nil {
		return voucherifyEvent{}, err
	}
	return voucherifyEvent{ID: id, Type: typ}, nil
}

// voucherifyCustomer checks data.customer. Only id is required: it is the
// one field Voucherify always sets. The others are nullable in the API
// (Customer schema) and checked for type when present.
func voucherifyCustomer(data object) error {
	const path = "data.customer"
	c, err := data.reqObject("data", "customer")
	if err != nil {
		return err
	}
	if _, err := c.reqString(path, "id"); err != nil {
		return err
	}
	if err := c.optStrings(path, "source_id", "name", "email", "phone", "description", "object"); err != nil {
		return err
	}
	if err := c.optDate(path, "birthdate"); err != nil {
		return err
	}
	if _, _, err := c.optObject(path, "metadata"); err != nil {
		return err
	}
	addr, ok, err := c.optObject(path, "address")
	if err != nil || !ok {
		return err
	}
	return addr.optStrings(path+".address", "city", "state", "line_1", "line_2", "country", "postal_code")
}
