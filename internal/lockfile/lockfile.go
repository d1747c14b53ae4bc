// Package lockfile makes a state file single-writer: a run holds an OS
// file lock on "<state>.lock" for as long as it uses the state, and a
// second run on the same state is refused at once, with a message naming
// the process that holds it.
//
// The lock is flock(2) (LockFileEx on Windows) through github.com/gofrs/flock
// rather than a row in the database or a pid file: the operating system
// releases it when the holder exits for any reason, SIGKILL and power loss
// included, so a crashed run never blocks the next one and there is no
// stale lock to clean up. gofrs/flock is preferred to calling x/sys/unix
// directly for its portability and because it already handles the
// NFSv4 quirk (flock emulated by fcntl needs a read-write descriptor) that
// util-linux's flock(1) works around.
//
// The lock file itself is left in place when released (removing it would
// let a process that opened the old file and one that creates a new one
// both "hold" the lock); only its contents are cleared.
package lockfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/bcetl/bcetl/internal/atomicfile"
)

// Suffix is appended to a guarded file's path to name its lock file; a
// guarded directory holds its lock file as DirLock.
const (
	Suffix  = ".lock"
	DirLock = "bcetl.lock"
)

// Holder describes the process that holds a lock, as it wrote it into the
// lock file. It never holds a command line: flags may carry a token.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Program string    `json:"program"`
	Purpose string    `json:"purpose"` // e.g. "bcetl load"
	Started time.Time `json:"started"`
}

func (h Holder) String() string {
	if h.PID == 0 {
		return "another process (it has not written its details yet)"
	}
	return fmt.Sprintf("pid %d on %s (%s, %s, started %s)", h.PID, h.Host, h.Program, h.Purpose, h.Started.UTC().Format(time.RFC3339))
}

// HeldError is returned by Acquire when another process holds the lock.
type HeldError struct {
	Path   string // the guarded file or directory
	Holder Holder
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("%s is in use by %s: two runs on one state would overwrite each other's work; "+
		"wait for that run to end or stop it (a stopped or killed run releases the lock), or use another state",
		e.Path, e.Holder)
}

// IsHeld reports whether err is (or wraps) a HeldError.
func IsHeld(err error) bool {
	var he *HeldError
	return errors.As(err, &he)
}

// Lock is a held lock.
type Lock struct {
	fl   *flock.Flock
	path string
}

// Acquire takes the exclusive lock guarding path (a state file or a work
// directory) without waiting: if another process, or another Acquire in
// this process, holds it, it returns a *HeldError naming the holder.
// purpose says what the holder is doing, for that message.
//
// The lock file is path+Suffix beside a file and DirLock inside an
// existing directory; an existing path is resolved through symbolic links
// first, so that every spelling of one state file meets the same lock.
func Acquire(path, purpose string) (*Lock, error) {
	lp := path + Suffix
	if real, err := filepath.EvalSymlinks(path); err == nil {
		lp = real + Suffix
		if fi, err := os.Stat(real); err == nil && fi.IsDir() {
			lp = filepath.Join(real, DirLock)
		}
	}
	if err := os.MkdirAll(filepath.Dir(lp), atomicfile.DirMode); err != nil {
		return nil, err
	}
	fl := flock.New(lp, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(atomicfile.FileMode))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", lp, err)
	}
	if !ok {
		return nil, &HeldError{Path: path, Holder: readHolder(lp)}
	}
	host, _ := os.Hostname()
	h := Holder{PID: os.Getpid(), Host: host, Program: filepath.Base(os.Args[0]), Purpose: purpose, Started: time.Now().UTC()}
	b, _ := json.Marshal(h)
	// Written through a second descriptor: flock is advisory, and the
	// lock's own descriptor is gofrs/flock's. Not atomicfile: renaming
	// would replace the inode the lock is held on.
	if err := os.WriteFile(lp, append(b, '\n'), atomicfile.FileMode); err != nil {
		fl.Unlock()
		return nil, fmt.Errorf("lock %s: %w", lp, err)
	}
	return &Lock{fl: fl, path: lp}, nil
}

// Release clears the holder's details and releases the lock. It is safe to
// call more than once.
func (l *Lock) Release() error {
	if l == nil || !l.fl.Locked() {
		return nil
	}
	os.Truncate(l.path, 0) // best effort: a stale holder is never shown anyway, the lock is what counts
	return l.fl.Unlock()
}

// readHolder reads what the holder wrote; a holder that has not written yet
// (or a foreign file) yields the zero Holder.
func readHolder(lp string) Holder {
	var h Holder
	if b, err := os.ReadFile(lp); err == nil {
		json.Unmarshal(b, &h)
	}
	return h
}
