package staging

// File names of the accounting files a stage may write beside the entity
// files.
const (
	RejectsFile = "rejects.parquet"
	MergesFile  = "merges.parquet"
	ReportFile  = "report.json"
)

// Stage names a stage of the pipeline: the stage column of
// rejects.parquet, and the stage a manifest and a report were written by.
type Stage string

// The stages.
const (
	StageExtract   Stage = "extract"
	StageTransform Stage = "transform"
	StageLoad      Stage = "load"
)

// Status is the outcome of one input record at the load: the status
// column of the load's results.parquet and of its state file's id map,
// and the ledger's columns.
type Status string

// The statuses. Every input record ends in one of the first four; pending
// appears only in the results of a run that stopped early (or a dry run).
const (
	StatusLoaded   Status = "loaded"           // created in the target
	StatusSkipped  Status = "skipped-existing" // the target had it already (--on-existing=skip, an identical address)
	StatusUpdated  Status = "updated"          // written into what the target had (--on-existing=update)
	StatusRejected Status = "rejected"         // refused, by the API or before any request
	StatusPending  Status = "pending"          // not settled yet: run again to resume
)

// Reject is one row of rejects.parquet: a record that a stage could not pass
// on, and why. Message is written for a person: it says what is wrong and
// what to change.
type Reject struct {
	Stage     Stage  `parquet:"stage"`  // extract | transform | load
	Entity    string `parquet:"entity"` // customers, addresses, ...
	SourceKey string `parquet:"source_key"`
	Field     string `parquet:"field"`
	Rule      string `parquet:"rule"`
	Value     string `parquet:"value"` // the offending value, truncated to MaxRejectValue bytes
	Message   string `parquet:"message"`
}

// MaxRejectValue bounds Reject.Value: reject files are for people, and a
// megabyte of junk helps nobody.
const MaxRejectValue = 200

// TruncateValue escapes s if it is not valid UTF-8 (ValidText), then cuts
// it to MaxRejectValue bytes on a rune boundary.
func TruncateValue(s string) string {
	s = ValidText(s)
	if len(s) <= MaxRejectValue {
		return s
	}
	cut := MaxRejectValue
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// Merge is one row of merges.parquet: a record folded into a duplicate. One
// row per merged record with Field empty, plus one row per conflicting value
// that was dropped (Field and DroppedValue set, KeptValue the survivor's).
type Merge struct {
	Entity       string `parquet:"entity"`
	SourceKey    string `parquet:"source_key"`
	SurvivorKey  string `parquet:"survivor_key"`
	Rule         string `parquet:"rule"` // e.g. address-key, email
	Field        string `parquet:"field"`
	DroppedValue string `parquet:"dropped_value"`
	KeptValue    string `parquet:"kept_value"`
}
