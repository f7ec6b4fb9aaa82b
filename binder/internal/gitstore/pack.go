package gitstore

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/pjbgf/sha1cd"
)

// pack is one packfile and its index (version 2), mapped into memory.
// Objects are found by binary search in the index and inflated straight
// from the mapped pack; deltas are resolved here, with a small cache of
// delta bases. Every object read is checked against its hash.
type pack struct {
	name     string
	path     string
	idx      []byte
	data     []byte
	n        int
	borrowed bool // in a repository borrowed from, not the store's own
	close    func() error
	// local, while the pack is being indexed, maps the hashes found so
	// far to their offsets; ref-deltas look their bases up there.
	local map[plumbing.Hash]int64
}

const idxHeaderLen = 8 + 256*4

// Pack object types (git's pack format).
const (
	packCommit   = 1
	packTree     = 2
	packBlob     = 3
	packTag      = 4
	packOfsDelta = 6
	packRefDelta = 7
)

func openPack(idxPath string) (*pack, error) {
	packPath := strings.TrimSuffix(idxPath, ".idx") + ".pack"
	idx, closeIdx, err := mapFile(idxPath)
	if err != nil {
		return nil, err
	}
	data, closeData, err := mapFile(packPath)
	if err != nil {
		closeIdx()
		return nil, err
	}
	p := &pack{name: filepath.Base(packPath), path: packPath, idx: idx, data: data, close: func() error {
		err1, err2 := closeIdx(), closeData()
		return errors.Join(err1, err2)
	}}
	if err := p.check(); err != nil {
		p.close()
		return nil, fmt.Errorf("%s: %w", p.name, err)
	}
	return p, nil
}

// check validates the index's shape against the pack, so that lookups
// need no further bounds checks on the index.
func (p *pack) check() error {
	if len(p.idx) < idxHeaderLen+40 || !bytes.Equal(p.idx[:8], []byte{0xff, 't', 'O', 'c', 0, 0, 0, 2}) {
		return errors.New("not a version 2 pack index")
	}
	if len(p.data) < 32 || string(p.data[:4]) != "PACK" {
		return errors.New("not a pack")
	}
	var prev uint32
	for i := range 256 {
		v := binary.BigEndian.Uint32(p.idx[8+4*i:])
		if v < prev {
			return errors.New("pack index fan-out is not sorted")
		}
		prev = v
	}
	p.n = int(prev)
	small := idxHeaderLen + p.n*(20+4+4)
	if len(p.idx) < small+40 || int(binary.BigEndian.Uint32(p.data[8:])) != p.n {
		return errors.New("pack index does not match the pack")
	}
	if !bytes.Equal(p.idx[len(p.idx)-40:len(p.idx)-20], p.data[len(p.data)-20:]) {
		return errors.New("pack index names another pack")
	}
	return nil
}

// find returns the offset of h in the pack.
func (p *pack) find(h plumbing.Hash) (int64, bool) {
	lo := 0
	if h[0] > 0 {
		lo = int(binary.BigEndian.Uint32(p.idx[8+4*(int(h[0])-1):]))
	}
	hi := int(binary.BigEndian.Uint32(p.idx[8+4*int(h[0]):]))
	names := p.idx[idxHeaderLen:]
	i := lo + sort.Search(hi-lo, func(i int) bool {
		return bytes.Compare(names[(lo+i)*20:(lo+i)*20+20], h[:]) >= 0
	})
	if i >= hi || !bytes.Equal(names[i*20:i*20+20], h[:]) {
		return 0, false
	}
	offs := p.idx[idxHeaderLen+p.n*24:]
	off := binary.BigEndian.Uint32(offs[i*4:])
	if off&0x80000000 == 0 {
		return int64(off), true
	}
	large := idxHeaderLen + p.n*28 + int(off&0x7fffffff)*8
	if large+8 > len(p.idx)-40 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(p.idx[large:])), true
}

// PackCount is how many packs the repository has, as last loaded.
func (s *Store) PackCount() int { return len(s.packs) }

// LoadPacks opens the repository's packs, and those of the repositories
// it borrows from, that are not open yet.
func (s *Store) LoadPacks() error {
	open := map[string]bool{}
	for _, p := range s.packs {
		open[p.path] = true
	}
	for i, dir := range s.objectDirs() {
		names, err := filepath.Glob(filepath.Join(dir, "pack", "pack-*.idx"))
		if err != nil {
			return err
		}
		for _, n := range names {
			if open[strings.TrimSuffix(n, ".idx")+".pack"] {
				continue
			}
			p, err := openPack(n)
			if errors.Is(err, os.ErrNotExist) {
				continue // a pack being written or removed
			}
			if err != nil {
				return err
			}
			p.borrowed = i > 0
			s.packs = append(s.packs, p)
		}
	}
	return nil
}

