package main

import "strings"

// The flag vocabulary: every flag name of every command, with the one
// meaning it has wherever it appears and the environment variables that
// set it. The README's flag table is this table (vocabulary_test.go
// compares the two, and both with the commands' real flag sets): a flag a
// command declares outside it panics at start, so a new flag is a new word
// here first.
//
// Environment, for a flag --NAME of the command CMD (words joined by _,
// "webhooks serve" → WEBHOOKS_SERVE), the first set of:
//
//  1. BCETL_<CMD>_<NAME>: every flag; this command only.
//  2. the unscoped variable, where the flag's value is the same for every
//     command of one deployment: BCETL_<NAME>, or for the stores'
//     credentials BIGCOMMERCE_SOURCE_* / BIGCOMMERCE_TARGET_*. A flag
//     whose value belongs to one command (a path it reads or writes, an
//     address it listens on, an emulator's setting) has none: one env
//     file then cannot point export's --state at load's state file.
//  3. the deprecated names the flag was read from before (deprecated.go),
//     with a warning.
type flagDef struct {
	meaning string
	// scoped: only BCETL_<CMD>_<NAME> (and deprecated names).
	scoped bool
	// env is the unscoped variable when it is not BCETL_<NAME>; "-" for a
	// flag no variable sets (--help, --version).
	env string
}

const (
	everyCommand = "every command"
	envNone      = "-"
)

