package load

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/bcetl/bcetl/internal/staging"
)

// The loader reads the staging directory once into the state file's src
// table. Children are linked to customers by source key and a staging file
// need not be sorted by customer, so grouping a customer with its addresses,
// values and form fields needs either the whole input in memory (too much
// for a million customers) or an index: SQLite is that index. It also makes
// a resumed run independent of the staging directory changing under it: the
// fingerprint of the files is recorded, and a different input is refused.
//
// No write goes out before the import ends (only the target's attribute
// list is fetched meanwhile, see Run), so on a quota-bound load its time
// can add to the whole. It is built for speed: one goroutine
// reads and encodes the Parquet files while another inserts, many rows per
// statement and per transaction; the indexes are built once the rows are
// in; data holds only the fields the loader reads; and the connection has
// a larger page cache and fewer checkpoints meanwhile (importPragmas). None
// of it changes what a crash can do: an import that did not finish is
// started over by the next run, because "imported" is set last, in the
// transaction that builds the indexes.

const (
	importBatch       = 100000 // rows per transaction
	importRowsPerStmt = 100    // rows per INSERT (one per row spends most of its time in the driver)
)

// srcIndexes are built after the rows are in: sorting once is cheaper
// than keeping two indexes up to date row by row. The unique
// one is also the check that no source key appears twice.
var srcIndexes = []string{
	`CREATE UNIQUE INDEX src_key ON src(entity, key)`,
	`CREATE INDEX src_cust ON src(entity, cust, seq)`,
}

// importPragmas are set on the import's connection and reset to their
// previous values after it. Neither touches durability: synchronous and the
// journal mode stay as openState set them, so each import commit is as
// safe as any other.
//
//   - cache_size 32 MiB (default 2) while the rows go in: a transaction's
//     pages stay in memory instead of spilling into the log and being
//     read back (64 MiB was no faster). It is a ceiling, not an
//     allocation; indexCacheSize while the indexes are built.
//   - wal_autocheckpoint 10,000 pages (default 1,000): the log is copied
//     into the database every 40 MB rather than after every commit; each
//     checkpoint is still synced as before. The log file grows to about
//     that size until the last connection closes.
var importPragmas = []struct{ name, value string }{
	{"cache_size", "-32768"},
	{"wal_autocheckpoint", "10000"},
}

// The src.data of each entity (layout version 3, srcdata.go): the
// staging row as JSON under two- or three-letter names (STATE.md has
// the legend; a million customers hold some four million of these rows),
// without what the row's own columns already hold (its source key is
// src.key, its customer's src.cust, an attribute's name and a value's
// attribute name src.ref, a form field's address src.ref, a customer's
// email src.ref when it is all lower case), without the fields the
// loader never reads (the source store's ids, dates and counts, the
// country name, the typed copies of a form field value) and without empty
// ones. Each type has the fields of its staging type, and is converted
// from it, so a field added there does not compile until it is given a
// tag here. The queries that read data in SQL (json_extract) name these
// names too.
type (
	srcAttribute struct {
		SourceKey    string     `json:"-"`
		ID           *int64     `json:"-"`
		Name         string     `json:"-"`
		Type         string     `json:"ty,omitempty"`
		DateCreated  *time.Time `json:"-"`
		DateModified *time.Time `json:"-"`
	}
	srcCustomer struct {
		SourceKey                               string          `json:"-"`
		ID                                      *int64          `json:"-"`
		Email                                   string          `json:"em,omitempty"`
		FirstName                               string          `json:"fn,omitempty"`
		LastName                                string          `json:"ln,omitempty"`
		Company                                 string          `json:"co,omitempty"`
		Phone                                   string          `json:"ph,omitempty"`
		Notes                                   string          `json:"nt,omitempty"`
		TaxExemptCategory                       string          `json:"tx,omitempty"`
		RegistrationIPAddress                   string          `json:"-"`
		CustomerGroupID                         *int64          `json:"gid,omitempty"`
		CustomerGroupName                       string          `json:"gn,omitempty"`
		DateCreated                             *time.Time      `json:"-"`
		DateModified                            *time.Time      `json:"-"`
		AddressCount                            int32           `json:"-"`
		AttributeCount                          int32           `json:"-"`
		AcceptsProductReviewAbandonedCartEmails *bool           `json:"ac,omitempty"`
		ForcePasswordReset                      *bool           `json:"rs,omitempty"`
		OriginChannelID                         *int64          `json:"oc,omitempty"`
		ChannelIDs                              []int64         `json:"ch,omitempty"`
		StoreCreditAmounts                      []staging.Money `json:"sc,omitempty"`
	}
	srcAddress struct {
		SourceKey         string `json:"-"`
		ID                *int64 `json:"-"`
		CustomerSourceKey string `json:"-"`
		CustomerID        *int64 `json:"-"`
		FirstName         string `json:"fn,omitempty"`
		LastName          string `json:"ln,omitempty"`
		Company           string `json:"co,omitempty"`
		Address1          string `json:"a1,omitempty"`
		Address2          string `json:"a2,omitempty"`
		City              string `json:"ci,omitempty"`
		StateOrProvince   string `json:"st,omitempty"`
		PostalCode        string `json:"pc,omitempty"`
		Country           string `json:"-"`
		CountryCode       string `json:"cc,omitempty"`
		Phone             string `json:"ph,omitempty"`
		AddressType       string `json:"ty,omitempty"`
	}
	srcAttributeValue struct {
		SourceKey         string     `json:"-"`
		ID                *int64     `json:"-"`
		CustomerSourceKey string     `json:"-"`
		CustomerID        *int64     `json:"-"`
		AttributeID       *int64     `json:"-"`
		AttributeName     string     `json:"-"`
		AttributeType     string     `json:"ty,omitempty"`
		AttributeValue    string     `json:"v,omitempty"`
		DateCreated       *time.Time `json:"-"`
		DateModified      *time.Time `json:"-"`
	}
	srcFormFieldValue struct {
		SourceKey         string `json:"-"`
		CustomerSourceKey string `json:"-"`
		// AddressSourceKey is src.ref when it is set and not empty; only
		// a pointer to "" (which ref cannot tell from none) is kept here.
		AddressSourceKey *string  `json:"ad,omitempty"`
		CustomerID       *int64   `json:"-"`
		AddressID        *int64   `json:"-"`
		Name             string   `json:"n,omitempty"`
		ValueType        string   `json:"ty,omitempty"`
		ValueString      *string  `json:"-"`
		ValueNumber      *float64 `json:"-"`
		ValueArray       []string `json:"-"`
		ValueJSON        string   `json:"j,omitempty"`
	}
)

