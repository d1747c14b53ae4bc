package transform

import "time"

// dateSpan tracks the range of date_modified written, for the manifest.
type dateSpan struct{ min, max *time.Time }

func (d *dateSpan) add(t *time.Time) {
	if t == nil {
		return
	}
	if d.min == nil || t.Before(*d.min) {
		v := *t
		d.min = &v
	}
	if d.max == nil || t.After(*d.max) {
		v := *t
		d.max = &v
	}
}