func (s *Store) closePacks() {
	for _, p := range s.packs {
		p.close()
	}
	s.packs = nil
	clear(s.bases)
}

// findPacked returns the pack holding h and its offset there. With
// reload, packs that appeared since they were listed are looked at too.
func (s *Store) findPacked(h plumbing.Hash, reload bool) (*pack, int64, bool, error) {
	for _, p := range s.packs {
		if off, ok := p.find(h); ok {
			return p, off, true, nil
		}
	}
	if !reload {
		return nil, 0, false, nil
	}
	n := len(s.packs)
	if err := s.LoadPacks(); err != nil {
		return nil, 0, false, err
	}
	for _, p := range s.packs[n:] {
		if off, ok := p.find(h); ok {
			return p, off, true, nil
		}
	}
	return nil, 0, false, nil
}

// readPacked reads object h from the packs and checks its type and hash.
func (s *Store) readPacked(t plumbing.ObjectType, h plumbing.Hash, reload bool) ([]byte, bool, error) {
	p, off, ok, err := s.findPacked(h, reload)
	if !ok || err != nil {
		return nil, false, err
	}
	typ, data, err := s.unpack(p, off, 0)
	if errors.Is(err, ErrTooLarge) {
		return nil, true, fmt.Errorf("%s in %s: %w", h, p.name, err)
	}
	if err != nil {
		return nil, true, fmt.Errorf("%s in %s is unreadable: %v: %w", h, p.name, err, ErrCorrupt)
	}
	if typ != t {
		return nil, true, fmt.Errorf("object %s in %s is a %s, not a %s: %w", h, p.name, typ, t, ErrCorrupt)
	}
	if objectHash(typ, data) != h {
		return nil, true, fmt.Errorf("%s in %s does not match its hash: %w", h, p.name, ErrCorrupt)
	}
	return data, true, nil
}

// objectHash is git's SHA-1 of an object, with collision detection.
func objectHash(t plumbing.ObjectType, data []byte) plumbing.Hash {
	d := sha1cd.New()
	fmt.Fprintf(d, "%s %d\x00", t, len(data))
	d.Write(data)
	var h plumbing.Hash
	copy(h[:], d.Sum(nil))
	return h
}

// baseKey names a resolved object in the delta-base cache.
type baseKey struct {
	p   *pack
	off int64
}

type baseEntry struct {
	t    plumbing.ObjectType
	data []byte
}

const maxBaseCache = 16 << 20

// unpack reads the object at off, resolving deltas against their bases.
func (s *Store) unpack(p *pack, off int64, depth int) (plumbing.ObjectType, []byte, error) {
	if depth > MaxDeltaChain {
		return 0, nil, fmt.Errorf("a delta chain longer than %d: %w", MaxDeltaChain, ErrTooLarge)
	}
	if e, ok := s.bases[baseKey{p, off}]; ok {
		return e.t, e.data, nil
	}
	if off < 12 || off >= int64(len(p.data))-20 {
		return 0, nil, fmt.Errorf("offset %d outside the pack", off)
	}
	buf := p.data[off : len(p.data)-20]
	c := buf[0]
	typ := int(c>>4) & 7
	size := int64(c & 15)
	shift := 4
	i := 1
	for c&0x80 != 0 {
		if i >= len(buf) || shift > 56 {
			return 0, nil, errors.New("bad object header")
		}
		c = buf[i]
		size |= int64(c&0x7f) << shift
		shift += 7
		i++
	}
	// The size in the header is checked before anything is inflated or
	// any delta base is rebuilt.
	if size > MaxObjectBytes {
		return 0, nil, fmt.Errorf("an entry declares %d bytes, over the limit of %d: %w", size, MaxObjectBytes, ErrTooLarge)
	}
	if size > int64(len(buf))*1100 {
		return 0, nil, errors.New("object size out of range")
	}
	var baseType plumbing.ObjectType
	var base []byte
	var err error
	switch typ {
	case packCommit, packTree, packBlob, packTag:
	case packOfsDelta:
		if i >= len(buf) {
			return 0, nil, errors.New("bad delta header")
		}
		c = buf[i]
		i++
		rel := int64(c & 0x7f)
		for c&0x80 != 0 {
			if i >= len(buf) || rel > 1<<48 {
				return 0, nil, errors.New("bad delta offset")
			}
			c = buf[i]
			i++
			rel = ((rel + 1) << 7) | int64(c&0x7f)
		}
		if rel <= 0 || rel > off {
			return 0, nil, errors.New("bad delta offset")
		}
		if baseType, base, err = s.unpack(p, off-rel, depth+1); err != nil {
			return 0, nil, err
		}
		s.keepBase(p, off-rel, baseType, base)
	case packRefDelta:
		if i+20 > len(buf) {
			return 0, nil, errors.New("bad delta header")
		}
		var bh plumbing.Hash
		copy(bh[:], buf[i:i+20])
		i += 20
		bp, boff, ok, err := s.findBase(p, bh)
		if err != nil {
			return 0, nil, err
		}
		if !ok {
			return 0, nil, &baseMissingError{bh}
		}
		if baseType, base, err = s.unpack(bp, boff, depth+1); err != nil {
			return 0, nil, err
		}
		s.keepBase(bp, boff, baseType, base)
	default:
		return 0, nil, fmt.Errorf("unknown object type %d", typ)
	}
	if err := s.spend(int(size)); err != nil {
		return 0, nil, err
	}
	raw, err := s.inflate(buf[i:], int(size))
	if err != nil {
		return 0, nil, err
	}
	if base == nil {
		return plumbing.ObjectType(typ), raw, nil
	}
	out, err := patchDelta(base, raw)
	if err != nil {
		return 0, nil, err
	}
	if err := s.spend(len(out)); err != nil {
		return 0, nil, err
	}
	return baseType, out, nil
}

