package load

import (
	"fmt"
	"strings"

	"github.com/bcetl/bcetl/internal/staging"
)

// The state file stores an entity, and a record's status, as a small
// integer (layout version 3): each is written in src's rows and in both
// of its indexes, where the names cost some fifty bytes per record. The
// entities and statuses tables hold the names for a person reading the
// file with the sqlite3 shell (and the outcomes view joins them). A code
// is never changed or reused: a new entity or status is appended.

// entityCodes are the entities' codes: index = code.
var entityCodes = [...]staging.Entity{
	1: staging.EntityCustomers,
	2: staging.EntityAddresses,
	3: staging.EntityAttributeValues,
	4: staging.EntityFormFieldValues,
	5: staging.EntityAttributes,
	6: staging.EntityCustomerGroups,
	7: staging.EntityMetafields,
	8: staging.EntitySubscribers,
	9: staging.EntityConsents,
}

// statusCodes are the record statuses' codes: index = code. A record
// without an outcome has none (NULL); pending is never stored.
var statusCodes = [...]staging.Status{
	1: staging.StatusLoaded,
	2: staging.StatusSkipped,
	3: staging.StatusUpdated,
	4: staging.StatusRejected,
}

// ent is entity's code, the argument of every query on src or
// prev_targets. An entity without a code is a bug of this package, found
// by any test that loads it: the state file cannot hold it.
func ent(entity staging.Entity) int64 {
	for c, e := range entityCodes {
		if c > 0 && e == entity {
			return int64(c)
		}
	}
	panic(fmt.Sprintf("load: entity %q has no code in the state file (state_codes.go)", entity))
}

// stc is status's code, the argument of every query on src's status.
func stc(status staging.Status) int64 {
	for c, s := range statusCodes {
		if c > 0 && s == status {
			return int64(c)
		}
	}
	panic(fmt.Sprintf("load: status %q has no code in the state file (state_codes.go)", status))
}

// entityCol scans an entity code back into its name.
type entityCol staging.Entity

func (e *entityCol) Scan(v any) error {
	c, ok := v.(int64)
	if !ok || c <= 0 || int(c) >= len(entityCodes) {
		return fmt.Errorf("state: %v is not an entity code", v)
	}
	*e = entityCol(entityCodes[c])
	return nil
}

// statusCol scans a status code back into its name; NULL (no outcome)
// is "".
type statusCol staging.Status

func (s *statusCol) Scan(v any) error {
	if v == nil {
		*s = ""
		return nil
	}
	c, ok := v.(int64)
	if !ok || c <= 0 || int(c) >= len(statusCodes) {
		return fmt.Errorf("state: %v is not a status code", v)
	}
	*s = statusCol(statusCodes[c])
	return nil
}

// codeTables fills the entities and statuses tables (layout step 3).
func codeTables() string {
	var b strings.Builder
	b.WriteString(`CREATE TABLE entities(code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE statuses(code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
`)
	for c, e := range entityCodes {
		if c > 0 {
			fmt.Fprintf(&b, "INSERT INTO entities VALUES(%d, '%s');\n", c, e)
		}
	}
	for c, s := range statusCodes {
		if c > 0 {
			fmt.Fprintf(&b, "INSERT INTO statuses VALUES(%d, '%s');\n", c, s)
		}
	}
	return b.String()
}
