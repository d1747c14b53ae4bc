package load

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bcetl/bcetl/internal/stagingtest"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bcetl/bcetl/internal/staging"
)

// TestCrashResume is the exactly-once proof. It loads 20,000 customers
// (about two addresses each, some with twelve addresses and twelve
// attribute values, form fields on customers and addresses) into a sandbox
// running as its own process with a persisted store, 5% faults (half of
// the write faults after the commit) and 20 ms latency. The loader is
// killed with SIGKILL at ten random moments and the sandbox once, and is
// restarted each time with the same command. Then the target store is
// compared with the input through the API: every customer once by email,
// every address, attribute value and form field value present, nothing
// doubled; and results.parquet has one "loaded" row per input record.
//
// Both programs are the real bcetl binary, built without -race so that
// the test stays fast under `go test -race ./...`.
func TestCrashResume(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: skipped with -short")
	}
	dir := t.TempDir()
	// BCETL_BIN names a prebuilt binary (e.g. one built with -race to
	// check the loader itself for races, at the cost of time).
	bin := os.Getenv("BCETL_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "bcetl")
		build := exec.Command("go", "build", "-o", bin, "github.com/bcetl/bcetl/cmd/bcetl")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	in := filepath.Join(dir, "staging")
	if err := os.Mkdir(in, 0o700); err != nil {
		t.Fatal(err)
	}
	spec := genSpec{customers: 20000, bigEvery: 50}
	want := writeStaging(t, in, spec)

	sb := &sandboxProc{t: t, bin: bin, state: filepath.Join(dir, "store.state"), listen: "127.0.0.1:0", log: filepath.Join(dir, "sandbox.log")}
	sb.start("0.05")
	defer sb.kill()

	statePath := filepath.Join(dir, "load", "state.db")
	if err := os.MkdirAll(filepath.Dir(statePath), 0o700); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "load.log")
	loader := func() *exec.Cmd {
		lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "load", "--in", in, "--state", statePath, "--target-api-url", sb.url, "--target-store-hash", testHash, "--log-level", "debug")
		cmd.Env = append(os.Environ(), "BIGCOMMERCE_TARGET_ACCESS_TOKEN="+testToken)
		cmd.Stdout, cmd.Stderr = lf, lf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for kill := 0; kill < 10; kill++ {
		cmd := loader()
		delay := time.Duration(300+rng.IntN(2500)) * time.Millisecond
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			t.Logf("loader finished before kill %d: %v", kill, err)
		case <-time.After(delay):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			t.Logf("kill %d: loader killed after %s", kill, delay)
		}
		if kill == 4 {
			// The store dies too; it comes back from its own state on
			// the same port.
			sb.kill()
			sb.start("0.05")
			t.Logf("sandbox killed and restarted")
		}
	}
	// Run to completion (faults may fail a run: resume until it is done).
	var err error
	t0 := time.Now()
	for attempt := 0; attempt < 5; attempt++ {
		if err = loader().Wait(); err == nil {
			break
		}
		t.Logf("final run %d: %v", attempt, err)
	}
	if err != nil {
		b, _ := os.ReadFile(logPath)
		t.Fatalf("loader did not finish: %v\n%s", err, tail(string(b), 3000))
	}
	t.Logf("final run took %s", time.Since(t0).Round(time.Millisecond))
	// Verify on a fault-free sandbox over the same store.
	t0 = time.Now()
	sb.kill()
	sb.start("0")
	verifyTarget(t, newClient(t, sb.url), spec, want)
	t.Logf("verification took %s", time.Since(t0).Round(time.Millisecond))
	res := readResults(t, statePath)
	if len(res) != want.total() {
		t.Errorf("results rows %d, input records %d", len(res), want.total())
	}
	bad := 0
	for k, r := range res {
		if r.Status != staging.StatusLoaded {
			if bad++; bad <= 10 {
				t.Errorf("%s: %s %s", k, r.Status, r.Message)
			}
		}
	}
}

// sandboxProc is `bcetl sandbox` as a child process.
type sandboxProc struct {
	t      *testing.T
	bin    string
	state  string
	listen string
	log    string
	url    string
	cmd    *exec.Cmd
	// configured: the store was started once with its configuration,
	// which its state now holds.
	configured bool
}

func (s *sandboxProc) start(faultRate string) {
	s.t.Helper()
	lf, err := os.OpenFile(s.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	defer lf.Close()
	args := []string{"sandbox", "--listen", s.listen, "--store-hash", testHash, "--token", testToken,
		"--state", s.state, "--fault-rate", faultRate, "--latency", "20ms", "--quota", "0"}
	if !s.configured {
		// A new store gets the form fields the input names; a restarted
		// one has them in its state.
		cfg := filepath.Join(filepath.Dir(s.state), "target.json")
		b, _ := json.Marshal(stagingtest.TargetConfig())
		if err := os.WriteFile(cfg, b, 0o600); err != nil {
			s.t.Fatal(err)
		}
		args = append(args, "--config", cfg)
		s.configured = true
	}
	s.cmd = exec.Command(s.bin, args...)
	s.cmd.Stderr = lf
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b, _ := os.ReadFile(s.log)
		s.t.Fatalf("sandbox did not start: %v\n%s", err, b)
	}
	s.url = strings.TrimSpace(line)
	// Restarts reuse the port, so a loader's --target-api-url stays valid.
	hostport := strings.TrimPrefix(s.url, "http://")
	s.listen = hostport[:strings.IndexByte(hostport, '/')]
}

func (s *sandboxProc) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	err := s.cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		s.t.Logf("sandbox wait: %v", err)
	}
	s.cmd = nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprint("…", s[len(s)-n:])
}