// indexCacheSize is the page cache while src's indexes are built, which
// also bounds the sort's memory (it goes on in temporary files).
const indexCacheSize = "-16384"

// fingerprint identifies the input by the SHA-256 of its entity files, as
// its manifest records them (staging.VerifyInput has checked the files
// against it).
func fingerprint(m *staging.Manifest) string {
	h := sha256.New()
	for _, e := range staging.Entities {
		if em, ok := m.Entities[e]; ok {
			fmt.Fprintf(h, "%s:%s\n", e, em.SHA256)
		} else {
			fmt.Fprintf(h, "%s:absent\n", e)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// importInput fills src from the staging directory unless this state file
// already holds that exact input (fingerprint fp). A state file that holds
// another input is switched to this one (delta.go): the outcomes of the
// records that did not change are kept, the others are loaded again.
func (l *loader) importInput(ctx context.Context, fp string) error {
	have, err := l.st.meta(ctx, "input_fingerprint")
	if err != nil {
		return err
	}
	done, err := l.st.meta(ctx, "imported")
	if err != nil {
		return err
	}
	if have == fp && done == "1" {
		return nil
	}
	delta, err := l.st.hasPrevious(ctx)
	if err != nil {
		return err
	}
	if !delta && have != "" && have != fp && done == "1" {
		if l.opts.DryRun {
			return fmt.Errorf("the input %s changed since the state file %s was last used; a dry run does not switch a state to a new input: "+
				"run without --dry-run (the outcomes of unchanged records are kept, the rest is loaded), or dry-run with a new --state", l.opts.In, l.opts.StatePath)
		}
		if err := l.settleInflight(ctx); err != nil {
			return err
		}
		if err := l.st.keepPrevious(ctx); err != nil {
			return err
		}
		delta = true
		l.log.Warn("the input changed since this state file was last used: outcomes of unchanged records are kept, changed and new records are loaded", "in", l.opts.In)
	}
	// A previous import was interrupted: start it over, indexes first (an
	// older version built them before the rows).
	for _, q := range []string{`DROP INDEX IF EXISTS src_key`, `DROP INDEX IF EXISTS src_cust`, `DELETE FROM src`} {
		if _, err := l.st.db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	if err := l.st.setMeta(ctx, "input_fingerprint", fp); err != nil {
		return err
	}
	l.log.Info("importing staging files into the state file", "in", l.opts.In)
	t := time.Now()
	conn, err := l.st.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, p := range importPragmas {
		var was string
		if err := conn.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&was); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, "PRAGMA "+p.name+" = "+p.value); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA "+p.name+" = "+was)
	}
	n, err := l.copyInput(ctx, conn)
	if err != nil {
		return err
	}
	// The index build sorts every row of src, in memory up to the page
	// cache and in temporary files past it: with the import's cache it
	// held that much again beside it, the load's peak RSS.
	if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = "+indexCacheSize); err != nil {
		return err
	}
	kept, dropped, err := indexInput(ctx, conn, delta)
	if err != nil {
		return err
	}
	l.log.Info("staging files imported", "rows", n, "took", time.Since(t).Round(time.Millisecond))
	if delta {
		l.log.Info("outcomes carried over from the previous input", "kept", kept, "dropped", dropped)
	}
	return nil
}

// copyInput appends every staging row to src: one goroutine reads and
// encodes the files while the other inserts.
func (l *loader) copyInput(ctx context.Context, conn *sql.Conn) (int64, error) {
	g, gctx := errgroup.WithContext(ctx)
	chunks := make(chan []any, 8)
	g.Go(func() error {
		defer close(chunks)
		return l.readInput(gctx, chunks)
	})
	var n int64
	g.Go(func() (err error) {
		n, err = insertChunks(gctx, conn, chunks)
		return err
	})
	err := g.Wait()
	return n, err
}

// readInput sends the staging rows, entity by entity in load order, as
// chunks of INSERT arguments (entity, seq, key, cust, ref, data per row).
func (l *loader) readInput(ctx context.Context, out chan<- []any) error {
	var entity string
	var seq int64
	chunk := make([]any, 0, 6*importRowsPerStmt)
	send := func() error {
		select {
		case out <- chunk:
		case <-ctx.Done():
			return ctx.Err()
		}
		chunk = make([]any, 0, 6*importRowsPerStmt)
		return nil
	}
	put := func(key, cust, ref string, b []byte, err error) error {
		if err != nil {
			return err
		}
		if key == "" {
			return fmt.Errorf("%s: row %d has no source_key", staging.FileName(entity), seq+1)
		}
		chunk = append(chunk, ent(entity), seq, key, cust, ref, b)
		seq++
		if len(chunk) == cap(chunk) {
			return send()
		}
		return nil
	}
	add := func(key, cust, ref string, v any) error {
		b, err := encodeSrc(v)
		return put(key, cust, ref, b, err)
	}
	in := func(e string) string { return filepath.Join(l.opts.In, staging.FileName(e)) }
	for _, e := range []struct {
		entity string
		scan   func() error
	}{
		{staging.EntityAttributes, func() error {
			return scanIfExists(in(staging.EntityAttributes), func(r staging.Attribute) error {
				b, err := encodeAttribute(r)
				return put(r.SourceKey, "", r.Name, b, err)
			})
		}},
		{staging.EntityCustomers, func() error {
			return scanIfExists(in(staging.EntityCustomers), func(r staging.Customer) error {
				b, err := encodeCustomer(r)
				return put(r.SourceKey, "", strings.ToLower(r.Email), b, err)
			})
		}},
		{staging.EntityAddresses, func() error {
			return scanIfExists(in(staging.EntityAddresses), func(r staging.Address) error {
				b, err := encodeAddress(r)
				return put(r.SourceKey, r.CustomerSourceKey, "", b, err)
			})
		}},
		{staging.EntityAttributeValues, func() error {
			return scanIfExists(in(staging.EntityAttributeValues), func(r staging.AttributeValue) error {
				b, err := encodeAttributeValue(r)
				return put(r.SourceKey, r.CustomerSourceKey, r.AttributeName, b, err)
			})
		}},
		{staging.EntityFormFieldValues, func() error {
			return scanIfExists(in(staging.EntityFormFieldValues), func(r staging.FormFieldValue) error {
				ref := ""
				if r.AddressSourceKey != nil {
					ref = *r.AddressSourceKey
				}
				b, err := encodeFormFieldValue(r)
				return put(r.SourceKey, r.CustomerSourceKey, ref, b, err)
			})
		}},
		// The store-to-store entities are few or small per row: their
		// staging rows are kept whole.
		{staging.EntityCustomerGroups, func() error {
			return scanIfExists(in(staging.EntityCustomerGroups), func(r staging.CustomerGroup) error {
				return add(r.SourceKey, "", strings.ToLower(r.Name), r)
			})
		}},
		{staging.EntityMetafields, func() error {
			return scanIfExists(in(staging.EntityMetafields), func(r staging.Metafield) error {
				return add(r.SourceKey, r.CustomerSourceKey, r.Namespace+"\x00"+r.Key, r)
			})
		}},
		{staging.EntitySubscribers, func() error {
			return scanIfExists(in(staging.EntitySubscribers), func(r staging.Subscriber) error {
				cust := ""
				if r.CustomerSourceKey != nil {
					cust = *r.CustomerSourceKey
				}
				return add(r.SourceKey, cust, strings.ToLower(r.Email), r)
			})
		}},
		{staging.EntityConsents, func() error {
			return scanIfExists(in(staging.EntityConsents), func(r staging.Consent) error {
				return add(r.SourceKey, r.CustomerSourceKey, "", r)
			})
		}},
	} {
		entity, seq = e.entity, 0
		if err := e.scan(); err != nil {
			return err
		}
	}
	if len(chunk) == 0 {
		return nil
	}
	return send()
}

// insertChunks inserts the chunks into src, committing every importBatch
// rows, and returns how many rows it inserted.
func insertChunks(ctx context.Context, conn *sql.Conn, chunks <-chan []any) (int64, error) {
	var tx *sql.Tx
	defer func() {
		if tx != nil {
			tx.Rollback()
		}
	}()
	var full *sql.Stmt // importRowsPerStmt rows, prepared once per transaction
	var n, inTx int64
	for chunk := range chunks {
		var err error
		if tx == nil {
			if tx, err = conn.BeginTx(ctx, nil); err != nil {
				return n, err
			}
			full = nil
		}
		rows := len(chunk) / 6
		if rows == importRowsPerStmt {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, insertSrc(rows)); err != nil {
					return n, err
				}
			}
			_, err = full.ExecContext(ctx, chunk...)
		} else {
			_, err = tx.ExecContext(ctx, insertSrc(rows), chunk...)
		}
		if err != nil {
			return n, err
		}
		n += int64(rows)
		if inTx += int64(rows); inTx >= importBatch {
			err, tx, inTx = tx.Commit(), nil, 0
			if err != nil {
				return n, err
			}
		}
	}
	if err := ctx.Err(); err != nil || tx == nil {
		return n, err // the reader failed: the import is started over anyway
	}
	err := tx.Commit()
	tx = nil
	return n, err
}

