package transform

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bcetl/bcetl/internal/bcrules"
)

// ErrAddressType is returned by NormalizeAddressType for a value other than
// residential or commercial.
var ErrAddressType = errors.New("address_type must be residential or commercial")

// NormalizeAddressType is the "address_type" rule: an empty value becomes
// "residential" (the API's own default), "Commercial", " RESIDENTIAL " and
// the like are lower-cased, and anything else rejects the address — a
// guess between the two would change what the store shows at checkout.
func NormalizeAddressType(s string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(Text(s)))
	switch v {
	case "":
		return bcrules.AddressResidential, nil
	case bcrules.AddressResidential, bcrules.AddressCommercial:
		return v, nil
	}
	return s, fmt.Errorf("%w, not %q", ErrAddressType, s)
}
