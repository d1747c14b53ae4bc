package lockfile

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestHelperHoldLock is not a test: run as a subprocess by the tests below
// (LOCKFILE_HOLD set), it takes the lock, says so on stdout and holds it
// until killed.
func TestHelperHoldLock(t *testing.T) {
	path := os.Getenv("LOCKFILE_HOLD")
	if path == "" {
		t.Skip("subprocess helper")
	}
	if _, err := Acquire(path, "bcetl test-holder"); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	select {} // until killed
}

// holder starts a process that holds the lock on path.
func holder(t *testing.T, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), "LOCKFILE_HOLD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("holder: %q %v", line, err)
	}
	return cmd
}

// A second process is refused at once, told who holds the lock; once the
// holder is SIGKILLed (no chance to clean up), the next Acquire succeeds.
func TestAnotherProcessIsRefusedAndAKilledHolderReleases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "load.db")
	h := holder(t, path)
	_, err := Acquire(path, "bcetl load")
	var he *HeldError
	if !errors.As(err, &he) {
		t.Fatalf("Acquire while another process holds the lock: %v, want a HeldError", err)
	}
	if he.Holder.PID != h.Process.Pid || he.Holder.Purpose != "bcetl test-holder" {
		t.Errorf("holder %+v, want pid %d", he.Holder, h.Process.Pid)
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("pid %d", h.Process.Pid)) || !strings.Contains(msg, path) {
		t.Errorf("message does not name the holder and the state: %s", msg)
	}
	if err := h.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	h.Wait()
	l, err := Acquire(path, "bcetl load")
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path + Suffix); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file: %v %v", fi, err)
	}
}

// Two users of the library in one process exclude each other too, and a
// released lock can be taken again.
func TestSameProcessIsRefusedUntilReleased(t *testing.T) {
	path := filepath.Join(t.TempDir(), "work")
	l, err := Acquire(path, "bcetl migrate")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(path, "bcetl migrate")
	var he *HeldError
	if !errors.As(err, &he) || he.Holder.PID != os.Getpid() {
		t.Fatalf("second Acquire: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l.Release() // twice is harmless
	l2, err := Acquire(path, "bcetl migrate")
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	l2.Release()
}

// Every spelling of a guarded path meets the same lock: a directory with
// or without a trailing slash, a state file through a symbolic link.
func TestSpellingsShareTheLock(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, "bcetl migrate")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if _, err := Acquire(dir+"/", "bcetl migrate"); !IsHeld(err) {
		t.Errorf("the same directory with a slash: %v", err)
	}
	state := filepath.Join(dir, "load.db")
	if err := os.WriteFile(state, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "alias.db")
	if err := os.Symlink(state, link); err != nil {
		t.Fatal(err)
	}
	ls, err := Acquire(state, "bcetl load")
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Release()
	if _, err := Acquire(link, "bcetl load"); !IsHeld(err) {
		t.Errorf("the state file through a symbolic link: %v", err)
	}
}
