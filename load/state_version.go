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
// schema stays the version-1 layout; srcTable is src as it is now.
var stateLayout = sqlitever.Layout{Name: "load state", Steps: []sqlitever.Step{
	// 1: the tables of schema. A file from before versions has some or
	// all of them (prev_targets came later); every statement is IF NOT
	// EXISTS, so this one step brings any of them to version 1.
	sqlitever.Exec(schema),
	// 2: src.data of customers, addresses, attribute values, form field
	// values and attributes under short names, without what src's own
	// columns hold (srcdata.go): about half the bytes of each row.
	compactSrcData,
	// 3: entities and statuses as codes, outcomes in src's rows (idmap
	// folded in), each message once, a customer's email only where it
	// is not src.ref: under half the bytes per customer.
	foldOutcomes,
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

// compactEntity rewrites one entity's rows of a version-1 table.
func compactEntity(ctx context.Context, c *sql.Conn, table, entity string) error {
	return rewriteRows(ctx, c, table, entity, func(r srcRow) ([]byte, error) { return compactRow(entity, r.ref, r.data) })
}

// rewriteRows replaces the data of table's rows of one entity (its name
// in a table before version 3, its code since) by what fn makes of each
// row, a thousand rows at a time (no row is changed under an open cursor).
func rewriteRows(ctx context.Context, c *sql.Conn, table string, entity any, fn func(srcRow) ([]byte, error)) error {
	after := int64(-1)
	for {
		rows, err := c.QueryContext(ctx, `SELECT seq, key, cust, ref, data FROM `+table+` WHERE entity = ? AND seq > ? ORDER BY seq LIMIT 1000`, entity, after)
		if err != nil {
			return err
		}
		var page []srcRow
		for rows.Next() {
			var r srcRow
			if err := rows.Scan(&r.seq, &r.key, &r.cust, &r.ref, &r.data); err != nil {
				rows.Close()
				return err
			}
			if r.data, err = fn(r); err != nil {
				rows.Close()
				return fmt.Errorf("row %d: %w", r.seq, err)
			}
			page = append(page, r)
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

// foldOutcomes brings a version-2 file to version 3: src (and src_prev,
// of a switch under way) rebuilt with entity codes and outcome columns,
// idmap's rows moved into the rows of their records, prev_targets with
// entity codes, the customers' data without an email src.ref repeats.
//
// Outcomes belong to the previous input while a switch is under way (the
// new src is being imported, and is imported again after the upgrade),
// to src otherwise. An outcome whose record is not there would be lost:
// the upgrade refuses that file instead (no version wrote one).
func foldOutcomes(ctx context.Context, c *sql.Conn) error {
	exec := func(qs ...string) error {
		for _, q := range qs {
			if _, err := c.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}
	has := func(name string) (bool, error) {
		var n int
		err := c.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = ?`, name).Scan(&n)
		return n > 0, err
	}
	prev, err := has("src_prev")
	if err != nil {
		return err
	}
	indexed, err := has("src_key")
	if err != nil {
		return err
	}
	owner := "src"
	if prev {
		owner = "src_prev"
	}
	if err := exec(codeTables(),
		`CREATE TABLE messages(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)`,
		`INSERT INTO messages(text) SELECT DISTINCT message FROM idmap WHERE message != ''`,
		`DROP INDEX IF EXISTS src_key`, `DROP INDEX IF EXISTS src_cust`); err != nil {
		return err
	}
	var badStatus int
	if err := c.QueryRowContext(ctx, `SELECT count(*) FROM idmap WHERE status NOT IN (SELECT name FROM statuses)`).Scan(&badStatus); err != nil {
		return err
	}
	if badStatus > 0 {
		return fmt.Errorf("idmap: %d outcomes of a status this bcetl does not know", badStatus)
	}
	for _, table := range []string{"src", "src_prev"} {
		if ok, err := has(table); err != nil || !ok {
			if err != nil {
				return err
			}
			continue
		}
		var unknown int
		if err := c.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE entity NOT IN (SELECT name FROM entities)`).Scan(&unknown); err != nil {
			return err
		}
		if unknown > 0 {
			return fmt.Errorf("%s: %d rows of an entity this bcetl does not know", table, unknown)
		}
		outcomes := `NULL, NULL, NULL, NULL, NULL FROM ` + table + `_v2 o JOIN entities e ON e.name = o.entity`
		if table == owner {
			outcomes = `t.code, i.target_id, i.http_status, m.id, i.batch FROM ` + table + `_v2 o JOIN entities e ON e.name = o.entity
				LEFT JOIN idmap i ON i.entity = o.entity AND i.key = o.key
				LEFT JOIN statuses t ON t.name = i.status
				LEFT JOIN messages m ON i.message != '' AND m.text = i.message`
		}
		if err := exec(`ALTER TABLE `+table+` RENAME TO `+table+`_v2`, srcTable(table),
			`INSERT INTO `+table+`(entity, seq, key, cust, ref, data, status, target_id, http_status, message, batch)
			SELECT e.code, o.seq, o.key, o.cust, o.ref, o.data, `+outcomes+` ORDER BY 1, 2`,
			`DROP TABLE `+table+`_v2`); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		if err := rewriteData(ctx, c, table); err != nil {
			return err
		}
	}
	// Every outcome moved into its record's row, or the file is refused
	// (the transaction rolls back). Counted, not looked up one by one:
	// idmap's key and the owner's are both unique, so the counts agree
	// exactly when no outcome was left behind; a NOT EXISTS per outcome,
	// with the owner's key index dropped, took minutes at 20k customers.
	var outcomes, moved int
	if err := c.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM idmap), (SELECT count(*) FROM `+owner+` WHERE status IS NOT NULL)`).Scan(&outcomes, &moved); err != nil {
		return err
	}
	if outcomes != moved {
		return fmt.Errorf("%d outcomes name records the input does not hold; this state file cannot be upgraded: keep it with the bcetl that wrote it, or load with a new --state", outcomes-moved)
	}
	if err := exec(`ALTER TABLE prev_targets RENAME TO prev_targets_v2`,
		`CREATE TABLE prev_targets(entity INTEGER NOT NULL, key TEXT NOT NULL, target_id INTEGER NOT NULL, PRIMARY KEY(entity, key)) WITHOUT ROWID`,
		`INSERT INTO prev_targets SELECT e.code, p.key, p.target_id FROM prev_targets_v2 p JOIN entities e ON e.name = p.entity`,
		`DROP TABLE prev_targets_v2`, `DROP TABLE idmap`, outcomesView); err != nil {
		return err
	}
	if indexed {
		return exec(srcIndexes...)
	}
	return nil
}

// v2Names are layout 2's src.data names, by entity and layout 3's name;
// v3Names the other way round.
var (
	v2Names = map[staging.Entity]map[string]string{
		staging.EntityCustomers: {"em": "email", "fn": "first", "ln": "last", "co": "company", "ph": "phone", "nt": "notes", "tx": "tax",
			"gid": "group_id", "gn": "group", "ac": "accepts", "rs": "reset", "oc": "origin", "ch": "channels", "sc": "credit"},
		staging.EntityAddresses: {"fn": "first", "ln": "last", "co": "company", "a1": "addr1", "a2": "addr2", "ci": "city", "st": "state",
			"pc": "zip", "cc": "country", "ph": "phone", "ty": "type"},
		staging.EntityAttributeValues: {"ty": "type", "v": "value"},
		staging.EntityFormFieldValues: {"ad": "address", "n": "name", "ty": "type", "j": "json"},
		staging.EntityAttributes:      {"ty": "type"},
	}
	v3Names = func() map[staging.Entity]map[string]string {
		out := map[staging.Entity]map[string]string{}
		for e, names := range v2Names {
			out[e] = map[string]string{}
			for n3, n2 := range names {
				out[e][n2] = n3
			}
		}
		return out
	}()
)

// rewriteData rewrites the src.data of a version-3 table (just converted
// from version 2) as the import now writes it: layout 3's names, and a
// customer without the email src.ref repeats. Each row is read under
// either layout's names (step 2 wrote a version-1 file's rows with
// today's types already) and encoded by the import's encoder, byte for
// byte what it writes: a later changed input is compared with these rows.
func rewriteData(ctx context.Context, c *sql.Conn, table string) error {
	for entity := range v2Names {
		if err := rewriteRows(ctx, c, table, ent(entity), func(r srcRow) ([]byte, error) { return dataV3(entity, r) }); err != nil {
			return fmt.Errorf("%s %s: %w", table, entity, err)
		}
	}
	return nil
}

// dataV3 is r's data under layout 3's names, decoded as its staging row
// and encoded as the import encodes it.
func dataV3(entity staging.Entity, r srcRow) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(r.data, &fields); err != nil {
		return nil, err
	}
	renamed := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		if n, ok := v3Names[entity][k]; ok {
			k = n
		}
		renamed[k] = v
	}
	b, err := json.Marshal(renamed)
	if err != nil {
		return nil, err
	}
	r.data = b
	switch entity {
	case staging.EntityCustomers:
		return recode(r, encodeCustomer)
	case staging.EntityAddresses:
		return recode(r, encodeAddress)
	case staging.EntityAttributeValues:
		return recode(r, encodeAttributeValue)
	case staging.EntityFormFieldValues:
		return recode(r, encodeFormFieldValue)
	case staging.EntityAttributes:
		return recode(r, encodeAttribute)
	}
	return nil, fmt.Errorf("no layout-3 data for %s", entity)
}

// recode is r decoded as its staging row and encoded again by enc.
func recode[T any](r srcRow, enc func(T) ([]byte, error)) ([]byte, error) {
	v, err := decode[T](r)
	if err != nil {
		return nil, err
	}
	return enc(v)
}
