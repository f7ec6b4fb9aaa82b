package gitstore

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// Taking objects in from another repository. They land in a quarantine
// (a repository of its own, beside the receiver's, that reads through to
// the receiver's objects), where every bound in limits.go is checked; only
// then are they moved into the receiver. A fetch refused on the way leaves
// the receiver untouched: its quarantine is removed.

// OpenQuarantine makes dir a quarantine for objects bound for main and
// opens it. It borrows main's objects as a repository borrows through
// alternates: reads that miss in it fall through to main, and so does
// Has; nothing of main's is ever moved or removed through it.
func OpenQuarantine(dir string, main *Store) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "objects", "pack"), 0o755); err != nil {
		return nil, err
	}
	q, err := Open(dir)
	if err != nil {
		return nil, err
	}
	q.alternates = main.objectDirs()
	if err := q.LoadPacks(); err != nil {
		q.Close()
		return nil, err
	}
	return q, nil
}

// LimitWork bounds the bytes s inflates and rebuilds from now on (objects
// read loose, inflated from a pack or rebuilt from deltas; what the delta
// base cache serves again is free): past n, reads fail with ErrTooLarge.
func (s *Store) LimitWork(n int64) { s.budget = &n }

// spend charges n bytes of work against the budget, if there is one.
func (s *Store) spend(n int) error {
	if s.budget == nil {
		return nil
	}
	if *s.budget -= int64(n); *s.budget < 0 {
		return fmt.Errorf("more than %d bytes of objects to inflate and rebuild: %w", MaxFetchRebuiltBytes, ErrTooLarge)
	}
	return nil
}

// errTooManyBytes is a stream longer than MaxFetchBytes.
var errTooManyBytes = fmt.Errorf("more than %d bytes received: %w", MaxFetchBytes, ErrTooLarge)

// boundedReader fails once more than n bytes have been read.
type boundedReader struct {
	r io.Reader
	n int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.n < 0 {
		return 0, errTooManyBytes
	}
	if int64(len(p)) > b.n+1 {
		p = p[:b.n+1]
	}
	n, err := b.r.Read(p)
	if b.n -= int64(n); b.n < 0 {
		return n, errTooManyBytes
	}
	return n, err
}

// packScanner reads a pack stream byte-exactly (zlib reads no further
// than its stream's end from an io.ByteReader), counting the offset.
type packScanner struct {
	br  *bufio.Reader
	off int64
}

func (s *packScanner) Read(p []byte) (int, error) {
	n, err := s.br.Read(p)
	s.off += int64(n)
	return n, err
}

func (s *packScanner) ReadByte() (byte, error) {
	c, err := s.br.ReadByte()
	if err == nil {
		s.off++
	}
	return c, err
}

// packEntry is an entry of a pack being indexed.
type packEntry struct {
	off  int64
	h    plumbing.Hash
	done bool
}

