package load

import "github.com/bcetl/bcetl/internal/sqlitever"

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
}}
