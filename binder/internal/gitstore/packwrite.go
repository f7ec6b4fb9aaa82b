package gitstore

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
)

// Packing. gobag writes every object loose (one file each), which keeps a
// save cheap; packing gathers them into one packfile, as git gc does, so
// that a binder of thousands of saves takes megabytes rather than
// hundreds of megabytes and reads without a file system call per object.
//
// Trees and envelopes are stored as deltas against the newer version at
// the same path (git's own packs do the same, found by a costlier search);
// ciphertexts and commits do not compress and are stored whole. Packs are
// self-contained (every delta base is in the same pack) and git reads them.

const (
	// AutoPackLoose is how many loose objects make Close pack them, as
	// git's gc.auto does.
	AutoPackLoose = 6700
	// MaxPacks is how many packs make packing gather them all into one.
	MaxPacks = 8
	// maxDeltaDepth caps the delta chains written, as git's default does.
	maxDeltaDepth = 50
)

// LooseEstimate estimates the number of loose objects from one of the 256
// fan-out directories, as git does.
func (s *Store) LooseEstimate() int {
	ents, err := os.ReadDir(filepath.Join(s.dir, "objects", "17"))
	if err != nil {
		return 0
	}
	return len(ents) * 256
}

// looseObjects lists every loose object.
func (s *Store) looseObjects() ([]plumbing.Hash, error) {
	var out []plumbing.Hash
	for i := range 256 {
		d := fmt.Sprintf("%02x", i)
		ents, err := os.ReadDir(filepath.Join(s.dir, "objects", d))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if len(e.Name()) != 38 {
				continue // a temporary file
			}
			b, err := hex.DecodeString(d + e.Name())
			if err != nil {
				continue
			}
			var h plumbing.Hash
			copy(h[:], b)
			out = append(out, h)
		}
	}
	return out, nil
}

// packedObjects lists every object in the open packs.
func (s *Store) packedObjects(packs []*pack) []plumbing.Hash {
	var out []plumbing.Hash
	for _, p := range packs {
		names := p.idx[idxHeaderLen : idxHeaderLen+p.n*20]
		for i := range p.n {
			var h plumbing.Hash
			copy(h[:], names[i*20:])
			out = append(out, h)
		}
	}
	return out
}

// PackItem is one object to write, with the newer version it is stored as
// a delta against, if any.
type PackItem struct {
	h     plumbing.Hash
	t     plumbing.ObjectType
	base  int // index of the delta base in the write order, or -1
	depth int
}

// Repack writes the loose objects (and, with all, every packed one too)
// into a new pack, then removes what it replaced. It reports progress as
// objects are written.
func (s *Store) Repack(ctx context.Context, all bool, progress func(done, total int)) error {
	if err := s.LoadPacks(); err != nil {
		return err
	}
	s.removeLeftovers()
	loose, err := s.looseObjects()
	if err != nil {
		return err
	}
	want := map[plumbing.Hash]bool{}
	for _, h := range loose {
		want[h] = true
	}
	// A pack with a .keep file is someone's to keep, as git repack keeps
	// it: neither gathered nor removed. With all, what the refs reach but
	// only a repository borrowed from holds is copied in too.
	var oldPacks []*pack
	var borrowed []plumbing.Hash
	if all {
		for _, p := range s.packs {
			if !p.borrowed && !s.kept(p) {
				oldPacks = append(oldPacks, p)
			}
		}
		for _, h := range s.packedObjects(oldPacks) {
			want[h] = true
		}
		if borrowed, err = s.borrowedObjects(ctx); err != nil {
			return err
		}
		for _, h := range borrowed {
			want[h] = true
		}
	}
	if len(want) == 0 {
		if all {
			return s.stopBorrowing()
		}
		return nil
	}
	// Gathering everything, only what a ref reaches is kept: objects a
	// refused fetch took in, or an interrupted save left, go.
	order, err := s.packOrder(ctx, want, all)
	if err != nil {
		return err
	}
	name, err := s.WritePack(ctx, s, order, progress)
	if err != nil {
		return err
	}
	// The new pack is on disk and synced: drop what it replaces.
	if all {
		if err := s.stopBorrowing(); err != nil {
			return err
		}
	}
	for _, h := range loose {
		os.Remove(s.LoosePath(h))
	}
	s.closePacks()
	removed := false
	for _, p := range oldPacks {
		if p.name == name {
			continue
		}
		base := strings.TrimSuffix(p.path, ".pack")
		os.Remove(base + ".idx")
		os.Remove(base + ".pack")
		os.Remove(base + ".rev")
		os.Remove(base + ".bitmap")
		removed = true
	}
	if removed {
		// A multi-pack-index (git multi-pack-index write, git gc with
		// core.multiPackIndex) lists packs by name: one that lists a pack
		// removed here would make git fsck fail. It is a cache git builds
		// again; removing it leaves git reading the packs themselves.
		s.removeMultiPackIndex()
	}
	return s.LoadPacks()
}

