package gitstore

import "errors"

// The errors a Store returns, for callers to branch on with errors.Is.
var (
	// ErrNotRepository: the directory holds no git repository.
	ErrNotRepository = errors.New("not a git repository")
	// ErrMissing: an object the history names is not in the repository.
	ErrMissing = errors.New("object missing")
	// ErrCorrupt: an object does not match its hash, or cannot be read.
	ErrCorrupt = errors.New("object corrupt")
	// ErrMoved: the branch is not where a change started from.
	ErrMoved = errors.New("branch moved")
	// ErrBadTree: a tree holds what the one way of reading trees refuses
	// (see ParseTree).
	ErrBadTree = errors.New("tree refused")
	// ErrLocked: git's lock file for the branch is held by another writer.
	ErrLocked = errors.New("branch locked")
	// ErrTooLarge: what another repository holds or sends exceeds one of
	// the bounds in limits.go (an object, a delta's result, a tree's
	// depth, a fetch's bytes, objects or refs).
	ErrTooLarge = errors.New("beyond gobag's limits")
)
