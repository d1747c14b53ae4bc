package transform

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/bcetl/bcetl/internal/staging"
)

// batchWriter buffers rows and hands full batches to a goroutine of its
// own, which encodes and compresses them into the Parquet file: the pass
// that writes goes on meanwhile, on another core. Batches arrive in the
// order written, so the file's rows are in that order.
type batchWriter[T any] struct {
	w      *staging.Writer[T]
	buf    []T
	full   chan []T
	free   chan []T
	done   chan struct{}
	failed atomic.Bool
	err    error // set by the goroutine before failed or done
	closed bool
}

// writerQueue is the number of batches a writer may have in flight.
const writerQueue = 4

func newBatchWriter[T any](path string) (*batchWriter[T], error) {
	w, err := staging.Create[T](path)
	if err != nil {
		return nil, err
	}
	b := &batchWriter[T]{w: w, buf: make([]T, 0, 1024), full: make(chan []T, writerQueue),
		free: make(chan []T, writerQueue+1), done: make(chan struct{})}
	running.Add(1)
	go b.encode()
	return b, nil
}

func (b *batchWriter[T]) encode() {
	defer close(b.done)
	defer running.Add(-1)
	for rows := range b.full {
		if b.err == nil {
			if b.err = b.w.Write(rows...); b.err != nil {
				b.failed.Store(true)
			}
		}
		clear(rows)
		select {
		case b.free <- rows[:0]:
		default:
		}
	}
}

func (b *batchWriter[T]) write(v T) error {
	b.buf = append(b.buf, v)
	if len(b.buf) == cap(b.buf) {
		return b.flush()
	}
	return nil
}

func (b *batchWriter[T]) flush() error {
	if b.failed.Load() {
		return b.err
	}
	if len(b.buf) == 0 {
		return nil
	}
	b.full <- b.buf
	select {
	case b.buf = <-b.free:
	default:
		b.buf = make([]T, 0, 1024)
	}
	return nil
}

// stop ends the goroutine and returns its error.
func (b *batchWriter[T]) stop() error {
	if !b.closed {
		b.closed = true
		close(b.full)
		<-b.done
	}
	return b.err
}

func (b *batchWriter[T]) commit() (staging.FileStats, error) {
	err := b.flush()
	if serr := b.stop(); err == nil {
		err = serr
	}
	if err != nil {
		b.w.Abort()
		return staging.FileStats{}, err
	}
	return b.w.Commit()
}

func (b *batchWriter[T]) abort() {
	b.stop()
	b.w.Abort()
}

// sink is where every row that does not go to an entity file goes: rejects
// and merges, counted in the report as they are written.
type sink struct {
	rep     *Report
	rejects *batchWriter[staging.Reject]
	merges  *batchWriter[staging.Merge]
}

// reject records that entity row key could not be passed on.
func (s *sink) reject(entity, key string, p *problem) error {
	s.rep.Entities[entity].Rejected++
	s.rep.RejectsByRule[p.Rule]++
	return s.rejects.write(staging.Reject{
		Stage:     staging.StageTransform,
		Entity:    entity,
		SourceKey: key, // the staging writer escapes invalid UTF-8
		Field:     p.Field,
		Rule:      p.Rule,
		Value:     staging.TruncateValue(p.Value),
		Message:   p.Message,
	})
}

// merged records that entity row key was folded into survivor, with one
// more row per conflicting value that was dropped.
func (s *sink) merged(entity, rule, key, survivor string, conflicts []conflict) error {
	s.rep.Entities[entity].Merged++
	if err := s.merges.write(staging.Merge{Entity: entity, SourceKey: key, SurvivorKey: survivor, Rule: rule}); err != nil {
		return err
	}
	for _, c := range conflicts {
		if err := s.merges.write(staging.Merge{
			Entity: entity, SourceKey: key, SurvivorKey: survivor, Rule: rule,
			Field: c.field, DroppedValue: staging.TruncateValue(c.dropped), KeptValue: staging.TruncateValue(c.kept),
		}); err != nil {
			return err
		}
	}
	return nil
}

// conflict is a value of a merged record that differs from the survivor's
// and was dropped.
type conflict struct{ field, dropped, kept string }

// diff lists the fields whose value in dropped is non-empty and differs from
// kept's. fields alternates name, dropped value, kept value.
func diff(fields ...string) []conflict {
	var out []conflict
	for i := 0; i+2 < len(fields); i += 3 {
		if fields[i+1] != "" && fields[i+1] != fields[i+2] {
			out = append(out, conflict{fields[i], fields[i+1], fields[i+2]})
		}
	}
	return out
}

// scan streams an entity file, treating a missing file as empty (file
// sources may not produce every entity) and checking ctx now and then.
func scan[T any](ctx context.Context, dir, entity string, fn func(row uint32, v *T) error) error {
	path := filepath.Join(dir, staging.FileName(entity))
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil
	}
	var row uint32
	return staging.Scan(path, func(v T) error {
		if row%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		err := fn(row, &v)
		row++
		return err
	})
}