// kept reports whether p has a .keep file beside it.
func (s *Store) kept(p *pack) bool {
	_, err := os.Stat(strings.TrimSuffix(p.path, ".pack") + ".keep")
	return err == nil
}

// removeMultiPackIndex removes the multi-pack-index and the files that go
// with it (its bitmap and reverse index, a chain of incremental ones).
func (s *Store) removeMultiPackIndex() {
	dir := filepath.Join(s.dir, "objects", "pack")
	matches, _ := filepath.Glob(filepath.Join(dir, "multi-pack-index*"))
	for _, m := range matches {
		os.RemoveAll(m)
	}
}

// leftoverAge is how old a temporary pack file must be to count as left by
// a repack that was killed (git's own are removed by git gc after two
// weeks; one younger may belong to a git command running now).
const leftoverAge = time.Hour

// removeLeftovers removes the temporary files a killed repack or fetch
// left in objects/pack (tmp_pack_*, tmp_idx_*, *.idx.tmp) once they are old
// enough not to belong to a writer still at work.
func (s *Store) removeLeftovers() {
	dir := filepath.Join(s.dir, "objects", "pack")
	for _, pattern := range []string{"tmp_pack_*", "tmp_idx_*", "*.idx.tmp"} {
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			if fi, err := os.Stat(m); err == nil && time.Since(fi.ModTime()) > leftoverAge {
				os.Remove(m)
			}
		}
	}
}

