package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// session is the unlocked identity and the binder the app works on.
//
// The app lends the binder to other gobag processes (docs/adr/0002): while
// one asks for it, the binder is closed and b is nil; once nobody asks, it
// is opened again and the screens re-read it. Everything but the watcher
// goroutine runs on the UI goroutine.
type session struct {
	dir  string
	id   *bcrypto.Identity
	b    *binder.Binder // nil while lent or being opened
	asks *binder.Asks

	asked   bool // another process asks for the binder
	busy    int  // background tasks using b
	closing bool // b is being closed, to be lent
	opening bool // b is being opened again
	closed  bool // the app is closing
	// reloading closes the binder to open it again (reload).
	reloading bool
	// lentTip is the branch's tip when the binder was lent; unchanged,
	// while onChange runs, says the binder came back at that same tip.
	lentTip   string
	unchanged bool
	// refreshes are the background reads for screens running now (see
	// runRefreshTask), cancelled when a command asks; interrupted says
	// one was, so that the screens read again once the binder is back.
	refreshes   map[int]*refresh
	nextRefresh int
	interrupted bool
	ctx         context.Context
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	onChange    func()           // the binder was lent, or is back (and may have changed)
	onFailure   func(err error)  // opening it again failed for good
	warn        func(msg string) // what the binder found that the user should know (any goroutine)
	// stopLending ends this window's hold as the binder's lender (set by
	// the app; binder.Lend).
	stopLending func()
}

// pollAsks is how often the app looks for another process asking for the
// binder: at most this long passes before it starts to hand it over.
const pollAsks = 50 * time.Millisecond

// newSession starts lending b, opened with id from dir.
func newSession(b *binder.Binder, id *bcrypto.Identity) *session {
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{dir: b.Dir(), id: id, b: b, ctx: ctx, cancel: cancel, onChange: func() {}, onFailure: func(error) {}, warn: func(string) {}}
	asks, err := binder.WatchAsks(s.dir)
	if err != nil {
		// Without the file nobody can ask: the app keeps the binder, and
		// commands wait for it to close, as before lending existed.
		return s
	}
	s.asks = asks
	s.wg.Add(1)
	go s.watch()
	return s
}

// watch tells the UI goroutine when asks for the binder start and end.
func (s *session) watch() {
	defer s.wg.Done()
	t := time.NewTicker(pollAsks)
	defer t.Stop()
	last := false
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		asked, err := s.asks.Pending()
		if err != nil || asked == last {
			continue
		}
		last = asked
		s.do(func() {
			s.asked = asked
			if asked {
				s.cancelRefreshes()
			}
			s.settle()
		})
	}
}

// do runs fn on the UI goroutine.
func (s *session) do(fn func()) { uiDo(fn) }

// lent reports whether another process has the binder now.
func (s *session) lent() bool { return s.b == nil }

// settle moves the binder towards what is wanted: closed while anyone asks
// and no task of the app uses it, open otherwise.
func (s *session) settle() {
	switch {
	case s.closed:
	case (s.asked || s.reloading) && s.b != nil && s.busy == 0:
		b := s.b
		s.lentTip = b.Tip()
		s.b, s.closing = nil, true
		s.onChange()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			b.Close()
			s.do(func() {
				s.closing = false
				s.reloading = false
				s.settle()
			})
		}()
	case !s.asked && s.b == nil && !s.closing && !s.opening:
		s.opening = true
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			b, err := s.reopen()
			s.do(func() {
				s.opening = false
				switch {
				case s.closed:
					if b != nil {
						b.Close()
					}
				case err != nil:
					s.onFailure(err)
				default:
					s.b = b
					// A command that only read (list, show, search) left
					// the branch where it was: the screens have nothing to
					// read again.
					s.unchanged = b.Tip() == s.lentTip && !s.reloading && !s.interrupted
					s.interrupted = false
					s.settle()
					s.onChange()
					s.unchanged = false
				}
			})
		}()
	}
}

// reopen opens the binder again, waiting while another process still has
// it (the one that asked may not have closed it yet, or one that never
// asked has it).
func (s *session) reopen() (*binder.Binder, error) {
	warn := binder.WithWarnings(func(msg string) { s.warn(msg) })
	for {
		b, err := binder.Open(s.ctx, s.dir, s.id, warn)
		if binder.KindOf(err) != binder.Locked {
			return b, err
		}
		select {
		case <-s.ctx.Done():
			return nil, s.ctx.Err()
		case <-time.After(75 * time.Millisecond):
		}
	}
}

// reload closes the binder and opens it again, once no task uses it: after
// a rebuild of the index was cancelled half way, the open finds the index
// incomplete and rebuilds it.
func (s *session) reload() {
	s.reloading = true
	s.settle()
}

// refresh is one background read for a screen (runRefreshTask).
type refresh struct {
	cancel    context.CancelFunc
	cancelled bool // by a command asking for the binder
}

// addRefresh registers a screen's background read, which a command's ask
// cancels; it returns the read's key for endRefresh.
func (s *session) addRefresh(cancel context.CancelFunc) int {
	if s.refreshes == nil {
		s.refreshes = map[int]*refresh{}
	}
	s.nextRefresh++
	s.refreshes[s.nextRefresh] = &refresh{cancel: cancel}
	return s.nextRefresh
}

// endRefresh forgets the read key, and reports whether an ask cancelled
// it.
func (s *session) endRefresh(key int) bool {
	r := s.refreshes[key]
	delete(s.refreshes, key)
	return r != nil && r.cancelled
}

// cancelRefreshes stops the screens' background reads, so that the
// binder is lent without waiting for them; they run again once it is
// back.
func (s *session) cancelRefreshes() {
	for _, r := range s.refreshes {
		if !r.cancelled {
			r.cancelled = true
			s.interrupted = true
			r.cancel()
		}
	}
}

// errLent is the error of work that needs the binder while another gobag
// process has it.
var errLent = errors.New("a gobag command is using the binder; try again in a moment")

// use hands b to a background task, which must call done (on the UI
// goroutine) when it no longer uses it; the binder is not lent meanwhile.
func (s *session) use() (b *binder.Binder, done func(), err error) {
	// Once a command asks, no new work starts on the binder: it is lent
	// as soon as the work running ends.
	if s.b == nil || s.asked {
		return nil, nil, errLent
	}
	s.busy++
	once := false
	return s.b, func() {
		if !once {
			once = true
			s.busy--
			s.settle()
		}
	}, nil
}

// close stops lending and closes the binder, waiting for the goroutines.
func (s *session) close() {
	if s.closed {
		return
	}
	s.closed = true
	s.cancel()
	if s.b != nil {
		s.b.Close()
		s.b = nil
	}
	if s.stopLending != nil {
		// A window waiting for this binder may take it now.
		defer s.stopLending()
	}
	// The goroutines may be waiting to run a callback on the UI goroutine;
	// they check closed there, so waiting here would only matter for their
	// Close.
	go func() {
		s.wg.Wait()
		if s.asks != nil {
			s.asks.Close()
		}
	}()
}
