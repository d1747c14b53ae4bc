package sandbox

// Persistence (Options.StatePath, `bcetl sandbox --state FILE`).
//
// Choice: a gob snapshot plus a write-ahead journal, not "save the whole
// store before every answer". The rule is that a write answered with 2xx
// must survive a SIGKILL of the sandbox; writing a snapshot of a million
// customers takes on the order of a second, so doing it per write would make
// the sandbox useless for load tests. Instead every write appends the
// records it changed (JSON lines) to FILE.journal.<gen> and the answer waits
// until they are fsynced. Writes arriving while an fsync runs share the next
// one (group commit), so concurrent writers cost one fsync per batch, not
// per request.
//
// Snapshots (gob, temp file in the same directory, fsync, rename, fsync of
// the directory, mode 0600) are written by Save, by Close and by a
// background loop once the journal is big enough to make restarts slow.
// A snapshot names the journal generation that follows it; on start the
// snapshot is loaded and every journal of that generation or later is
// replayed, ignoring a torn last line (that write was never acknowledged).
// New writes always go to a fresh generation, never appended after a torn
// line.

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	opPutCustomer  = "c"
	opDelCustomers = "-c"
	opPutAddress   = "a"
	opDelAddresses = "-a"
	opPutValue     = "v"
	opDelValues    = "-v"
	opPutAttr      = "t"
	opDelAttrs     = "-t"
	// The store's configuration and the resources beside customers.
	opPutGroup       = "g"
	opPutChannel     = "ch"
	opSetForms       = "f"
	opPutSubscriber  = "s"
	opDelSubscribers = "-s"
	opPutMetafield   = "m"
	opDelMetafields  = "-m"

	snapshotVersion = 1

	// Background snapshot thresholds: the journal is always durable, so
	// snapshots only bound replay time at the next start.
	snapshotQuietBytes = 1 << 20  // after 1 s without writes
	snapshotForceBytes = 64 << 20 // at once
)

type journalOp struct {
	Op  string         `json:"op"`
	C   *customerRec   `json:"c,omitempty"`
	A   *addressRec    `json:"a,omitempty"`
	V   *valueRec      `json:"v,omitempty"`
	T   *attrRec       `json:"t,omitempty"`
	G   *groupRec      `json:"g,omitempty"`
	Ch  *channelRec    `json:"ch,omitempty"`
	F   *formsRec      `json:"f,omitempty"`
	S   *subscriberRec `json:"s,omitempty"`
	M   *metaRec       `json:"m,omitempty"`
	IDs []int64        `json:"ids,omitempty"`
}

type snapshot struct {
	Version                                        int
	JournalGen                                     uint64
	NextCustomer, NextAddress, NextValue, NextAttr int64
	Customers                                      []*customerRec
	Addresses                                      []*addressRec
	Values                                         []*valueRec
	Attrs                                          []*attrRec

	// Added with issue 13; a snapshot written before has none of them and
	// is read as a store of the default configuration (restore).
	Configured                               bool
	Groups                                   []*groupRec
	Channels                                 []*channelRec
	CustomerFields, AddressFields            []FormField
	Subscribers                              []*subscriberRec
	Metafields                               []*metaRec
	NextGroup, NextSubscriber, NextMetafield int64
}

// journal is the group-commit writer.
type journal struct {
	path   string // the state file; journals are path.journal.<gen>
	mu     sync.Mutex
	cond   *sync.Cond
	f      *os.File
	gen    uint64
	size   int64 // bytes in the current generation
	buf    []byte
	seq    uint64 // last appended batch
	synced uint64 // last batch on disk
	err    error
	closed bool
	done   chan struct{}
	last   time.Time // last append
}

func journalName(path string, gen uint64) string {
	return path + ".journal." + strconv.FormatUint(gen, 10)
}

