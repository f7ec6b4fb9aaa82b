// Package index is the binder's local cache: a Badger key-value store,
// encrypted at rest and authenticated, with memory settings small enough
// for a laptop, opened read-only until a write needs it (see
// [OpenReadOnly]). It knows nothing of records; the binder package decides
// what it stores. Deleting the directory loses nothing: the binder
// rebuilds it from git.
//
// Badger encrypts with AES-CTR and authenticates nothing: someone with the
// disk but not the key can flip bits of a value and so change it
// predictably. Every value is therefore stored behind a tag, HMAC-SHA256
// of the key and the value under a second key derived from the same
// secret. A read checks the tag; an entry that fails is never returned,
// and [Index.Failed] counts it so that the binder can rebuild the index.
package index

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"
)

// ErrLocked means another process holds the index open.
var ErrLocked = errors.New("index is in use by another process")

// ErrNoSpace means the disk lacks the room a write to the index needs. It
// is returned before anything is written: Badger maps its logs into
// memory as sparse files, and on a full disk a write to such a page kills
// the process instead of failing.
var ErrNoSpace = errors.New("not enough free disk space to write the index")

// ErrUnauthentic is the error of a read that met an entry whose tag does
// not match: it was changed on disk by someone without the key.
var ErrUnauthentic = errors.New("an index entry failed its authentication check")

// tagSize is the length of the tag stored before each value: HMAC-SHA256
// cut to 128 bits.
const tagSize = 16

// Badger's file settings, and the room a write needs. A writable open
// creates the write-ahead log of the memtable (a sparse file of twice
// memTableSize) and a value log (twice valueLogFileSize), maps them, and
// writes through memory; a flush writes a table of about memTableSize;
// the discard file takes 1 MiB.
const (
	memTableSize     = 8 << 20
	valueLogFileSize = 4 << 20
	writeSpace       = 2*memTableSize + 2*valueLogFileSize + memTableSize + 1<<20
)

// maxLevelZero bounds the small tables that pile up in level 0: each
// process that writes leaves one (Badger flushes its memtable when it
// closes), and exits before Badger's background compaction gets to them,
// while every read looks into each. A process that finds this many, less
// the one it adds, compacts them into the level below when it closes.
const maxLevelZero = 8

// Index is an open index.
type Index struct {
	db       *badger.DB
	dir      string
	readOnly bool // opened without writing; the first write reopens it
	secret   []byte
	macs     sync.Pool // of *mac

	failed atomic.Int64
}

// Open opens (creating if needed) the index in dir for reading and
// writing. secret (32 bytes) is the index's key material: Badger's
// encryption key and the tag key are derived from it. A second open of
// the same directory fails with ErrLocked; a disk without the room writes
// need fails with ErrNoSpace.
func Open(dir string, secret []byte) (*Index, error) { return openIndex(dir, secret, false) }

// OpenReadOnly is Open for a process that may only read: nothing is
// created, mapped for writing or flushed, so it works on a full disk. The
// first write (NewBatch, Reset, Writable) reopens the index for writing.
// An index that does not exist yet is created as Open creates it.
func OpenReadOnly(dir string, secret []byte) (*Index, error) { return openIndex(dir, secret, true) }

func openIndex(dir string, secret []byte, readOnly bool) (*Index, error) {
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err != nil {
		readOnly = false
	}
	db, err := open(dir, derive(secret, purposeEncryption), readOnly, false)
	if err != nil {
		return nil, err
	}
	ix := &Index{db: db, dir: dir, readOnly: readOnly, secret: secret}
	tagKey := derive(secret, purposeTag)
	ix.macs.New = func() any { return &mac{h: hmac.New(sha256.New, tagKey)} }
	return ix, nil
}

// The purposes the keys are derived for.
const (
	purposeEncryption = "gobag index encryption"
	purposeTag        = "gobag index authentication"
)