// packOrder orders the objects to write: history is walked from the tip
// (then from every other ref), newest first, so that each tree and
// envelope can be a delta against the newer version at the same path,
// written before it. Objects that the walk does not reach (left by an
// interrupted save or a refused fetch) come last, whole; with
// onlyReachable they are left out.
func (s *Store) packOrder(ctx context.Context, want map[plumbing.Hash]bool, onlyReachable bool) ([]PackItem, error) {
	var order []PackItem
	placed := map[plumbing.Hash]bool{}
	latest := map[string]int{} // path → index of its newest version written
	add := func(h plumbing.Hash, t plumbing.ObjectType, path string) {
		if !want[h] || placed[h] {
			return
		}
		placed[h] = true
		it := PackItem{h: h, t: t, base: -1}
		if path != "" {
			if b, ok := latest[path]; ok && order[b].depth < maxDeltaDepth {
				it.base, it.depth = b, order[b].depth+1
			}
			latest[path] = len(order)
		}
		order = append(order, it)
	}
	var walkTree func(h plumbing.Hash, path string) error
	walkTree = func(h plumbing.Hash, path string) error {
		// A tree already packed has only packed children (packs are
		// written complete), so the walk stops there.
		if !want[h] || placed[h] {
			return nil
		}
		if err := checkDepth(strings.Count(path, "/") + 1); err != nil {
			return err
		}
		add(h, plumbing.TreeObject, path+"/")
		es, err := s.Tree(h)
		if err != nil {
			return err
		}
		for _, e := range es {
			p := path + "/" + string(e.Name)
			if e.IsDir {
				if err := walkTree(e.Hash, p); err != nil {
					return err
				}
				continue
			}
			if strings.HasSuffix(p, ".env") || strings.HasPrefix(p, "/.gobag/") {
				add(e.Hash, plumbing.BlobObject, p)
			} else {
				add(e.Hash, plumbing.BlobObject, "")
			}
		}
		return nil
	}
	tips, err := s.refTips()
	if err != nil {
		return nil, err
	}
	var queue []plumbing.Hash
	seen := map[plumbing.Hash]bool{}
	for _, t := range tips {
		ot, err := s.ObjectType(t)
		if err != nil {
			return nil, err
		}
		if ot != plumbing.CommitObject {
			add(t, ot, "") // a tag: kept, not followed
			continue
		}
		if !seen[t] {
			seen[t] = true
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h := queue[0]
		queue = queue[1:]
		c, err := s.ReadCommit(h)
		if err != nil {
			return nil, err
		}
		add(h, plumbing.CommitObject, "")
		if err := walkTree(c.TreeHash, ""); err != nil {
			return nil, err
		}
		for _, p := range c.ParentHashes {
			// Below a packed commit everything is packed already.
			if !seen[p] && want[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
	}
	var rest []plumbing.Hash
	for h := range want {
		if !placed[h] && !onlyReachable {
			rest = append(rest, h)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return bytes.Compare(rest[i][:], rest[j][:]) < 0 })
	for _, h := range rest {
		t, err := s.ObjectType(h)
		if err != nil {
			return nil, err
		}
		placed[h] = true
		order = append(order, PackItem{h: h, t: t, base: -1})
	}
	return order, nil
}

// refTips lists what the repository's refs point to: the branch first,
// then every other ref (a remote's branch kept for inspection, a tag
// made with git).
func (s *Store) refTips() ([]plumbing.Hash, error) {
	head, err := s.Head()
	if err != nil {
		return nil, err
	}
	var tips []plumbing.Hash
	if !head.IsZero() {
		tips = append(tips, head)
	}
	refs, err := s.st.IterReferences()
	if err != nil {
		return nil, err
	}
	err = refs.ForEach(func(r *plumbing.Reference) error {
		if r.Type() == plumbing.HashReference && r.Name() != Branch && !r.Hash().IsZero() {
			tips = append(tips, r.Hash())
		}
		return nil
	})
	return tips, err
}

// ObjectType finds the type of an object without knowing it in advance.
func (s *Store) ObjectType(h plumbing.Hash) (plumbing.ObjectType, error) {
	for _, t := range []plumbing.ObjectType{plumbing.BlobObject, plumbing.TreeObject, plumbing.CommitObject, plumbing.TagObject} {
		if _, err := s.ReadObject(t, h); err == nil {
			return t, nil
		}
	}
	return 0, fmt.Errorf("object %s is unreadable", h)
}

// hashingWriter writes while hashing and counting what it wrote.
type hashingWriter struct {
	w   io.Writer
	h   hash.Hash
	n   int64
	crc hash.Hash32
}

func (w *hashingWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.h.Write(p[:n])
	if w.crc != nil {
		w.crc.Write(p[:n])
	}
	w.n += int64(n)
	return n, err
}

// EncodePack writes order's objects, read from src, as a pack to out,
// trailer included. It returns each entry's offset and CRC-32 (for the
// index) and the pack's checksum.
func EncodePack(ctx context.Context, out io.Writer, src *Store, order []PackItem, progress func(done, total int)) (offsets []int64, crcs []uint32, sum []byte, err error) {
	return encodePack(ctx, out, func(it PackItem) ([]byte, error) { return src.ReadObject(it.t, it.h) }, order, zlib.DefaultCompression, progress)
}

// encodePack is EncodePack with the objects' content from read, deflated
// at level.
func encodePack(ctx context.Context, out io.Writer, read func(PackItem) ([]byte, error), order []PackItem, level int, progress func(done, total int)) (offsets []int64, crcs []uint32, sum []byte, err error) {
	w := &hashingWriter{w: out, h: sha1.New()}
	hdr := []byte{'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(hdr[8:], uint32(len(order)))
	if _, err := w.Write(hdr); err != nil {
		return nil, nil, nil, err
	}
	offsets = make([]int64, len(order))
	crcs = make([]uint32, len(order))
	var zbuf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&zbuf, level)
	if err != nil {
		return nil, nil, nil, err
	}
	// The newest version at each path, kept while its older versions may
	// still be written as deltas against it.
	data := make([][]byte, len(order))
	lastUse := make([]int, len(order))
	for i, it := range order {
		if it.base >= 0 {
			lastUse[it.base] = i
		}
	}
	for i, it := range order {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, nil, err
			}
			if progress != nil {
				progress(i, len(order))
			}
		}
		raw, err := read(it)
		if err != nil {
			return nil, nil, nil, err
		}
		body, typ := raw, packTypeOf(it.t)
		if it.base >= 0 {
			if d := packfile.DiffDelta(data[it.base], raw); len(d) < len(raw)/2 {
				body, typ = d, packOfsDelta
			}
		}
		if lastUse[i] > i {
			data[i] = raw
		}
		if it.base >= 0 && lastUse[it.base] == i {
			data[it.base] = nil
		}
		offsets[i] = w.n
		head := packObjectHeader(typ, len(body))
		if typ == packOfsDelta {
			head = append(head, encodeOfsDelta(offsets[i]-offsets[it.base])...)
		}
		w.crc = crc32.NewIEEE()
		if _, err := w.Write(head); err != nil {
			return nil, nil, nil, err
		}
		zbuf.Reset()
		zw.Reset(&zbuf)
		zw.Write(body)
		if err := zw.Close(); err != nil {
			return nil, nil, nil, err
		}
		if _, err := w.Write(zbuf.Bytes()); err != nil {
			return nil, nil, nil, err
		}
		crcs[i] = w.crc.Sum32()
		w.crc = nil
	}
	sum = w.h.Sum(nil)
	if _, err := out.Write(sum); err != nil {
		return nil, nil, nil, err
	}
	if progress != nil {
		progress(len(order), len(order))
	}
	return offsets, crcs, sum, nil
}

// WritePack writes order's objects, read from src, as a pack and its index
// in s's repository, synced to disk, and returns the pack's file name.
func (s *Store) WritePack(ctx context.Context, src *Store, order []PackItem, progress func(done, total int)) (string, error) {
	return s.writePack(ctx, func(it PackItem) ([]byte, error) { return src.ReadObject(it.t, it.h) }, order, zlib.DefaultCompression, progress)
}

// packedPutMin is how many new blobs PutBlobs writes as a pack rather
// than as loose objects.
const packedPutMin = 256

// PutBlobs stores blobs and returns their hashes, in order. Many at once
// (a roster change re-encrypting every record) go into one new pack, one
// file and one sync instead of one of each per object.
func (s *Store) PutBlobs(ctx context.Context, blobs [][]byte) ([]plumbing.Hash, error) {
	hashes := make([]plumbing.Hash, len(blobs))
	if len(blobs) < packedPutMin {
		for i, b := range blobs {
			h, err := s.PutBlob(b)
			if err != nil {
				return nil, err
			}
			hashes[i] = h
		}
		return hashes, nil
	}
	content := map[plumbing.Hash][]byte{}
	var order []PackItem
	for i, b := range blobs {
		h := plumbing.ComputeHash(plumbing.BlobObject, b)
		hashes[i] = h
		if _, dup := content[h]; dup {
			continue
		}
		content[h] = b
		order = append(order, PackItem{h: h, t: plumbing.BlobObject, base: -1})
	}
	// Most of them are age ciphertext, which does not compress: the
	// fastest level, not the best.
	if _, err := s.writePack(ctx, func(it PackItem) ([]byte, error) { return content[it.h], nil }, order, zlib.BestSpeed, nil); err != nil {
		return nil, err
	}
	return hashes, s.LoadPacks()
}

func (s *Store) writePack(ctx context.Context, read func(PackItem) ([]byte, error), order []PackItem, level int, progress func(done, total int)) (string, error) {
	f, err := s.tempPack()
	if err != nil {
		return "", err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	offsets, crcs, sum, err := encodePack(ctx, bw, read, order, level, progress)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o444)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	return s.installPack(f.Name(), sum, packIndex(order, offsets, crcs, sum))
}

// tempPack creates the file a pack is written to before it is installed,
// named as git names its own (so that gc removes one a crash left).
func (s *Store) tempPack() (*os.File, error) {
	dir := filepath.Join(s.dir, "objects", "pack")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return os.CreateTemp(dir, "tmp_pack_")
}

// installPack moves the complete, synced pack file tmp into place as the
// pack whose checksum is sum, with its index idx: the index is written
// aside and renamed last, so that a reader never finds an index without
// its pack. It returns the pack's file name.
func (s *Store) installPack(tmp string, sum, idx []byte) (string, error) {
	dir := filepath.Join(s.dir, "objects", "pack")
	base := filepath.Join(dir, "pack-"+hex.EncodeToString(sum))
	if err := writeFileSynced(base+".idx.tmp", idx); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, base+".pack"); err != nil {
		os.Remove(base + ".idx.tmp")
		return "", err
	}
	if err := os.Rename(base+".idx.tmp", base+".idx"); err != nil {
		return "", err
	}
	SyncDir(dir)
	return filepath.Base(base + ".pack"), nil
}

