// Package gitstore reads and writes the objects of a bare git repository
// directly: loose objects, packs read in place and written, raw trees and
// their diff and apply, commits written with a caller's signature, the
// branch under git's ref lock, ancestry, and the objects another
// repository lacks and their copying.
//
// It knows nothing of what the files mean; the binder package gives them
// their meaning. Every object read is checked against its hash. Errors are
// the sentinels in errors.go, wrapped with detail.
package gitstore