// insertSrc is an INSERT of n rows into src.
func insertSrc(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO src(entity, seq, key, cust, ref, data) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`(?,?,?,?,?,?)`)
	}
	return b.String()
}

// indexInput builds src's indexes and marks the import done, in one
// transaction; for a switched input (delta) it also drops the outcomes of
// the records that changed, in the same transaction, and returns how many
// outcomes were kept and dropped.
func indexInput(ctx context.Context, conn *sql.Conn, delta bool) (kept, dropped int64, err error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	for _, q := range srcIndexes {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				return 0, 0, duplicateKey(ctx, tx)
			}
			return 0, 0, err
		}
	}
	if delta {
		if kept, dropped, err = carryOver(ctx, tx); err != nil {
			return 0, 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, setMetaSQL, "imported", "1"); err != nil {
		return 0, 0, err
	}
	return kept, dropped, tx.Commit()
}

// duplicateKey names a source key that appears more than once, for an
// import whose unique index could not be built.
func duplicateKey(ctx context.Context, tx *sql.Tx) error {
	for _, e := range staging.Entities {
		var key string
		var n int
		err := tx.QueryRowContext(ctx, `SELECT key, count(*) FROM src WHERE entity = ? GROUP BY key HAVING count(*) > 1 ORDER BY min(seq) LIMIT 1`, ent(e)).Scan(&key, &n)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("%s: source_key %q appears %d times; the staging directory is inconsistent", staging.FileName(e), key, n)
	}
	return errors.New("src: a source key appears more than once")
}

func scanIfExists[T any](path string, fn func(T) error) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return staging.Scan(path, fn)
}

// srcRow is one src row read back.
type srcRow struct {
	seq            int64
	key, cust, ref string
	data           []byte
}

// srcRows runs a query over src and returns all rows (callers page, so the
// result is small, and the single connection is free again on return).
func (l *loader) srcRows(ctx context.Context, query string, args ...any) ([]srcRow, error) {
	rows, err := l.st.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []srcRow
	for rows.Next() {
		var r srcRow
		if err := rows.Scan(&r.seq, &r.key, &r.cust, &r.ref, &r.data); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
