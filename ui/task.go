package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"gobag/binder"
)

// tasks runs work off the UI goroutine: unlocking (scrypt), opening a
// binder (which may verify history and rebuild the index), anything that
// reads or writes the binder for long. Progress and the result come back
// to widgets only through fyne.Do.
type tasks struct {
	ctx    context.Context
	cancel context.CancelFunc
	// running counts the tasks whose goroutine has not ended.
	mu      sync.Mutex
	running int
	// testOnlyGate, when a test sets it, is received from before each
	// task's work starts, so the test can look at the screen meanwhile.
	testOnlyGate chan struct{}
}

// uiDo runs fn on the UI goroutine, through fyne.Do: every callback of
// background work goes through it.
func uiDo(fn func()) {
	if q := testOnlyQueue; q != nil {
		q.push(fn)
		return
	}
	fyne.Do(fn)
}

// testOnlyQueue, when tests set it, takes the callbacks uiDo is given, for
// the test's goroutine to run in tasks.wait as the UI goroutine runs them
// between events. (The test driver's fyne.Do runs a callback at once on
// the goroutine that calls it, where it would race with the test's own
// taps and typing, which a real window never lets happen.)
var testOnlyQueue *callbacks

// callbacks is a queue of functions for the UI goroutine.
type callbacks struct {
	mu  sync.Mutex
	fns []func()
}

func (q *callbacks) push(fn func()) {
	q.mu.Lock()
	q.fns = append(q.fns, fn)
	q.mu.Unlock()
}

// run runs the callbacks queued, and those they queue, and reports
// whether there were any.
func (q *callbacks) run() bool {
	ran := false
	for {
		q.mu.Lock()
		fns := q.fns
		q.fns = nil
		q.mu.Unlock()
		if len(fns) == 0 {
			return ran
		}
		for _, fn := range fns {
			fn()
		}
		ran = true
	}
}

func newTasks() *tasks {
	ctx, cancel := context.WithCancel(context.Background())
	return &tasks{ctx: ctx, cancel: cancel}
}

// runTask runs work on its own goroutine with the tasks' context and a
// progress reporter that calls progress (if not nil) through fyne.Do; then
// it calls done with work's result, through fyne.Do as well.
func runTask[T any](t *tasks, work func(ctx context.Context, progress binder.Progress) (T, error), progress func(stage string, done, total int), done func(T, error)) {
	t.mu.Lock()
	t.running++
	t.mu.Unlock()
	gate := t.testOnlyGate
	go func() {
		defer func() {
			t.mu.Lock()
			t.running--
			t.mu.Unlock()
		}()
		if gate != nil {
			<-gate
		}
		var report binder.Progress
		if progress != nil {
			report = func(stage string, n, total int) {
				uiDo(func() { progress(stage, n, total) })
			}
		}
		v, err := work(t.ctx, report)
		uiDo(func() { done(v, err) })
	}()
}

// wait returns when every task started so far, and every task their
// callbacks started, has ended and called back. In tests it runs the
// queued callbacks (testOnlyQueue) on the caller's goroutine meanwhile, as
// the UI goroutine would: a task may wait for one (a dialog it asks the
// user through).
func (t *tasks) wait() {
	for {
		ran := testOnlyQueue != nil && testOnlyQueue.run()
		t.mu.Lock()
		n := t.running
		t.mu.Unlock()
		if n == 0 && !ran && (testOnlyQueue == nil || !testOnlyQueue.run()) {
			return
		}
		if !ran {
			time.Sleep(time.Millisecond)
		}
	}
}

// stop cancels the tasks running and waits for them to end. Their last
// callbacks are not waited for: the app is closing.
func (t *tasks) stop() {
	t.cancel()
	for {
		t.mu.Lock()
		n := t.running
		t.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
