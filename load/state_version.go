package load

import (
	"context"
	"database/sql"
	"fmt"

	json "github.com/goccy/go-json"

	"github.com/bcetl/bcetl/internal/sqlitever"
	"github.com/bcetl/bcetl/internal/staging"
)

// stateLayout is the state file's layout history, kept in PRAGMA
// user_version (internal/sqlitever): a bcetl upgrades an older state
// file when it opens it, and refuses one a newer bcetl wrote.
//
// To change the layout, append one step (a new table: Exec of its CREATE
// TABLE; a new column: Exec of ALTER TABLE … ADD COLUMN with a default
// that means what the old files meant) and never edit a released one.
// schema stays the version-1 layout: keepPrevious runs it again to create
// a new, empty src.
var stateLayout = sqlitever.Layout{Name: "load state", Steps: []sqlitever.Step{
	// 1: the tables of schema. A file from before versions has some or
	// all of them (prev_targets came later); every statement is IF NOT
	// EXISTS, so this one step brings any of them to version 1.
	sqlitever.Exec(schema),
	// 2: src.data of customers, addresses, attribute values, form field
	// values and attributes under short names, without what src's own
	// columns hold (srcdata.go): about half the bytes of each row.
	compactSrcData,
}}

// compactSrcData rewrites the src.data of a version-1 file, in src and,
// for a delta being switched, src_prev (whose rows the new input's are
// compared with byte for byte: both must be in one format). A row's
// version-1 data is its staging row as JSON under the Go field names, so
// it decodes into the staging type; encodeSrc writes it again as the
// import now does. Other entities' rows are kept whole in both versions.
func compactSrcData(ctx context.Context, c *sql.Conn) error {
	for _, table := range []string{"src", "src_prev"} {
		var n int
		if err := c.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		for _, entity := range []string{staging.EntityAttributes, staging.EntityCustomers, staging.EntityAddresses,
			staging.EntityAttributeValues, staging.EntityFormFieldValues} {
			if err := compactEntity(ctx, c, table, entity); err != nil {
				return fmt.Errorf("%s %s: %w", table, entity, err)
			}
		}
	}
	return nil
}

// compactEntity rewrites one entity's rows of table, a thousand at a time
// (no row is changed under an open cursor).
func compactEntity(ctx context.Context, c *sql.Conn, table, entity string) error {
	after := int64(-1)
	for {
		rows, err := c.QueryContext(ctx, `SELECT seq, ref, data FROM `+table+` WHERE entity = ? AND seq > ? ORDER BY seq LIMIT 1000`, entity, after)
		if err != nil {
			return err
		}
		type row struct {
			seq  int64
			data []byte
		}
		var page []row
		for rows.Next() {
			var seq int64
			var ref string
			var old []byte
			if err := rows.Scan(&seq, &ref, &old); err != nil {
				rows.Close()
				return err
			}
			data, err := compactRow(entity, ref, old)
			if err != nil {
				rows.Close()
				return fmt.Errorf("row %d: %w", seq, err)
			}
			page = append(page, row{seq, data})
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(page) == 0 {
			return err
		}
		for _, r := range page {
			if _, err := c.ExecContext(ctx, `UPDATE `+table+` SET data = ? WHERE entity = ? AND seq = ?`, r.data, entity, r.seq); err != nil {
				return err
			}
		}
		after = page[len(page)-1].seq
	}
}

// compactRow is the version-2 data of a version-1 row of entity: decoded
// as its staging row (version 1 wrote the Go field names), converted as
// the import converts it, encoded with encodeSrc.
func compactRow(entity, ref string, old []byte) ([]byte, error) {
	var v any
	var err error
	switch entity {
	case staging.EntityCustomers:
		var r staging.Customer
		err = json.Unmarshal(old, &r)
		v = srcCustomer(r)
	case staging.EntityAddresses:
		var r staging.Address
		err = json.Unmarshal(old, &r)
		v = srcAddress(r)
	case staging.EntityAttributeValues:
		var r staging.AttributeValue
		err = json.Unmarshal(old, &r)
		v = srcAttributeValue(r)
	case staging.EntityAttributes:
		var r staging.Attribute
		err = json.Unmarshal(old, &r)
		v = srcAttribute(r)
	case staging.EntityFormFieldValues:
		var r staging.FormFieldValue
		err = json.Unmarshal(old, &r)
		f := srcFormFieldValue(r)
		if ref != "" {
			f.AddressSourceKey = nil // src.ref holds it, as the import writes it
		}
		v = f
	default:
		return old, nil
	}
	if err != nil {
		return nil, err
	}
	return encodeSrc(v)
}
