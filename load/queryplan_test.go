package load

import (
	"path/filepath"
	"strings"
	"testing"
)

// The per-page queries of the customers step must look rows up by index,
// not walk every row of the entity: a walk per page of 1,000 customers made
// a million-customer load quadratic (0.8 s a query at 1M). The results'
// queries of records settled by their parents must start from the parents
// and look the children up (a walk of every child row otherwise).
func TestPerPageQueriesUseIndexes(t *testing.T) {
	st, err := openState(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, ix := range srcIndexes {
		if _, err := st.db.Exec(ix); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		query, index string
		args         []any
	}{
		{pendingChildren, "SEARCH s USING INDEX src_cust", []any{ent("addresses"), `["1","2"]`}},
		{customersByKeys, "SEARCH s USING INDEX src_key", []any{ent("customers"), `["1","2"]`}},
		{rejectedAddressesForms, "SEARCH f USING INDEX src_cust", []any{2, 4, 1, 4, 2}},
		{customersChildrenQuery(2), "SEARCH s USING INDEX src_cust", []any{2, 3, 1, 4, 2}},
	} {
		rows, err := st.db.Query(`EXPLAIN QUERY PLAN `+c.query, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		for rows.Next() {
			var id, parent, notused int
			var detail string
			rows.Scan(&id, &parent, &notused, &detail)
			plan.WriteString(detail + "\n")
		}
		rows.Close()
		if !strings.Contains(plan.String(), c.index) {
			t.Errorf("plan of\n%s\nis\n%s\nwant %s", c.query, plan.String(), c.index)
		}
	}
}
