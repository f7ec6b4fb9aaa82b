package gitsync

import (
	"fmt"
	"net/url"
	"strconv"
	"sync"

	"gobag/binder"
)

// readBudget bounds the bytes a connection's sockets may read, whatever
// the transport (HTTP, SSH and git:// all dial through timeoutDialer):
// a server's advertisement of refs is read whole by go-git before gobag
// can count the refs, so it gets a budget of its own, and the pack that
// follows another. The budget is one per connection to a remote, shared
// by the sockets it opens; a nil budget is unbounded.
type readBudget struct {
	mu      sync.Mutex
	left    int64 // < 0: unbounded
	what    string
	tripped bool
}

func newReadBudget() *readBudget { return &readBudget{left: -1} }

// set allows n more bytes (n < 0: any number) for what (named in the
// refusal).
func (b *readBudget) set(n int64, what string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.left, b.what, b.tripped = n, what, false
}

// take charges n bytes read; false means the budget is spent.
func (b *readBudget) take(n int) bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tripped {
		return false
	}
	if b.left < 0 {
		return true
	}
	if b.left -= int64(n); b.left < 0 {
		b.tripped = true
		return false
	}
	return true
}

// exceeded returns the refusal if the budget was spent, else nil.
func (b *readBudget) exceeded() error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.tripped {
		return nil
	}
	return fmt.Errorf("the server sent more than the limit for %s: %w", b.what, binder.ErrBeyondLimits)
}

// budgets finds, for the SSH dialer (which go-git makes from a URL),
// the budget of the connection that dials.
var budgets = struct {
	sync.Mutex
	m    map[int64]*readBudget
	next int64
}{m: map[int64]*readBudget{}}

// register makes b findable by an id for a dialer URL; the returned
// function forgets it.
func (b *readBudget) register() (string, func()) {
	budgets.Lock()
	defer budgets.Unlock()
	budgets.next++
	id := budgets.next
	budgets.m[id] = b
	return strconv.FormatInt(id, 10), func() {
		budgets.Lock()
		defer budgets.Unlock()
		delete(budgets.m, id)
	}
}

// budgetOf is the budget a dialer URL names, nil if none.
func budgetOf(u *url.URL) *readBudget {
	id, err := strconv.ParseInt(u.Query().Get("budget"), 10, 64)
	if err != nil {
		return nil
	}
	budgets.Lock()
	defer budgets.Unlock()
	return budgets.m[id]
}