func packTypeOf(t plumbing.ObjectType) int {
	switch t {
	case plumbing.CommitObject:
		return packCommit
	case plumbing.TreeObject:
		return packTree
	case plumbing.TagObject:
		return packTag
	}
	return packBlob
}

// packObjectHeader encodes an entry's type and size as git does.
func packObjectHeader(typ, size int) []byte {
	b := []byte{byte(typ<<4) | byte(size&15)}
	size >>= 4
	for size > 0 {
		b[len(b)-1] |= 0x80
		b = append(b, byte(size&0x7f))
		size >>= 7
	}
	return b
}

// encodeOfsDelta encodes the distance back to a delta's base as git does.
func encodeOfsDelta(rel int64) []byte {
	b := []byte{byte(rel & 0x7f)}
	for rel >>= 7; rel > 0; rel >>= 7 {
		rel--
		b = append([]byte{0x80 | byte(rel&0x7f)}, b...)
	}
	return b
}

// packIndex renders a version 2 pack index.
func packIndex(order []PackItem, offsets []int64, crcs []uint32, packSum []byte) []byte {
	idx := make([]int, len(order))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return bytes.Compare(order[idx[a]].h[:], order[idx[b]].h[:]) < 0 })
	var b bytes.Buffer
	b.Write([]byte{0xff, 't', 'O', 'c', 0, 0, 0, 2})
	var fan [256]uint32
	for _, i := range idx {
		fan[order[i].h[0]]++
	}
	var total uint32
	for i := range fan {
		total += fan[i]
		binary.Write(&b, binary.BigEndian, total)
	}
	for _, i := range idx {
		b.Write(order[i].h[:])
	}
	for _, i := range idx {
		binary.Write(&b, binary.BigEndian, crcs[i])
	}
	var large []int64
	for _, i := range idx {
		off := offsets[i]
		if off < 1<<31 {
			binary.Write(&b, binary.BigEndian, uint32(off))
			continue
		}
		binary.Write(&b, binary.BigEndian, uint32(0x80000000|len(large)))
		large = append(large, off)
	}
	for _, off := range large {
		binary.Write(&b, binary.BigEndian, uint64(off))
	}
	b.Write(packSum)
	sum := sha1.Sum(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

func writeFileSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o444)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// SyncDir flushes a directory's entries to disk (where the system allows).
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
