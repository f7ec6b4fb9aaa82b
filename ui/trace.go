package ui

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// tracer writes when the app reaches the moments its performance budget
// is measured at (docs/PERFORMANCE.md): a line per event, milliseconds
// since the app started, the event, and a detail. Only timings and
// counts are written, never record content.
type tracer struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func (t *tracer) event(name string, detail string) {
	if t == nil || t.w == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "%.3f %s %s\n", float64(time.Since(t.start).Microseconds())/1000, name, detail)
}
