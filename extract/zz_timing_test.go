package extract

import (
	"testing"
	"time"
	"path/filepath"
	"github.com/bcetl/bcetl/internal/staging"
)

func TestZZTiming(t *testing.T) {
	t0 := time.Now()
	e := newStoreEnv(t, 10000)
	t.Log("generate", time.Since(t0)); t0 = time.Now()
	dir := t.TempDir()
	m, _ := e.extract(dir, StoreOptions{SpillRows: 3000})
	t.Log("extract", time.Since(t0)); t0 = time.Now()
	for _, en := range StoreEntities { assertArrowAgrees(t, filepath.Join(dir, staging.FileName(en))) }
	t.Log("arrow", time.Since(t0)); t0 = time.Now()
	_ = m
	readRows[staging.Customer](t, dir, staging.EntityCustomers)
	t.Log("read", time.Since(t0))
}