func openJournal(path string, gen uint64) (*journal, error) {
	f, err := os.OpenFile(journalName(path, gen), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	j := &journal{path: path, f: f, gen: gen, done: make(chan struct{})}
	j.cond = sync.NewCond(&j.mu)
	go j.loop()
	return j, nil
}

// append queues the records of one write and returns the number to wait
// for. It is called with the store locked, so journal order is store order.
func (j *journal) append(ops []journalOp) uint64 {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, op := range ops {
		_ = enc.Encode(op) // the records hold only encodable types
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf = append(j.buf, b.Bytes()...)
	j.seq++
	j.last = time.Now()
	j.cond.Broadcast()
	return j.seq
}

// wait blocks until batch seq is on disk.
func (j *journal) wait(seq uint64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.synced < seq && j.err == nil {
		j.cond.Wait()
	}
	return j.err
}

func (j *journal) loop() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for {
		for len(j.buf) == 0 && !j.closed {
			j.cond.Wait()
		}
		if len(j.buf) == 0 && j.closed {
			close(j.done)
			return
		}
		buf, seq, f := j.buf, j.seq, j.f
		j.buf = nil
		j.mu.Unlock()
		_, err := f.Write(buf)
		if err == nil {
			err = f.Sync()
		}
		j.mu.Lock()
		if err != nil && j.err == nil {
			j.err = fmt.Errorf("journal: %w", err)
		}
		j.synced = seq
		j.size += int64(len(buf))
		j.cond.Broadcast()
	}
}

// rotate waits for everything appended so far to be on disk and switches
// to generation gen+1. The caller holds the store lock (no appends).
func (j *journal) rotate() (uint64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.synced < j.seq && j.err == nil {
		j.cond.Wait()
	}
	if j.err != nil {
		return 0, j.err
	}
	f, err := os.OpenFile(journalName(j.path, j.gen+1), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	_ = j.f.Close()
	j.f, j.gen, j.size = f, j.gen+1, 0
	return j.gen, nil
}

func (j *journal) stats() (size int64, last time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.size + int64(len(j.buf)), j.last
}

func (j *journal) close() error {
	j.mu.Lock()
	j.closed = true
	j.cond.Broadcast()
	j.mu.Unlock()
	<-j.done
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.f.Close(); err != nil && j.err == nil {
		j.err = err
	}
	return j.err
}

// Save writes a snapshot of the store to StatePath atomically. Readers go
// on while it runs; writers wait (the records are encoded in place).
func (s *Server) Save() error {
	if s.opts.StatePath == "" {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	path := s.opts.StatePath
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	st := s.st
	st.mu.RLock()
	snap := snapshot{
		Version:      snapshotVersion,
		NextCustomer: st.nextCustomer, NextAddress: st.nextAddress, NextValue: st.nextValue, NextAttr: st.nextAttr,
		Customers: st.customers, Addresses: st.addresses, Values: st.values, Attrs: st.attrs,
		Configured: true, Groups: st.groups, Channels: st.channels, CustomerFields: st.custForm, AddressFields: st.addrForm,
		Subscribers: st.subscribers, Metafields: st.metafields,
		NextGroup: st.nextGroup, NextSubscriber: st.nextSubscriber, NextMetafield: st.nextMetafield,
	}
	var gen uint64
	if s.j != nil {
		gen, err = s.j.rotate()
	}
	if err == nil {
		snap.JournalGen = gen
		bw := bufio.NewWriterSize(tmp, 1<<20)
		err = gob.NewEncoder(bw).Encode(&snap)
		if err == nil {
			err = bw.Flush()
		}
	}
	st.mu.RUnlock()
	if err == nil {
		err = tmp.Sync()
	}
	if e := tmp.Close(); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("sandbox: save %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("sandbox: save %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	// Journals before the snapshot's generation are now redundant.
	for _, g := range journalGens(path) {
		if g < gen {
			os.Remove(journalName(path, g))
		}
	}
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

func journalGens(path string) []uint64 {
	matches, _ := filepath.Glob(path + ".journal.*")
	var gens []uint64
	for _, m := range matches {
		if g, err := strconv.ParseUint(strings.TrimPrefix(m, path+".journal."), 10, 64); err == nil {
			gens = append(gens, g)
		}
	}
	sort.Slice(gens, func(i, k int) bool { return gens[i] < gens[k] })
	return gens
}

// load reads the snapshot and replays the journals; it returns the next
// journal generation to write.
func (s *Server) load() (uint64, error) {
	path := s.opts.StatePath
	st := s.st
	var from uint64
	f, err := os.Open(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return 0, err
	default:
		var snap snapshot
		err = gob.NewDecoder(bufio.NewReaderSize(f, 1<<20)).Decode(&snap)
		f.Close()
		if err != nil {
			return 0, fmt.Errorf("sandbox: read state %s: %w", path, err)
		}
		if snap.Version != snapshotVersion {
			return 0, fmt.Errorf("sandbox: state %s has version %d, want %d", path, snap.Version, snapshotVersion)
		}
		st.restore(&snap)
		from = snap.JournalGen
	}
	next := from
	for _, g := range journalGens(path) {
		if g < from {
			continue
		}
		if err := st.replay(journalName(path, g)); err != nil {
			return 0, err
		}
		next = g + 1
	}
	return next, nil
}

func (st *store) restore(snap *snapshot) {
	st.customers, st.addresses, st.values, st.attrs = snap.Customers, snap.Addresses, snap.Values, snap.Attrs
	st.nextCustomer, st.nextAddress, st.nextValue, st.nextAttr = snap.NextCustomer, snap.NextAddress, snap.NextValue, snap.NextAttr
	st.configured = snap.Configured
	st.groups, st.channels, st.custForm, st.addrForm = snap.Groups, snap.Channels, snap.CustomerFields, snap.AddressFields
	st.subscribers, st.metafields = snap.Subscribers, snap.Metafields
	st.nextGroup, st.nextSubscriber, st.nextMetafield = max(snap.NextGroup, 1), max(snap.NextSubscriber, 1), max(snap.NextMetafield, 1)
	st.byEmail = make(map[string]*customerRec, len(st.customers))
	st.subsByEmail = make(map[string]*subscriberRec, len(st.subscribers))
	for _, sb := range st.subscribers {
		st.subsByEmail[st.emailKey(sb.Email)] = sb
	}
	st.forms = 0
	for _, c := range st.customers {
		st.byEmail[st.emailKey(c.Email)] = c
		st.forms += len(c.Forms)
		c.upgradeCredit()
	}
	for _, m := range st.metafields {
		if c := st.customer(m.CustomerID); c != nil {
			c.metas = append(c.metas, m)
		}
	}
	for _, a := range st.addresses {
		if c := st.customer(a.CustomerID); c != nil {
			c.addrs = append(c.addrs, a)
		}
		st.forms += len(a.Forms)
	}
	for _, v := range st.values {
		if c := st.customer(v.CustomerID); c != nil {
			c.vals = append(c.vals, v)
		}
	}
	st.gen++
}

func (st *store) replay(name string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	lines := bytes.Split(data, []byte("\n"))
	for i, line := range lines {
		if len(line) == 0 {
			continue
		}
		var op journalOp
		if err := json.Unmarshal(line, &op); err != nil {
			if i == len(lines)-1 { // torn tail: that write was never acknowledged
				break
			}
			return fmt.Errorf("sandbox: journal %s line %d: %w", name, i+1, err)
		}
		st.apply(op)
	}
	return nil
}

// apply replays one journal record.
func (st *store) apply(op journalOp) {
	switch op.Op {
	case opPutCustomer:
		op.C.upgradeCredit()
		if c := st.customer(op.C.ID); c != nil {
			oldEmail, oldForms := c.Email, len(c.Forms)
			addrs, vals, metas := c.addrs, c.vals, c.metas
			*c = *op.C
			c.addrs, c.vals, c.metas = addrs, vals, metas
			st.customerChanged(c, oldEmail, oldForms)
		} else {
			st.insertCustomer(op.C)
		}
	case opDelCustomers:
		st.deleteCustomers(op.IDs)
	case opPutAddress:
		if a := st.address(op.A.ID); a != nil {
			oldForms := len(a.Forms)
			*a = *op.A
			st.addressChanged(a, oldForms)
		} else if st.customer(op.A.CustomerID) != nil {
			st.insertAddress(op.A)
		}
	case opDelAddresses:
		st.deleteAddresses(op.IDs)
	case opPutValue:
		if v := st.value(op.V.ID); v != nil {
			*v = *op.V
		} else if st.customer(op.V.CustomerID) != nil {
			st.insertValue(op.V)
		}
	case opDelValues:
		st.deleteValues(op.IDs)
	case opPutAttr:
		if a := st.attr(op.T.ID); a != nil {
			*a = *op.T
		} else {
			st.insertAttr(op.T)
		}
	case opDelAttrs:
		st.deleteAttrs(op.IDs)
	case opPutGroup:
		if g := st.group(op.G.ID); g != nil {
			*g = *op.G
		} else {
			claimID(&op.G.ID, &st.nextGroup)
			st.groups = insertByID(st.groups, op.G)
		}
	case opPutChannel:
		st.putChannel(op.Ch)
		st.configured = true
	case opSetForms:
		st.setForms(op.F.Customer, op.F.Address)
		st.configured = true
	case opPutSubscriber:
		old := ""
		if sb := st.subscriber(op.S.ID); sb != nil {
			old = sb.Email
			*sb = *op.S
			op.S = sb
		}
		st.putSubscriber(op.S, old)
	case opDelSubscribers:
		st.deleteSubscribers(op.IDs)
	case opPutMetafield:
		if m := st.metafield(op.M.ID); m != nil {
			*m = *op.M
		} else if st.customer(op.M.CustomerID) != nil {
			st.putMetafield(op.M)
		}
	case opDelMetafields:
		st.deleteMetafields(op.IDs)
	}
}

// upgradeCredit moves the float store credit of an older state file to
// the exact decimals kept now.
func (c *customerRec) upgradeCredit() {
	if len(c.Credit) > 0 && c.Credits == nil {
		for _, f := range c.Credit {
			c.Credits = append(c.Credits, strconv.FormatFloat(f, 'f', -1, 64))
		}
	}
	c.Credit = nil
}

// snapshotLoop writes a snapshot when the journal has grown: after a quiet
// second once it holds snapshotQuietBytes, at once past snapshotForceBytes.
func (s *Server) snapshotLoop() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		size, last := s.j.stats()
		if size >= snapshotForceBytes || (size >= snapshotQuietBytes && time.Since(last) >= time.Second) {
			if err := s.Save(); err != nil && s.opts.Logger != nil {
				s.opts.Logger.Error("sandbox: snapshot failed", "err", err)
			}
		}
	}
}
