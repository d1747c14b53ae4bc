package load

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bcetl/bcetl/internal/staging"
)

// The loader reads the staging directory once into the state file's src
// table. Children are linked to customers by source key and a staging file
// need not be sorted by customer, so grouping a customer with its addresses,
// values and form fields needs either the whole input in memory (too much
// for a million customers) or an index: SQLite is that index. It also makes
// a resumed run independent of the staging directory changing under it: the
// fingerprint of the files is recorded, and a different input is refused.

const importBatch = 5000

// fingerprint hashes the staging files the loader reads.
func fingerprint(dir string) (string, error) {
	h := sha256.New()
	for _, e := range staging.Entities {
		p := filepath.Join(dir, staging.FileName(e))
		st, err := staging.FileHash(p)
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(h, "%s:absent\n", e)
			continue
		}
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s:%s\n", e, st.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// importInput fills src from dir unless this state file already holds that
// exact input.
func (l *loader) importInput(ctx context.Context) error {
	fp, err := fingerprint(l.opts.In)
	if err != nil {
		return err
	}
	have, err := l.st.meta(ctx, "input_fingerprint")
	if err != nil {
		return err
	}
	done, err := l.st.meta(ctx, "imported")
	if err != nil {
		return err
	}
	if have != "" && have != fp {
		return fmt.Errorf("the state file %s belongs to another input (the staging files changed since it was started); use a new --state file", l.opts.StatePath)
	}
	if have == fp && done == "1" {
		return nil
	}
	// A previous import was interrupted: start it over.
	if _, err := l.st.db.ExecContext(ctx, `DELETE FROM src`); err != nil {
		return err
	}
	if err := l.st.setMeta(ctx, "input_fingerprint", fp); err != nil {
		return err
	}
	l.log.Info("importing staging files into the state file", "in", l.opts.In)
	type spec struct {
		entity string
		scan   func(add func(key, cust, ref string, v any) error) error
	}
	in := func(e string) string { return filepath.Join(l.opts.In, staging.FileName(e)) }
	specs := []spec{
		{staging.EntityAttributes, func(add func(string, string, string, any) error) error {
			return scanIfExists(in(staging.EntityAttributes), func(r staging.Attribute) error { return add(r.SourceKey, "", r.Name, r) })
		}},
		{staging.EntityCustomers, func(add func(string, string, string, any) error) error {
			return scanIfExists(in(staging.EntityCustomers), func(r staging.Customer) error { return add(r.SourceKey, "", strings.ToLower(r.Email), r) })
		}},
		{staging.EntityAddresses, func(add func(string, string, string, any) error) error {
			return scanIfExists(in(staging.EntityAddresses), func(r staging.Address) error { return add(r.SourceKey, r.CustomerSourceKey, "", r) })
		}},
		{staging.EntityAttributeValues, func(add func(string, string, string, any) error) error {
			return scanIfExists(in(staging.EntityAttributeValues), func(r staging.AttributeValue) error {
				return add(r.SourceKey, r.CustomerSourceKey, r.AttributeName, r)
			})
		}},
		{staging.EntityFormFieldValues, func(add func(string, string, string, any) error) error {
			return scanIfExists(in(staging.EntityFormFieldValues), func(r staging.FormFieldValue) error {
				ref := ""
				if r.AddressSourceKey != nil {
					ref = *r.AddressSourceKey
				}
				return add(r.SourceKey, r.CustomerSourceKey, ref, r)
			})
		}},
	}
	for _, sp := range specs {
		if err := l.importEntity(ctx, sp.entity, sp.scan); err != nil {
			return err
		}
	}
	return l.st.setMeta(ctx, "imported", "1")
}

func (l *loader) importEntity(ctx context.Context, entity string, scan func(add func(key, cust, ref string, v any) error) error) error {
	var tx *sql.Tx
	var ins *sql.Stmt
	var seq, n int64
	begin := func() error {
		var err error
		if tx, err = l.st.db.BeginTx(ctx, nil); err != nil {
			return err
		}
		ins, err = tx.Prepare(`INSERT INTO src(entity, seq, key, cust, ref, data) VALUES(?, ?, ?, ?, ?, ?)`)
		return err
	}
	commit := func() error {
		ins.Close()
		return tx.Commit()
	}
	if err := begin(); err != nil {
		return err
	}
	defer func() {
		if tx != nil {
			tx.Rollback()
		}
	}()
	err := scan(func(key, cust, ref string, v any) error {
		if key == "" {
			return fmt.Errorf("%s: row %d has no source_key", staging.FileName(entity), seq+1)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := ins.Exec(entity, seq, key, cust, ref, b); err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				return fmt.Errorf("%s: source_key %q appears twice; the staging directory is inconsistent", staging.FileName(entity), key)
			}
			return err
		}
		seq++
		if n++; n%importBatch == 0 {
			if err := commit(); err != nil {
				return err
			}
			return begin()
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = commit()
	tx = nil
	return err
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

func decode[T any](r srcRow) (T, error) {
	var v T
	err := json.Unmarshal(r.data, &v)
	return v, err
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
