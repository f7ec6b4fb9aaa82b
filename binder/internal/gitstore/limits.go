package gitstore

import "fmt"

// The bounds on what another repository can make a Store do, in one
// place (re-exported by the binder package; docs/FORMAT.md §10). Every
// one is checked before the work it bounds is done: an object's size
// from its header before it is inflated, a delta's target size from the
// delta's header before it is applied, a tree's depth before it is
// descended into. Exceeding one fails with ErrTooLarge.
const (
	// MaxObjectBytes bounds any object read, inflated or rebuilt from a
	// delta: a record's ciphertext is at most about 1.25 MiB, and a tree
	// of the binder's layout a few kilobytes.
	MaxObjectBytes = 16 << 20
	// MaxTreeDepth bounds how deep trees nest (the binder's layout
	// needs four levels).
	MaxTreeDepth = 64
	// MaxFetchBytes bounds the bytes one fetch receives (a pack stream),
	// and MaxFetchRebuiltBytes the bytes of the objects a fetch inflates
	// and rebuilds from them, so that a small pack of deltas cannot make
	// a fetch do unbounded work.
	MaxFetchBytes        = 1 << 30
	MaxFetchRebuiltBytes = 4 << 30
	// MaxFetchObjects bounds the objects one fetch takes in.
	MaxFetchObjects = 2 << 20
	// MaxRefs bounds the refs a remote may advertise, and MaxAdvertBytes
	// the bytes of its advertisement, which is read whole before the
	// refs can be counted.
	MaxRefs        = 10000
	MaxAdvertBytes = 8 << 20
	// MaxDeltaChain bounds how many deltas are followed to rebuild one
	// object.
	MaxDeltaChain = 4096
)

// checkDepth refuses a tree that lies deeper than MaxTreeDepth (the root
// tree lies at depth 1). Every walk of trees checks it, however the trees
// arrived: a fetch's, and the store's own readers, which may find trees
// planted by whoever can write the repository.
func checkDepth(depth int) error {
	if depth > MaxTreeDepth {
		return fmt.Errorf("trees nest deeper than %d levels: %w", MaxTreeDepth, ErrTooLarge)
	}
	return nil
}
