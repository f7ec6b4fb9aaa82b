package binder

import (
	"errors"
	"fmt"
	"syscall"

	"gobag/binder/index"
	"gobag/binder/internal/gitstore"
	bcrypto "gobag/crypto"
)

// Kind classifies an error so that callers (and the CLI's exit codes) can
// branch on it. The list is append-only: never renumber a kind.
type Kind int

// The kinds of error. Other is anything not classified.
const (
	Other         Kind = iota // unclassified
	NotExist                  // a record, binder or file does not exist
	Permission                // not allowed by the roster or the file system
	CannotDecrypt             // wrong passphrase, or not in a record's audience
	BadSignature              // a signature, hash or history check failed
	Conflict                  // a concurrent or conflicting change
	Offline                   // a remote could not be reached
	Locked                    // the binder is in use by another process
	Invalid                   // bad input from the user
	Contended                 // others kept changing a remote: every retry lost the race
	NoSpace                   // the disk is full: nothing was written
)

var kindNames = [...]string{"other", "not exist", "permission", "cannot decrypt", "bad signature", "conflict", "offline", "locked", "invalid", "contended", "no space"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// Error is an error with a kind and, where one is known, what would fix
// it: Hint in words (never command syntax), Fix as an action the front
// end words or offers as a button.
type Error struct {
	Kind Kind
	Err  error
	Hint string
	Fix  *Fix
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// errorf builds an *Error of kind k.
func errorf(k Kind, hint, format string, args ...any) error {
	return &Error{Kind: k, Err: fmt.Errorf(format, args...), Hint: hint}
}

// KindOf returns the kind of err: the innermost *Error's kind, or a kind
// derived from the crypto package's sentinels.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) && e.Kind != Other {
		return e.Kind
	}
	switch {
	case errors.Is(err, gitstore.ErrNotRepository), errors.Is(err, gitstore.ErrMissing):
		return NotExist
	case errors.Is(err, gitstore.ErrCorrupt), errors.Is(err, gitstore.ErrBadTree), errors.Is(err, gitstore.ErrTooLarge):
		return BadSignature
	case errors.Is(err, gitstore.ErrMoved):
		return Conflict
	case errors.Is(err, gitstore.ErrLocked):
		return Locked
	case errors.Is(err, bcrypto.ErrWrongPassphrase), errors.Is(err, bcrypto.ErrNotRecipient):
		return CannotDecrypt
	case errors.Is(err, bcrypto.ErrBadSignature):
		return BadSignature
	case errors.Is(err, bcrypto.ErrMalformed):
		return Invalid
	case errors.Is(err, index.ErrNoSpace), errors.Is(err, syscall.ENOSPC):
		return NoSpace
	}
	return Other
}

// HintOf returns the first hint attached to err, if any, or the hint for
// an object-store error.
func HintOf(err error) string {
	for e := asError(err); e != nil; e = asError(e.Err) {
		if e.Hint != "" {
			return e.Hint
		}
	}
	switch {
	case errors.Is(err, gitstore.ErrTooLarge):
		return "nothing was taken in and this copy is unchanged; a binder never needs that much, so the repository was damaged or tampered with: find out who changed it, and restore it from a good copy"
	case errors.Is(err, gitstore.ErrNotRepository):
		return "create a binder there, or give the directory of an existing one"
	case errors.Is(err, gitstore.ErrMissing), errors.Is(err, gitstore.ErrCorrupt), errors.Is(err, gitstore.ErrBadTree):
		return "the repository is damaged or was tampered with (git fsck shows where); restore the binder from another copy or a remote"
	case errors.Is(err, gitstore.ErrMoved):
		return "another change landed first; nothing was lost"
	case errors.Is(err, gitstore.ErrLocked):
		return "another git command or copy is writing to it: try again in a moment; a lock file left by a crash may be removed once nothing is running"
	case errors.Is(err, index.ErrNoSpace), errors.Is(err, syscall.ENOSPC):
		return "free some space on the disk that holds the binder, then try again; nothing was lost: a change is saved whole or not at all, and commands that only read still work"
	}
	return ""
}

// asError returns the outermost *Error in err's chain, or nil.
func asError(err error) *Error {
	var e *Error
	if err != nil && errors.As(err, &e) {
		return e
	}
	return nil
}

// fixErr builds an *Error of kind k whose fix is f.
func fixErr(k Kind, f *Fix, hint, format string, args ...any) error {
	return &Error{Kind: k, Err: fmt.Errorf(format, args...), Hint: hint, Fix: f}
}