var vocabulary = map[string]flagDef{
	// Every command.
	"log-format": {meaning: "log format: `text` or `json` (one JSON object a line, durations in ms)"},
	"log-level":  {meaning: "least level logged: `debug`, `info`, `warn` or `error`"},
	"help":       {meaning: "print the command's help (on stdout) and exit", env: envNone},
	"version":    {meaning: "print bcetl's version and exit (= `bcetl version`)", env: envNone},

	// Where records come from and go to.
	"from":                  {meaning: "the source read: `bigcommerce` (the source store) or `KIND:PATH` (a file source)"},
	"mapping":               {meaning: "column mapping file of a `csv:` source"},
	"voucherify-api-url":    {meaning: "Voucherify API root of `--from voucherify-api` (its keys: `VOUCHERIFY_APP_ID`, `VOUCHERIFY_SECRET_KEY`)"},
	"source-api-url":        {meaning: "API root of the store read from", env: "BIGCOMMERCE_SOURCE_API_URL"},
	"source-store-hash":     {meaning: "hash of the store read from (webhooks serve: the store whose callbacks are accepted)", env: "BIGCOMMERCE_SOURCE_STORE_HASH"},
	"source-token":          {meaning: "access token of the store read from", env: "BIGCOMMERCE_SOURCE_ACCESS_TOKEN"},
	"target-api-url":        {meaning: "API root of the store written to (nightly: its Voucherify sync's)", env: "BIGCOMMERCE_TARGET_API_URL"},
	"target-store-hash":     {meaning: "hash of the store written to", env: "BIGCOMMERCE_TARGET_STORE_HASH"},
	"target-token":          {meaning: "access token of the store written to", env: "BIGCOMMERCE_TARGET_ACCESS_TOKEN"},
	"target-storefront-url": {meaning: "storefront of the store written to: its form fields are read first"},
	"in":                    {meaning: "the staging directory read", scoped: true},
	"out":                   {meaning: "what the command writes: a staging directory (extract, transform) or a warehouse dataset (export, nightly)", scoped: true},
	"state":                 {meaning: "the command's own state between runs: a watermark (extract, export, nightly), the load's SQLite checkpoint (load), the emulated store (sandbox)", scoped: true},
	"work":                  {meaning: "work directory of a whole run: its stages' files, state and results", scoped: true},
	"spool":                 {meaning: "the webhook spool: the receiver writes it, nightly reads it"},

	// How the stages run.
	"since":                {meaning: "extract only records modified at or after this RFC 3339 time"},
	"entities":             {meaning: "the entities a store extract writes"},
	"concurrency":          {meaning: "requests in flight at most (extract: in all; load: per endpoint, 0 = the documented caps); the store's quota applies on top"},
	"progress-every":       {meaning: "interval of progress log lines when stderr is not a terminal (on a terminal: bars); 0: none"},
	"dry-run":              {meaning: "validate and print the plan; write nothing"},
	"results-format":       {meaning: "the records' outcomes: `parquet` (results.parquet), `csv` (success.csv and error.csv) or `parquet,csv`"},
	"on-existing":          {meaning: "when the target already has a customer's email: `skip`, `update` or `fail`"},
	"force-password-reset": {meaning: "created customers choose a new password at their next login (hashes cannot be imported)"},
	"create-groups":        {meaning: "create the customer groups the target lacks, matched by name"},
	"missing-group":        {meaning: "a customer whose group the target cannot have: `reject` or `default`"},
	"channel-map":          {meaning: "`SRC=DST,…`: the target channel of each source channel id"},
	"with-consent":         {meaning: "carry the customers' data preferences (consent)"},
	"disable":              {meaning: "normalisation rules to turn off, comma-separated"},
	"memory-limit":         {meaning: "the transform's memory budget (`512MiB`, `2GiB`): its tables spill to disk past a share of it; also the Go runtime's soft limit"},
	"customer-survivor":    {meaning: "which of several customers with one email is kept: `newest`, `first` or `last`"},
	"reconcile":            {meaning: "read only the store's customer ids and tombstone those deleted"},
	"s3-endpoint":          {meaning: "API root of an S3-compatible store for `s3://` locations"},
	"s3-region":            {meaning: "region of the `s3://` bucket"},

	// The webhook receiver.
	"bigcommerce-header": {meaning: "`NAME=VALUE` header the BigCommerce hooks were created with; repeatable"},
	"bigcommerce-secret": {meaning: "BigCommerce app client secret: also require a Standard Webhooks signature"},
	"voucherify-secret":  {meaning: "Voucherify webhook secret key: enables /webhooks/voucherify"},
	"max-body-bytes":     {meaning: "largest webhook body accepted"},
	"stats-every":        {meaning: "how often the delivery counters are logged"},

	// The emulators, the demo and the benchmark: each setting belongs to
	// its process.
	"listen":               {meaning: "address to listen on (`host:port`; port 0 picks a free one)", scoped: true},
	"store-hash":           {meaning: "the store hash the sandbox serves under /stores/{hash}/v3", scoped: true},
	"token":                {meaning: "the access token the sandbox requires", scoped: true},
	"quota":                {meaning: "requests per `--window` the emulated API allows (demo, bench: the target store's)", scoped: true},
	"window":               {meaning: "the emulated API's quota window", scoped: true},
	"latency":              {meaning: "latency the emulated store adds per request", scoped: true},
	"fault-rate":           {meaning: "fraction of requests the sandbox fails (500/502/503 or a cut connection)", scoped: true},
	"generate":             {meaning: "customers the emulator generates at start", scoped: true},
	"seed":                 {meaning: "seed of generated data (and the sandbox's jitter and faults)", scoped: true},
	"loose-emails":         {meaning: "compare emails as a loose collation might (ß = ss)", scoped: true},
	"config":               {meaning: "a new sandbox store's groups, channels and form fields (JSON)", scoped: true},
	"error-keys":           {meaning: "the sandbox's error bodies: `recorded` or `bracketed`", scoped: true},
	"shapes":               {meaning: "the sandbox's customer objects and meta: `recorded` or `documented`", scoped: true},
	"date-bounds":          {meaning: "the sandbox's date filters: `exclusive` or `inclusive`", scoped: true},
	"send-counts":          {meaning: "the sandbox sends address_count and attribute_count", scoped: true},
	"max-url-bytes":        {meaning: "longest request URI the sandbox serves (-1: no limit)", scoped: true},
	"app-id":               {meaning: "the X-App-Id the Voucherify sandbox requires", scoped: true},
	"app-token":            {meaning: "the X-App-Token the Voucherify sandbox requires", scoped: true},
	"burst-share":          {meaning: "fraction of generated Voucherify customers sharing one created_at", scoped: true},
	"max-burst":            {meaning: "largest burst of Voucherify customers sharing one created_at", scoped: true},
	"export-polls":         {meaning: "Get Export answers IN_PROGRESS before DONE (-1: none)", scoped: true},
	"download-url":         {meaning: "root of the Voucherify sandbox's export file URLs", scoped: true},
	"csv-header":           {meaning: "the Voucherify export's headings: `labels` or `fields`", scoped: true},
	"csv-bom":              {meaning: "the Voucherify export starts with a UTF-8 byte order mark", scoped: true},
	"csv-crlf":             {meaning: "the Voucherify export's lines end with CRLF", scoped: true},
	"customers":            {meaning: "customers in the generated source store", scoped: true},
	"voucherify-customers": {meaning: "customers in the demo's generated Voucherify project", scoped: true},
	"samples":              {meaning: "a samples directory instead of the one built into bcetl", scoped: true},
	"limit":                {meaning: "print at most N rows (0: all)", scoped: true},

	// Cobra's completion command.
	"no-descriptions": {meaning: "completions without descriptions", env: envNone},
}

// envWord is a command path or flag name as it appears in a variable:
// upper case, dashes and spaces become underscores.
func envWord(s string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", " ", "_").Replace(s))
}

// envScoped is BCETL_<CMD>_<NAME>.
func envScoped(path, flag string) string { return "BCETL_" + envWord(path) + "_" + envWord(flag) }

// envUnscoped is the flag's unscoped variable, or "" for a scoped flag or
// one no variable sets.
func envUnscoped(flag string) string {
	d := vocabulary[flag]
	switch {
	case d.scoped || d.env == envNone:
		return ""
	case d.env != "":
		return d.env
	}
	return "BCETL_" + envWord(flag)
}

// envNames are the variables that set --flag of the command at path, in
// order: the scoped one, then the unscoped one if the flag has it.
func envNames(path, flag string) []string {
	if vocabulary[flag].env == envNone {
		return nil
	}
	var names []string
	if path != "" { // bcetl itself has only the unscoped
		names = append(names, envScoped(path, flag))
	}
	if u := envUnscoped(flag); u != "" {
		names = append(names, u)
	}
	return names
}
