// Command duckdb is the part of DuckDB's shell the tests use: `duckdb -c
// SQL` runs the statements and prints the last one's rows, tab-separated.
// It is its own module (cgo, DuckDB's static library) so that bcetl stays
// pure Go; the tests find it through BCETL_DUCKDB (see .ci/run).
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	script := flag.String("c", "", "SQL to run")
	flag.Parse()
	if *script == "" {
		fmt.Fprintln(os.Stderr, "usage: duckdb -c SQL")
		os.Exit(2)
	}
	if err := run(*script); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run(script string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query(script)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	fmt.Println(strings.Join(cols, "\t"))
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = fmt.Sprint(v)
		}
		fmt.Println(strings.Join(out, "\t"))
	}
	return rows.Err()
}
