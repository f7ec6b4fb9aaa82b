package ui

import (
	"context"
	"sync"

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
	wg     sync.WaitGroup
	// testOnlyGate, when a test sets it, is received from before each
	// task's work starts, so the test can look at the screen meanwhile.
	testOnlyGate chan struct{}
}

// uiMu serialises the callbacks that background work hands to fyne.Do.
// On a real display they all run on the UI goroutine anyway; under the
// test driver fyne.Do runs each on its caller's goroutine, where a task's
// callback and the session's would otherwise race.
var uiMu sync.Mutex

// uiDo runs fn through fyne.Do, holding uiMu.
func uiDo(fn func()) {
	fyne.Do(func() {
		uiMu.Lock()
		defer uiMu.Unlock()
		fn()
	})
}

func newTasks() *tasks {
	ctx, cancel := context.WithCancel(context.Background())
	return &tasks{ctx: ctx, cancel: cancel}
}

// runTask runs work on its own goroutine with the tasks' context and a
// progress reporter that calls progress (if not nil) through fyne.Do; then
// it calls done with work's result, through fyne.Do as well.
func runTask[T any](t *tasks, work func(ctx context.Context, progress binder.Progress) (T, error), progress func(stage string, done, total int), done func(T, error)) {
	t.wg.Add(1)
	gate := t.testOnlyGate
	go func() {
		defer t.wg.Done()
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

// wait returns when every task started so far has finished and called
// back.
func (t *tasks) wait() { t.wg.Wait() }

// stop cancels the tasks running and waits for them.
func (t *tasks) stop() {
	t.cancel()
	t.wg.Wait()
}
