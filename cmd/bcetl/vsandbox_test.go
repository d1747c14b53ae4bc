package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// bcetl voucherify-sandbox serves the emulator with the flags given: the
// generated customers, the two credentials, the quota; it prints its URL
// once listening, stops when its context ends, and never logs the token.
// Flag mistakes are usage errors naming the flag.
func TestVoucherifySandboxCommand(t *testing.T) {
	const token = "vs-t0ken-never-logged"
	fs := pflag.NewFlagSet("voucherify-sandbox", pflag.ContinueOnError)
	runFn := setupVoucherifySandbox(fs)
	if err := fs.Parse([]string{"--listen", "127.0.0.1:0", "--app-id", "app", "--app-token", token, "--generate", "250",
		"--quota", "7", "--csv-header", "fields", "--csv-bom=false"}); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	var logs bytes.Buffer
	a := &app{stdout: pw, stderr: &logs, log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runFn(ctx, a); pw.Close() }()
	base, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	base = strings.TrimSpace(base)
	go io.Copy(io.Discard, pr)

	get := func(path string, auth bool) (*http.Response, map[string]any) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if auth {
			req.Header.Set("X-App-Id", "app")
			req.Header.Set("X-App-Token", token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return res, m
	}
	if res, m := get("/v1/customers?limit=100", true); res.StatusCode != 200 || m["total"] != float64(250) ||
		res.Header.Get("X-Rate-Limit-Limit") != "7" {
		t.Errorf("list: %d %v %v", res.StatusCode, m["total"], res.Header)
	}
	if res, _ := get("/v1/customers", false); res.StatusCode != 401 {
		t.Errorf("without credentials: %d", res.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), token) {
		t.Error("the token appears in the log")
	}
	if !strings.Contains(logs.String(), "customers=250") {
		t.Errorf("ready line: %s", logs.String())
	}

	for _, args := range [][]string{
		{"--app-token", "x"},
		{"--app-id", "a", "--app-token", "x", "--csv-header", "names"},
		{"--app-id", "a", "--app-token", "x", "--export-polls", "0"},
		{"--app-id", "a", "--app-token", "x", "--burst-share", "3"},
	} {
		var out, errOut bytes.Buffer
		if code := run(append([]string{"voucherify-sandbox", "--listen", "127.0.0.1:0"}, args...), &out, &errOut); code != exitUsage {
			t.Errorf("bcetl voucherify-sandbox %v: exit %d, want %d: %s", args, code, exitUsage, errOut.String())
		}
	}
}
