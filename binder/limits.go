package binder

import "gobag/binder/internal/gitstore"

// The limits on what a binder holds, in one place (docs/FORMAT.md §10).
// What exceeds one is refused when it is written and when it is read, by
// every copy alike: one oversized record must not break the copies it
// reaches.
const (
	// MaxRecordBytes bounds a record's plaintext (header and body): a
	// long plan is a few hundred kilobytes; files belong outside the
	// binder, named by a document record.
	MaxRecordBytes = 1 << 20
	// MaxCiphertextBytes bounds a record's age file: the plaintext's
	// limit and room for age's header (one stanza per recipient) and
	// its per-chunk tags.
	MaxCiphertextBytes = MaxRecordBytes + 256<<10
	// MaxSaveRecords bounds the records one save (an import) adds or
	// changes: its commit message names each, and a commit object must
	// stay far below MaxObjectBytes; a larger import is made in parts.
	MaxSaveRecords = 20000
)

// The bounds on what a repository from outside (a remote, a drive, a
// clone's source) can make gobag do, checked before the work they bound
// (docs/FORMAT.md §10). Exceeding one is refused as tampering (kind
// BadSignature) and nothing is taken in.
const (
	// MaxObjectBytes bounds any git object read, inflated or rebuilt
	// from a delta.
	MaxObjectBytes = gitstore.MaxObjectBytes
	// MaxTreeDepth bounds how deep trees nest.
	MaxTreeDepth = gitstore.MaxTreeDepth
	// MaxFetchBytes bounds the bytes one fetch receives;
	// MaxFetchRebuiltBytes the bytes of objects it inflates and rebuilds.
	MaxFetchBytes        = gitstore.MaxFetchBytes
	MaxFetchRebuiltBytes = gitstore.MaxFetchRebuiltBytes
	// MaxFetchObjects bounds the objects one fetch takes in.
	MaxFetchObjects = gitstore.MaxFetchObjects
	// MaxRefs bounds the refs a remote may advertise, MaxAdvertBytes the
	// bytes of its advertisement.
	MaxRefs        = gitstore.MaxRefs
	MaxAdvertBytes = gitstore.MaxAdvertBytes
	// MaxDeltaChain bounds the deltas followed to rebuild one object.
	MaxDeltaChain = gitstore.MaxDeltaChain
)

// ErrBeyondLimits is what exceeding one of these bounds wraps: callers
// branch on it with errors.Is; KindOf makes it BadSignature.
var ErrBeyondLimits = gitstore.ErrTooLarge
