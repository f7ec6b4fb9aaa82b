package binder

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// One process has a binder open at a time (gobag/lock). A process that
// keeps it open for long, the desktop app, lends it to the others: a
// process that finds the binder locked asks for it by holding a shared
// lock on gobag/ask while it waits and works; the lender watches that
// file, closes the binder while anyone holds it, and opens it again once
// nobody does. docs/adr/0002-the-app-lends-the-binder.md says why.

// Ask tells a process that lends the binder at dir that this process wants
// it. The ask lasts until end is called or the process ends, however it
// ends; call end once done with the binder (after Close).
func Ask(dir string) (end func(), err error) {
	local := LocalPath(dir, "")
	if _, err := os.Stat(local); err != nil {
		return nil, fmt.Errorf("ask for %s: %w", dir, err)
	}
	f, err := os.OpenFile(LocalPath(dir, localAsk), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("ask for %s: %w", dir, err)
	}
	// The lender holds the lock exclusively only for the instant it looks.
	for try := 0; ; try++ {
		err = tryLock(f, false)
		if !errors.Is(err, errHeld) || try == 200 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("ask for %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}

// Lend marks this process as the one that keeps the binder at dir open
// and lends it to the others (the desktop app), until stop is called or
// the process ends. Only one process may: while another does, Lend fails
// with a Locked error, and a second window waits for the first to close
// rather than take the binder while the first has lent it.
func Lend(dir string) (stop func(), err error) {
	local := LocalPath(dir, "")
	if err := os.MkdirAll(local, 0o700); err != nil {
		return nil, fmt.Errorf("lend %s: %w", dir, err)
	}
	f, err := lockFile(LocalPath(dir, localLender))
	if errors.Is(err, errHeld) {
		return nil, &Error{Kind: Locked, Err: fmt.Errorf("%s is open in another gobag window", dir), Hint: "close the other window, or use it"}
	}
	if err != nil {
		return nil, fmt.Errorf("lend %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}

// Asks watches for other processes asking for a binder (see Ask).
type Asks struct {
	f *os.File
}

// WatchAsks starts watching for processes asking for the binder at dir.
func WatchAsks(dir string) (*Asks, error) {
	f, err := os.OpenFile(LocalPath(dir, localAsk), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("watch for asks for %s: %w", dir, err)
	}
	return &Asks{f: f}, nil
}

// Pending reports whether any process is asking for the binder now.
func (a *Asks) Pending() (bool, error) {
	err := tryLock(a.f, true)
	if errors.Is(err, errHeld) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return false, unlock(a.f)
}

// Close stops watching.
func (a *Asks) Close() error { return a.f.Close() }
