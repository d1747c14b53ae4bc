package deploy

import (
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/modfile"
)

// The Dockerfile is checked without Docker (there is none here): parsed
// by a small strict parser that knows the instructions this file uses and
// refuses any other, then its go build command is run as written and the
// binary it makes is checked to be static. moby/buildkit's parser would do
// the parsing, but its go.mod raises klauspost/compress, grpc and x/exp in
// the shipped binary; a test should not change what is shipped.

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int
	cmd  string // upper case: FROM, RUN, …
	args string
}

// stage is a FROM and what follows it.
type stage struct {
	base, name string
	body       []instruction
}

// dockerfile is the parsed Dockerfile.
type dockerfile struct {
	args   map[string]string // ARG defaults before the first FROM
	stages []stage
}

var knownInstructions = map[string]bool{"FROM": true, "ARG": true, "WORKDIR": true, "COPY": true, "RUN": true,
	"ENV": true, "USER": true, "ENTRYPOINT": true, "CMD": true, "LABEL": true, "EXPOSE": true}

func parseDockerfile(text string) (*dockerfile, error) {
	d := &dockerfile{args: map[string]string{}}
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		for strings.HasSuffix(l, `\`) && i+1 < len(lines) {
			i++
			next := strings.TrimSpace(lines[i])
			if strings.HasPrefix(next, "#") {
				continue
			}
			l = strings.TrimSuffix(l, `\`) + " " + next
		}
		cmd, args, _ := strings.Cut(l, " ")
		if !knownInstructions[cmd] {
			return nil, fmt.Errorf("line %d: unknown or lower-case instruction %q", start, cmd)
		}
		in := instruction{line: start, cmd: cmd, args: strings.TrimSpace(args)}
		switch {
		case cmd == "FROM":
			f := strings.Fields(in.args)
			st := stage{base: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			} else if len(f) != 1 {
				return nil, fmt.Errorf("line %d: FROM %s: want IMAGE [AS NAME]", start, in.args)
			}
			d.stages = append(d.stages, st)
		case len(d.stages) == 0 && cmd == "ARG":
			k, v, _ := strings.Cut(in.args, "=")
			d.args[k] = v
		case len(d.stages) == 0:
			return nil, fmt.Errorf("line %d: %s before the first FROM", start, cmd)
		default:
			d.stages[len(d.stages)-1].body = append(d.stages[len(d.stages)-1].body, in)
		}
	}
	return d, nil
}

// expand substitutes ${NAME} from vars; any other $ is refused.
func expand(s string, vars map[string]string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "$")
		if i < 0 {
			return b.String() + s, nil
		}
		b.WriteString(s[:i])
		if !strings.HasPrefix(s[i:], "${") {
			return "", fmt.Errorf("%q: only ${NAME} is expanded here", s)
		}
		end := strings.Index(s[i:], "}")
		if end < 0 {
			return "", fmt.Errorf("%q: unterminated ${", s)
		}
		name := s[i+2 : i+end]
		v, ok := vars[name]
		if !ok {
			return "", fmt.Errorf("%q: %s is not declared", s, name)
		}
		b.WriteString(v)
		s = s[i+end+1:]
	}
}

// words splits a shell-form command line: blanks separate words, double
// quotes group; anything a shell would treat specially is refused, so the
// command runs here exactly as /bin/sh -c would run it in the build.
func words(s string) ([]string, error) {
	if strings.ContainsAny(s, "$`'|&;<>()*?\\") {
		return nil, fmt.Errorf("%q: keep the build command to plain words and double quotes", s)
	}
	var out []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case (r == ' ' || r == '\t') && !quoted:
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("%q: unbalanced quotes", s)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

func readDockerfile(t *testing.T) *dockerfile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseDockerfile(string(b))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	return d
}

// imageSpec is what the tests need from the Dockerfile.
type imageSpec struct {
	buildArgs  []string          // the go build command's words
	buildEnv   map[string]string // the build stage's ENV
	binary     string            // the path ENTRYPOINT runs
	uid, gid   int64             // the final USER
	finalImage string
}