// derive returns the 32-byte key for purpose from secret.
func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// mac is an HMAC under the tag key with room for its sum, reused so that
// a tag costs no allocation.
type mac struct {
	h   hash.Hash
	buf [sha256.Size]byte
}

// tag appends to dst the tag of key = val.
func (ix *Index) tag(dst, key, val []byte) []byte {
	m := ix.macs.Get().(*mac)
	m.h.Reset()
	n := binary.PutUvarint(m.buf[:], uint64(len(key)))
	m.h.Write(m.buf[:n])
	m.h.Write(key)
	m.h.Write(val)
	dst = append(dst, m.h.Sum(m.buf[:0])[:tagSize]...)
	ix.macs.Put(m)
	return dst
}

// unseal checks a stored value: it returns the value without its tag, or
// false (and counts the failure) if the tag does not match.
func (ix *Index) unseal(key, stored []byte) ([]byte, bool) {
	var buf [tagSize]byte
	if len(stored) >= tagSize && hmac.Equal(stored[:tagSize], ix.tag(buf[:0], key, stored[tagSize:])) {
		return stored[tagSize:], true
	}
	ix.failed.Add(1)
	return nil, false
}

// seal returns val behind its tag, as it is stored.
func (ix *Index) seal(key, val []byte) []byte {
	out := ix.tag(make([]byte, 0, tagSize+len(val)), key, val)
	return append(out, val...)
}

// Failed is the number of entries that failed their authentication check
// since the index was opened or last reset. Reads never return such an
// entry: Get fails with ErrUnauthentic, scans pass over it.
func (ix *Index) Failed() int { return int(ix.failed.Load()) }

// Writable reopens an index opened read-only for writing, once the disk
// has the room Badger's writes need (else ErrNoSpace, and the index stays
// open for reading).
func (ix *Index) Writable() error {
	if !ix.readOnly {
		return nil
	}
	if err := checkSpace(ix.dir); err != nil {
		return err
	}
	compact := levelZero(ix.db) >= maxLevelZero-1
	if err := ix.db.Close(); err != nil {
		return err
	}
	key := derive(ix.secret, purposeEncryption)
	db, err := open(ix.dir, key, false, compact)
	if err != nil {
		// Stay open for reading if it can.
		if ro, rerr := open(ix.dir, key, true, false); rerr == nil {
			ix.db = ro
		}
		return err
	}
	ix.db, ix.readOnly = db, false
	return nil
}

// checkSpace returns ErrNoSpace unless the file system holding dir (or
// the nearest directory above it that exists) has writeSpace free.
func checkSpace(dir string) error {
	for {
		if _, err := os.Stat(dir); err == nil || filepath.Dir(dir) == dir {
			break
		}
		dir = filepath.Dir(dir)
	}
	free, err := freeSpace(dir)
	if err != nil {
		return nil // unknown: let the writes say
	}
	if free < writeSpace {
		return fmt.Errorf("%w: %d MiB free, %d MiB needed", ErrNoSpace, free>>20, writeSpace>>20)
	}
	return nil
}

// levelZero is the number of tables in level 0.
func levelZero(db *badger.DB) int {
	for _, l := range db.Levels() {
		if l.Level == 0 {
			return l.NumTables
		}
	}
	return 0
}

// open opens Badger in dir; a writable open with compactL0 compacts level
// 0 when it closes.
func open(dir string, key []byte, readOnly, compactL0 bool) (*badger.DB, error) {
	if !readOnly {
		if err := checkSpace(dir); err != nil {
			return nil, err
		}
	}
	opts := badger.DefaultOptions(dir).
		WithReadOnly(readOnly).
		WithCompactL0OnClose(compactL0).
		WithLogger(nil).
		WithEncryptionKey(key).
		WithIndexCacheSize(4 << 20).
		WithBlockCacheSize(8 << 20).
		WithMemTableSize(memTableSize).
		WithNumMemtables(2).
		WithBaseTableSize(2 << 20).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(6).
		WithValueLogFileSize(valueLogFileSize).
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

// Get returns the value of key, or nil if there is none. An entry that
// fails its authentication check is an ErrUnauthentic error.
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
		return item.Value(func(stored []byte) error {
			val, ok := ix.unseal(item.Key(), stored)
			if !ok {
				return ErrUnauthentic
			}
			out = bytes.Clone(val)
			if out == nil {
				out = []byte{}
			}
			return nil
		})
	})
	return out, err
}

