package pipelines

import (
	"encoding/json"

	"github.com/bcetl/bcetl/internal/atomicfile"
)

// writeJSON writes v as indented JSON, atomically and owner-only.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'))
}
