package load

import (
	"github.com/bcetl/bcetl/internal/accounting"
	"github.com/bcetl/bcetl/internal/staging"
)

// Progress goes through the run's accounting (internal/accounting): bars
// when a person is watching, progress lines every interval otherwise. A
// step advances by the outcomes its commits make durable, not by what it
// sent, so no step counts for itself.

// tracked is the step whose progress the outcomes drive.
type tracked struct {
	entity staging.Entity
	step   *accounting.Step
}

// track starts a step's progress: from now on the outcomes of entity that
// commits make durable advance it (observe). It returns the function that
// ends it: done when the step's error is nil, else stopped (reported as
// such when the accounting closes).
func (l *loader) track(name string, entity staging.Entity, total int64) (end func(err *error)) {
	t := &tracked{entity: entity, step: l.acct.Step(name, total)}
	l.running.Store(t)
	return func(err *error) {
		l.running.CompareAndSwap(t, nil)
		if *err == nil {
			t.step.Done()
		}
	}
}

// observe is the state file's observer: it counts the outcomes of each
// commit, once it is durable — the customers given an outcome by this run
// (the summary), and the running step's records (its progress).
func (l *loader) observe(outs []outcome) {
	var customers, step int
	t := l.running.Load()
	for _, o := range outs {
		if o.entity == staging.EntityCustomers {
			customers++
		}
		if t != nil && o.entity == t.entity {
			step++
		}
	}
	l.customersDone.Add(int64(customers))
	if step > 0 {
		t.step.Add(step)
	}
}