// Scan calls fn for every key with prefix, in key order, passing over
// entries that fail their authentication check (Failed counts them). The
// value is only valid during the call.
func (ix *Index) Scan(prefix string, fn func(key string, val []byte) error) error {
	return ix.ScanBytes(prefix, func(key, val []byte) error { return fn(string(key), val) })
}

// ScanBytes is Scan without copying keys: key and value are only valid
// during the call.
func (ix *Index) ScanBytes(prefix string, fn func(key, val []byte) error) error {
	return ix.scan(prefix, fn)
}

// ScanKeys calls fn for every key with prefix, in key order, without
// passing values (their tags are still checked: a key is data too). The
// key is only valid during the call.
func (ix *Index) ScanKeys(prefix string, fn func(key []byte) error) error {
	return ix.scan(prefix, func(key, _ []byte) error { return fn(key) })
}

func (ix *Index) scan(prefix string, fn func(key, val []byte) error) error {
	return ix.db.View(func(txn *badger.Txn) error {
		o := badger.DefaultIteratorOptions
		o.Prefix = []byte(prefix)
		// Values are small and kept in the tree itself: reading them as
		// the iteration goes costs less than prefetching them in
		// goroutines.
		o.PrefetchValues = false
		it := txn.NewIterator(o)
		defer it.Close()
		var item *badger.Item
		pass := func(stored []byte) error {
			val, ok := ix.unseal(item.Key(), stored)
			if !ok {
				return nil
			}
			return fn(item.Key(), val)
		}
		for it.Rewind(); it.Valid(); it.Next() {
			item = it.Item()
			if err := item.Value(pass); err != nil {
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
	ix  *Index
	wb  *badger.WriteBatch
	err error
}

// NewBatch starts a batch of writes, reopening a read-only index for
// writing first (if that fails, so does the batch).
func (ix *Index) NewBatch() *Batch {
	if err := ix.Writable(); err != nil {
		return &Batch{ix: ix, err: err}
	}
	return &Batch{ix: ix, wb: ix.db.NewWriteBatch()}
}

// Set stores key = val, behind its tag, in the batch.
func (b *Batch) Set(key string, val []byte) error {
	if b.wb == nil {
		return b.err
	}
	k := []byte(key)
	return b.keep(b.wb.Set(k, b.ix.seal(k, val)))
}

// Delete removes key in the batch.
func (b *Batch) Delete(key string) error {
	if b.wb == nil {
		return b.err
	}
	return b.keep(b.wb.Delete([]byte(key)))
}

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
		b.Cancel()
		return b.err
	}
	if err := b.wb.Flush(); err != nil {
		return redact(err)
	}
	return nil
}

// Cancel drops the batch.
func (b *Batch) Cancel() {
	if b.wb != nil {
		b.wb.Cancel()
	}
}

// Reset empties the index: it closes the store, removes its files and
// opens a fresh one with the same key. (Badger's DropAll was seen to leave
// entries of on-disk tables visible.)
func (ix *Index) Reset() error {
	if err := checkSpace(ix.dir); err != nil {
		return err
	}
	ix.db.Close()
	if err := os.RemoveAll(ix.dir); err != nil {
		return err
	}
	db, err := open(ix.dir, derive(ix.secret, purposeEncryption), false, false)
	if err != nil {
		return err
	}
	ix.db, ix.readOnly = db, false
	ix.failed.Store(0)
	return nil
}