// baseMissingError: a ref-delta's base is not in the packs (or, for a
// pack being indexed, not found in it yet).
type baseMissingError struct{ h plumbing.Hash }

func (e *baseMissingError) Error() string { return fmt.Sprintf("delta base %s is missing", e.h) }

// findBase finds a ref-delta's base: in the pack being indexed, by the
// hashes found so far, else in the repository's packs.
func (s *Store) findBase(p *pack, h plumbing.Hash) (*pack, int64, bool, error) {
	if p.local != nil {
		off, ok := p.local[h]
		return p, off, ok, nil
	}
	return s.findPacked(h, true)
}

// DeltaSizes reads the header of a delta: the size of the base it
// applies to and of the object it builds.
func DeltaSizes(delta []byte) (base, target int64, n int, err error) {
	for _, v := range []*int64{&base, &target} {
		var shift uint
		for {
			if n >= len(delta) || shift > 56 {
				return 0, 0, 0, errors.New("delta: bad header")
			}
			c := delta[n]
			n++
			*v |= int64(c&0x7f) << shift
			shift += 7
			if c&0x80 == 0 {
				break
			}
		}
	}
	return base, target, n, nil
}

// patchDelta applies delta to base once its header is checked: the
// target size it declares must be within MaxObjectBytes, so that a
// delta of a few bytes cannot make gigabytes.
func patchDelta(base, delta []byte) ([]byte, error) {
	bs, ts, _, err := DeltaSizes(delta)
	if err != nil {
		return nil, err
	}
	if ts > MaxObjectBytes {
		return nil, fmt.Errorf("a delta declares a result of %d bytes, over the limit of %d: %w", ts, MaxObjectBytes, ErrTooLarge)
	}
	if bs != int64(len(base)) {
		return nil, fmt.Errorf("delta: base of %d bytes, not %d as declared", len(base), bs)
	}
	out, err := packfile.PatchDelta(base, delta)
	if err != nil {
		return nil, fmt.Errorf("delta: %w", err)
	}
	if int64(len(out)) != ts {
		return nil, errors.New("delta: result differs from its declared size")
	}
	return out, nil
}

// keepBase remembers a delta base, since its neighbours in the pack are
// likely deltas against it too.
func (s *Store) keepBase(p *pack, off int64, t plumbing.ObjectType, data []byte) {
	if s.bases == nil {
		s.bases = map[baseKey]baseEntry{}
	}
	if s.baseBytes+len(data) > maxBaseCache {
		clear(s.bases)
		s.baseBytes = 0
	}
	s.bases[baseKey{p, off}] = baseEntry{t, data}
	s.baseBytes += len(data)
}

// inflate decompresses exactly size bytes of the zlib stream at src.
func (s *Store) inflate(src []byte, size int) ([]byte, error) {
	r := bytes.NewReader(src)
	if s.zr == nil {
		var err error
		if s.zr, err = zlib.NewReader(r); err != nil {
			return nil, err
		}
	} else if err := s.zr.(zlib.Resetter).Reset(r, nil); err != nil {
		return nil, err
	}
	out := make([]byte, size)
	if _, err := io.ReadFull(s.zr, out); err != nil {
		return nil, fmt.Errorf("inflate: %w", err)
	}
	return out, nil
}
