package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bcetl/bcetl/internal/sandbox"
)

// localStore is a sandbox served on a loopback port inside this process,
// for demo and bench: the pipeline reaches it over real HTTP, as it would
// reach BigCommerce.
type localStore struct {
	*sandbox.Server
	URL   string // the API root, http://127.0.0.1:PORT/stores/HASH/v3
	Hash  string
	Token string
	hs    *http.Server
}

func startLocalStore(opts sandbox.Options) (*localStore, error) {
	srv, err := sandbox.New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, err
	}
	ls := &localStore{Server: srv, Hash: opts.StoreHash, Token: opts.Token,
		URL: fmt.Sprintf("http://%s/stores/%s/v3", ln.Addr(), opts.StoreHash),
		hs:  &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}}
	go ls.hs.Serve(ln)
	return ls, nil
}

func (l *localStore) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.hs.Shutdown(ctx)
	l.Server.Close()
}

// storefront is the store's storefront root (the sandbox serves its
// Storefront API on the same listener).
func (l *localStore) storefront() string { return strings.SplitN(l.URL, "/stores/", 2)[0] }

// targetOf is the configuration of a target a merchant has set up for a
// migration from src: src's sign-up and address form fields (they must
// exist before values of them can be written), its channels under other
// ids (a channel map names them: channelMap), and no customer groups (the
// migration creates them by name).
func targetOf(src *localStore) (*sandbox.StoreConfig, map[int64]int64) {
	sc := src.Config()
	cfg := &sandbox.StoreConfig{CustomerFields: sc.CustomerFields, AddressFields: sc.AddressFields}
	m := map[int64]int64{}
	for _, ch := range sc.Channels {
		if ch.ID != 1 {
			m[ch.ID] = ch.ID + 1000
			ch.ID += 1000
		}
		cfg.Channels = append(cfg.Channels, ch)
	}
	return cfg, m
}

func (l *localStore) flags() storeFlags {
	return storeFlags{apiURL: &l.URL, storeHash: &l.Hash, token: &l.Token}
}

// peakRSS returns the process's peak resident set size in bytes (VmHWM),
// or 0 where /proc is not available.
func peakRSS() int64 { return procStatus("VmHWM:") }

// processCPU is this process's user + system CPU time, from /proc (0
// where there is none). The sandboxes are idle while the transform runs,
// so over that stage it is the transform's.
func processCPU() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses and may
	// hold spaces: utime and stime are the 12th and 13th.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on every
// Linux platform Go supports.
const clockTicks = 100
