// Package index is the binder's local cache: a Badger key-value store,
// encrypted at rest, with memory settings small enough for a laptop. It
// knows nothing of records; the binder package decides what it stores.
// Deleting the directory loses nothing: the binder rebuilds it from git.
package index

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// ErrLocked means another process holds the index open.
var ErrLocked = errors.New("index is in use by another process")

// Index is an open index.
type Index struct {
	db  *badger.DB
	dir string
	key []byte
}

// Open opens (creating if needed) the index in dir, encrypted with key (32
// bytes). A second open of the same directory fails with ErrLocked.
func Open(dir string, key []byte) (*Index, error) {
	db, err := open(dir, key)
	if err != nil {
		return nil, err
	}
	return &Index{db: db, dir: dir, key: key}, nil
}

func open(dir string, key []byte) (*badger.DB, error) {
	opts := badger.DefaultOptions(dir).
		WithLogger(nil).
		WithEncryptionKey(key).
		WithIndexCacheSize(4 << 20).
		WithBlockCacheSize(8 << 20).
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithBaseTableSize(2 << 20).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(6).
		WithValueLogFileSize(16 << 20).
		WithValueThreshold(4 << 10).
		WithNumCompactors(2).
		WithDetectConflicts(false).
		WithSyncWrites(false)
	db, err := badger.Open(opts)
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") || strings.Contains(err.Error(), "resource temporarily unavailable") {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("open index: %w", err)
	}
	return db, nil
}

// Close flushes and closes the index.
func (ix *Index) Close() error { return ix.db.Close() }

// Get returns the value of key, or nil if there is none.
func (ix *Index) Get(key string) ([]byte, error) {
	var out []byte
	err := ix.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(key))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		out, err = item.ValueCopy(nil)
		return err
	})
	return out, err
}

// Scan calls fn for every key with prefix, in key order. The value is only
// valid during the call.
func (ix *Index) Scan(prefix string, fn func(key string, val []byte) error) error {
	return ix.ScanBytes(prefix, func(key, val []byte) error { return fn(string(key), val) })
}

// ScanBytes is Scan without copying keys: key and value are only valid
// during the call.
func (ix *Index) ScanBytes(prefix string, fn func(key, val []byte) error) error {
	return ix.scan(prefix, true, fn)
}

// ScanKeys calls fn for every key with prefix, in key order, without
// reading values. The key is only valid during the call.
func (ix *Index) ScanKeys(prefix string, fn func(key []byte) error) error {
	return ix.scan(prefix, false, func(key, _ []byte) error { return fn(key) })
}

func (ix *Index) scan(prefix string, values bool, fn func(key, val []byte) error) error {
	return ix.db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.Prefix = []byte(prefix)
		// Values are small and kept in the tree itself: reading them as
		// the iteration goes costs less than prefetching them in
		// goroutines.
		o.PrefetchValues = false
		it := txn.NewIterator(o)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			if !values {
				if err := fn(item.Key(), nil); err != nil {
					return err
				}
				continue
			}
			if err := item.Value(func(v []byte) error { return fn(item.Key(), v) }); err != nil {
				return err
			}
		}
		return nil
	})
}

// Batch collects writes and applies them together. The first write that
// fails fails the batch: Commit returns its error, so a caller that
// checks only Commit misses no failure. A large batch may have applied
// its earlier writes already; the index is a cache, and the binder
// rebuilds or catches up what a failed commit leaves.
type Batch struct {
	wb  *badger.WriteBatch
	err error
}

// NewBatch starts a batch of writes.
func (ix *Index) NewBatch() *Batch { return &Batch{wb: ix.db.NewWriteBatch()} }

// Set stores key = val in the batch.
func (b *Batch) Set(key string, val []byte) error {
	return b.keep(b.wb.Set([]byte(key), val))
}

// Delete removes key in the batch.
func (b *Batch) Delete(key string) error { return b.keep(b.wb.Delete([]byte(key))) }

func (b *Batch) keep(err error) error {
	if err == nil {
		return nil
	}
	err = redact(err)
	if b.err == nil {
		b.err = err
	}
	return err
}

// redact words a storage error without what the store put in it: Badger
// quotes a value that is too large, which here is a record's plaintext.
// Only the message's first sentence is kept, cut before any "Value:".
func redact(err error) error {
	msg := err.Error()
	for _, cut := range []string{"Value:", ". ", "\n"} {
		if i := strings.Index(msg, cut); i >= 0 {
			msg = msg[:i]
		}
	}
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return &redactedError{msg: "index write: " + msg, err: err}
}

// redactedError keeps the error for errors.Is and errors.As, and only
// the safe words for its message.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Commit applies the batch, or returns the error of the first write that
// failed.
func (b *Batch) Commit() error {
	if b.err != nil {
		b.wb.Cancel()
		return b.err
	}
	if err := b.wb.Flush(); err != nil {
		return redact(err)
	}
	return nil
}

// Cancel drops the batch.
func (b *Batch) Cancel() { b.wb.Cancel() }

// Reset empties the index: it closes the store, removes its files and
// opens a fresh one with the same key. (Badger's DropAll was seen to leave
// entries of on-disk tables visible.)
func (ix *Index) Reset() error {
	ix.db.Close()
	if err := os.RemoveAll(ix.dir); err != nil {
		return err
	}
	db, err := open(ix.dir, ix.key)
	if err != nil {
		return err
	}
	ix.db = db
	return nil
}