// IndexPack reads a pack stream from r, as a fetch receives it, into s's
// repository as a pack and its index, and returns the pack's file name.
// Everything is checked as it arrives, before the work it would cause:
// the stream's length (MaxFetchBytes), the number of objects
// (MaxFetchObjects), each entry's declared size and each delta's declared
// result (MaxObjectBytes), their sum (MaxFetchRebuiltBytes), the length
// of delta chains (MaxDeltaChain). Only then are deltas resolved and
// objects hashed, within the same bounds. The pack must be complete in
// itself (no thin pack) and hold no object twice.
func (s *Store) IndexPack(ctx context.Context, r io.Reader) (string, error) {
	// Rebuilding deltas is bounded by the work done, not only by the sizes
	// the pack declares: a delta base the cache no longer holds is
	// rebuilt again, and a pack can be made to need that over and over.
	if s.budget == nil {
		s.LimitWork(MaxFetchRebuiltBytes)
	}
	f, err := s.tempPack()
	if err != nil {
		return "", err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	sc := &packScanner{br: bufio.NewReaderSize(io.TeeReader(&boundedReader{r: r, n: MaxFetchBytes}, f), 1<<16)}
	entries, err := s.scanPack(ctx, sc)
	if err != nil {
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	data, unmap, err := mapFile(f.Name())
	if err != nil {
		return "", err
	}
	defer unmap()
	if int64(len(data)) != sc.off {
		return "", fmt.Errorf("pack: %d bytes stored, %d read", len(data), sc.off)
	}
	sum := sha1.Sum(data[:len(data)-20])
	if !bytes.Equal(sum[:], data[len(data)-20:]) {
		return "", fmt.Errorf("pack: its checksum does not match: %w", ErrCorrupt)
	}
	p := &pack{name: "incoming pack", data: data, local: map[plumbing.Hash]int64{}}
	defer s.forgetBases(p)
	if err := s.resolvePack(ctx, p, entries); err != nil {
		return "", err
	}
	order := make([]PackItem, len(entries))
	offsets := make([]int64, len(entries))
	crcs := make([]uint32, len(entries))
	for i, e := range entries {
		end := int64(len(data) - 20)
		if i+1 < len(entries) {
			end = entries[i+1].off
		}
		order[i] = PackItem{h: e.h}
		offsets[i] = e.off
		crcs[i] = crc32.ChecksumIEEE(data[e.off:end])
	}
	name, err := s.installPack(f.Name(), sum[:], packIndex(order, offsets, crcs, sum[:]))
	if err != nil {
		return "", err
	}
	return name, s.LoadPacks()
}

// scanPack reads the stream's entries, checking the bounds of each
// before inflating it, and the trailer; it returns the entries'
// offsets.
func (s *Store) scanPack(ctx context.Context, sc *packScanner) ([]packEntry, error) {
	var head [12]byte
	if _, err := io.ReadFull(sc, head[:]); err != nil {
		return nil, fmt.Errorf("pack: header: %w", err)
	}
	if string(head[:4]) != "PACK" || (binary.BigEndian.Uint32(head[4:]) != 2 && binary.BigEndian.Uint32(head[4:]) != 3) {
		return nil, fmt.Errorf("not a pack (version 2 or 3): %w", ErrCorrupt)
	}
	n := binary.BigEndian.Uint32(head[8:])
	if n > MaxFetchObjects {
		return nil, fmt.Errorf("a pack of %d objects, over the limit of %d: %w", n, MaxFetchObjects, ErrTooLarge)
	}
	entries := make([]packEntry, 0, min(n, 4096)) // n is only declared
	at := map[int64]bool{}
	var rebuilt int64
	var zr io.ReadCloser
	for i := range n {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		off := sc.off
		typ, size, err := readEntryHeader(sc)
		if err != nil {
			return nil, err
		}
		if size > MaxObjectBytes {
			return nil, fmt.Errorf("an entry declares %d bytes, over the limit of %d: %w", size, MaxObjectBytes, ErrTooLarge)
		}
		switch typ {
		case packCommit, packTree, packBlob, packTag:
		case packOfsDelta:
			rel, err := readOfsDelta(sc)
			if err != nil {
				return nil, err
			}
			if !at[off-rel] {
				return nil, fmt.Errorf("pack: a delta's base is not an entry before it: %w", ErrCorrupt)
			}
		case packRefDelta:
			var bh [20]byte
			if _, err := io.ReadFull(sc, bh[:]); err != nil {
				return nil, fmt.Errorf("pack: %w", err)
			}
		default:
			return nil, fmt.Errorf("pack: unknown object type %d: %w", typ, ErrCorrupt)
		}
		if zr == nil {
			zr, err = zlib.NewReader(sc)
		} else {
			err = zr.(zlib.Resetter).Reset(sc, nil)
		}
		if err != nil {
			return nil, fmt.Errorf("pack: %w", err)
		}
		result := size
		if typ == packOfsDelta || typ == packRefDelta {
			// A delta is small: read it whole for its header.
			delta, err := io.ReadAll(io.LimitReader(zr, size+1))
			if err != nil {
				return nil, fmt.Errorf("pack: %w", err)
			}
			if int64(len(delta)) != size {
				return nil, fmt.Errorf("pack: an entry's length differs from its declared size: %w", ErrCorrupt)
			}
			_, target, _, err := DeltaSizes(delta)
			if err != nil {
				return nil, err
			}
			if target > MaxObjectBytes {
				return nil, fmt.Errorf("a delta declares a result of %d bytes, over the limit of %d: %w", target, MaxObjectBytes, ErrTooLarge)
			}
			result = target
		} else if got, err := io.Copy(io.Discard, io.LimitReader(zr, size+1)); err != nil {
			return nil, fmt.Errorf("pack: %w", err)
		} else if got != size {
			return nil, fmt.Errorf("pack: an entry's length differs from its declared size: %w", ErrCorrupt)
		}
		if rebuilt += result; rebuilt > MaxFetchRebuiltBytes {
			return nil, fmt.Errorf("a pack whose objects make more than %d bytes: %w", MaxFetchRebuiltBytes, ErrTooLarge)
		}
		at[off] = true
		entries = append(entries, packEntry{off: off})
	}
	var trailer [20]byte
	if _, err := io.ReadFull(sc, trailer[:]); err != nil {
		return nil, fmt.Errorf("pack: trailer: %w", err)
	}
	if _, err := sc.ReadByte(); err != io.EOF {
		if err == nil {
			err = errors.New("bytes after the pack's end")
		}
		return nil, fmt.Errorf("pack: %w", err)
	}
	return entries, nil
}

// readEntryHeader reads a pack entry's type and size.
func readEntryHeader(r io.ByteReader) (int, int64, error) {
	c, err := r.ReadByte()
	if err != nil {
		return 0, 0, fmt.Errorf("pack: %w", err)
	}
	typ := int(c>>4) & 7
	size := int64(c & 15)
	for shift := 4; c&0x80 != 0; shift += 7 {
		if shift > 56 {
			return 0, 0, fmt.Errorf("pack: bad entry header: %w", ErrCorrupt)
		}
		if c, err = r.ReadByte(); err != nil {
			return 0, 0, fmt.Errorf("pack: %w", err)
		}
		size |= int64(c&0x7f) << shift
	}
	return typ, size, nil
}

// readOfsDelta reads how far back an offset delta's base lies.
func readOfsDelta(r io.ByteReader) (int64, error) {
	c, err := r.ReadByte()
	if err != nil {
		return 0, fmt.Errorf("pack: %w", err)
	}
	rel := int64(c & 0x7f)
	for c&0x80 != 0 {
		if rel > 1<<48 {
			return 0, fmt.Errorf("pack: bad delta offset: %w", ErrCorrupt)
		}
		if c, err = r.ReadByte(); err != nil {
			return 0, fmt.Errorf("pack: %w", err)
		}
		rel = ((rel + 1) << 7) | int64(c&0x7f)
	}
	if rel <= 0 {
		return 0, fmt.Errorf("pack: bad delta offset: %w", ErrCorrupt)
	}
	return rel, nil
}

// resolvePack rebuilds and hashes every entry. A ref-delta whose base
// comes later in the pack waits for it: each entry is tried once, and
// again only when the base it waited for is found.
func (s *Store) resolvePack(ctx context.Context, p *pack, entries []packEntry) error {
	waiting := map[plumbing.Hash][]int{}
	todo := make([]int, len(entries))
	for i := range todo {
		todo[i] = len(entries) - 1 - i
	}
	for len(todo) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		i := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		t, data, err := s.unpack(p, entries[i].off, 0)
		var missing *baseMissingError
		if errors.As(err, &missing) {
			waiting[missing.h] = append(waiting[missing.h], i)
			continue
		}
		if errors.Is(err, ErrTooLarge) {
			return err
		}
		if err != nil {
			return fmt.Errorf("pack: entry at %d: %v: %w", entries[i].off, err, ErrCorrupt)
		}
		h := objectHash(t, data)
		if _, dup := p.local[h]; dup {
			return fmt.Errorf("pack: object %s is given twice: %w", h, ErrCorrupt)
		}
		p.local[h] = entries[i].off
		entries[i].h, entries[i].done = h, true
		todo = append(todo, waiting[h]...)
		delete(waiting, h)
	}
	for h := range waiting {
		return fmt.Errorf("pack: delta base %s is not in it (gobag takes only complete packs): %w", h, ErrCorrupt)
	}
	return nil
}

// forgetBases drops the cached delta bases of p (a pack that is being
// unmapped).
func (s *Store) forgetBases(p *pack) {
	for k := range s.bases {
		if k.p == p {
			s.baseBytes -= len(s.bases[k].data)
			delete(s.bases, k)
		}
	}
}

// MoveInto moves the quarantine's objects (its packs, then its loose
// objects) into dst, flushed to disk, and leaves the quarantine empty.
func (s *Store) MoveInto(dst *Store) error {
	s.closePacks()
	src := filepath.Join(s.dir, "objects")
	to := filepath.Join(dst.dir, "objects")
	packs, err := filepath.Glob(filepath.Join(src, "pack", "pack-*.pack"))
	if err != nil {
		return err
	}
	if len(packs) > 0 {
		if err := os.MkdirAll(filepath.Join(to, "pack"), 0o755); err != nil {
			return err
		}
	}
	for _, p := range packs {
		// The pack before its index: a pack is found by its index.
		base := strings.TrimSuffix(filepath.Base(p), ".pack")
		for _, ext := range []string{".pack", ".idx"} {
			if err := os.Rename(filepath.Join(src, "pack", base+ext), filepath.Join(to, "pack", base+ext)); err != nil {
				return err
			}
		}
	}
	SyncDir(filepath.Join(to, "pack"))
	loose, err := s.looseObjects()
	if err != nil {
		return err
	}
	dirs := map[string]bool{}
	for _, h := range loose {
		target := dst.LoosePath(h)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.Rename(s.LoosePath(h), target); err != nil {
			return err
		}
		dirs[filepath.Dir(target)] = true
	}
	for d := range dirs {
		SyncDir(d)
	}
	SyncDir(to)
	return dst.LoadPacks()
}

// CheckComplete walks the history ending at tip, down to what the
// receiver has (has), and fails unless every object of it is there: a
// pack that names a blob it never sent is refused before it moves in.
func (s *Store) CheckComplete(ctx context.Context, tip plumbing.Hash, has func(plumbing.Hash) bool) error {
	items, err := s.MissingObjects(ctx, tip, has, has)
	if err != nil {
		return err
	}
	for _, it := range items {
		if !s.Has(it.h) {
			return fmt.Errorf("object %s of the history was not sent: %w", it.h, ErrCorrupt)
		}
	}
	return nil
}