// checkDockerfile checks the rules the image must keep and returns what
// the other tests use.
func checkDockerfile(t *testing.T, d *dockerfile) imageSpec {
	t.Helper()
	var spec imageSpec
	gomod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.ParseLax("go.mod", gomod, nil)
	if err != nil || mf.Go == nil {
		t.Fatalf("go.mod: %v", err)
	}
	if len(d.stages) < 2 {
		t.Fatalf("%d stages: want a multi-stage build (the toolchain stays out of the image)", len(d.stages))
	}
	build, final := d.stages[0], d.stages[len(d.stages)-1]
	if base, err := expand(build.base, d.args); err != nil || base != "golang:"+mf.Go.Version {
		t.Errorf("build stage FROM %s (%s, %v): want golang:%s, the go directive of go.mod", build.base, base, err, mf.Go.Version)
	}
	if build.name == "" {
		t.Error("the build stage has no name for COPY --from")
	}
	spec.buildEnv = map[string]string{}
	var out string
	for _, in := range build.body {
		switch in.cmd {
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					t.Errorf("line %d: ENV %s: want KEY=VALUE", in.line, in.args)
				}
				spec.buildEnv[k] = v
			}
		case "RUN":
			w, err := words(in.args)
			if err != nil {
				t.Errorf("line %d: %v", in.line, err)
				continue
			}
			if len(w) >= 2 && w[0] == "go" && w[1] == "build" {
				spec.buildArgs = w
				for i, a := range w {
					if a == "-o" && i+1 < len(w) {
						out = w[i+1]
					}
				}
			}
		}
	}
	if spec.buildEnv["CGO_ENABLED"] != "0" {
		t.Errorf("the build stage sets CGO_ENABLED=%q: want 0, a static binary", spec.buildEnv["CGO_ENABLED"])
	}
	if spec.buildArgs == nil || out == "" {
		t.Fatal("no RUN go build … -o PATH in the build stage")
	}

	spec.finalImage = final.base
	if !strings.HasPrefix(final.base, "gcr.io/distroless/static") && final.base != "scratch" {
		t.Errorf("final stage FROM %s: want distroless/static or scratch", final.base)
	}
	copied := ""
	for _, in := range final.body {
		switch in.cmd {
		case "COPY":
			f := strings.Fields(in.args)
			if len(f) == 3 && f[0] == "--from="+build.name && f[1] == out {
				copied = f[2]
			}
		case "USER":
			u, g, _ := strings.Cut(in.args, ":")
			spec.uid, err = strconv.ParseInt(u, 10, 64)
			if err != nil {
				t.Errorf("USER %s: want a numeric uid, so runAsNonRoot can verify it", in.args)
			}
			if spec.gid, err = strconv.ParseInt(g, 10, 64); err != nil {
				t.Errorf("USER %s: want a numeric gid", in.args)
			}
		case "ENTRYPOINT":
			var ep []string
			if err := json.Unmarshal([]byte(in.args), &ep); err != nil || len(ep) != 1 {
				t.Errorf("ENTRYPOINT %s: want the exec form with the binary alone", in.args)
			} else {
				spec.binary = ep[0]
			}
		case "RUN":
			t.Errorf("line %d: RUN in the final stage: it has no shell", in.line)
		}
	}
	if spec.uid == 0 {
		t.Error("the final stage runs as root: want a USER with a non-zero uid")
	}
	if spec.binary == "" || spec.binary != copied || filepath.Base(spec.binary) != "bcetl" {
		t.Errorf("ENTRYPOINT %q, binary copied from the build stage to %q: want bcetl, the same path", spec.binary, copied)
	}
	for _, st := range d.stages {
		for _, in := range st.body {
			up := strings.ToUpper(in.args)
			if (in.cmd == "ENV" || in.cmd == "ARG") && (strings.Contains(up, "TOKEN") || strings.Contains(up, "SECRET")) {
				t.Errorf("line %d: %s %s: no credential belongs in an image", in.line, in.cmd, in.args)
			}
		}
	}
	return spec
}

var (
	staticOnce sync.Once
	staticBin  string
	staticErr  error
)

// staticBinary runs the Dockerfile's go build command, as written, in the
// repository with the build stage's environment, once per test binary.
func staticBinary(t *testing.T, spec imageSpec) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	staticOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bcetl-image-")
		if err != nil {
			staticErr = err
			return
		}
		staticBin = filepath.Join(dir, "bcetl")
		args := append([]string{}, spec.buildArgs[1:]...)
		for i := range args {
			if i > 0 && args[i-1] == "-o" {
				args[i] = staticBin
			}
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = ".."
		// The golang image sets no GOFLAGS: this machine's must not apply.
		cmd.Env = append(os.Environ(), "GOFLAGS=")
		for k, v := range spec.buildEnv {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if b, err := cmd.CombinedOutput(); err != nil {
			staticErr = fmt.Errorf("%s: %v\n%s", strings.Join(spec.buildArgs, " "), err, b)
		}
	})
	if staticErr != nil {
		t.Fatal(staticErr)
	}
	return staticBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if staticBin != "" {
		os.RemoveAll(filepath.Dir(staticBin))
	}
	os.Exit(code)
}

// The Dockerfile is a multi-stage static build on distroless, non-root,
// with bcetl as its entrypoint; its build command makes a binary with no
// dynamic loader and no shared library, built without cgo.
func TestDockerfile(t *testing.T) {
	spec := checkDockerfile(t, readDockerfile(t))
	if runtime.GOOS != "linux" {
		t.Skip("the image is linux; the ELF checks need a linux build")
	}
	bin := staticBinary(t, spec)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has a PT_INTERP program header: it needs a dynamic loader, which distroless/static does not have")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) != 0 {
		t.Errorf("the binary needs shared libraries %v (%v)", libs, err)
	}
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("build settings %v: want CGO_ENABLED=0 and -trimpath", settings)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "bcetl ") {
		t.Errorf("the image's bcetl --version: %q, %v", out, err)
	}
}

// The parser refuses what it does not understand, so a Dockerfile change
// it cannot check fails here instead of passing unchecked.
func TestDockerfileParserIsStrict(t *testing.T) {
	for _, bad := range []string{
		"from golang:1 AS build\n",                   // lower case
		"FROM golang:1 AS build\nHEALTHCHECK NONE\n", // not known here
		"RUN go build\n",                             // before FROM
		"FROM a b\n",                                 // neither IMAGE nor IMAGE AS NAME
	} {
		if _, err := parseDockerfile(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	if _, err := words(`go build -ldflags="-s -w" $(evil)`); err == nil {
		t.Error("words accepted a command substitution")
	}
	if w, err := words(`go build -ldflags="-s -w" -o /out/bcetl ./cmd/bcetl`); err != nil || len(w) != 6 || w[2] != "-ldflags=-s -w" {
		t.Errorf("words = %q, %v", w, err)
	}
}
