package gitstore

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// FuzzParseTree: a tree from anywhere either parses into entries that
// render back to the very same bytes (one reading, nothing dropped or
// reordered), or is refused with ErrBadTree; it never panics.
func FuzzParseTree(f *testing.F) {
	f.Add(rawTree([3]string{"100644", "README.md"}, [3]string{"40000", "records"}))
	f.Add(rawTree([3]string{"40000", ".gobag"}, [3]string{"40000", ".gobag"}))
	f.Add(rawTree([3]string{"120000", "x"}))
	f.Add([]byte("100644 a\x00short"))
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := ParseTree(data)
		if err != nil {
			if !errors.Is(err, ErrBadTree) {
				t.Fatalf("error %v is not ErrBadTree", err)
			}
			return
		}
		if back := RenderTree(es); !bytes.Equal(back, data) {
			t.Fatalf("parsed %q as %d entries that render as %q", data, len(es), back)
		}
	})
}

// FuzzIndexPack: a pack stream from anywhere is either indexed, every
// object in it then reading back by its hash, or refused with an error;
// it never panics, and never rebuilds past the bounds (a delta bomb in
// the seeds).
func FuzzIndexPack(f *testing.F) {
	src := fuzzSource(f)
	for _, items := range [][]PackItem{src.items, src.items[:1]} {
		var b bytes.Buffer
		if _, _, _, err := EncodePack(context.Background(), &b, src.store, items, nil); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
		f.Add(b.Bytes()[:b.Len()/2])
	}
	f.Add(packOfEntries(
		[]byte{0x3a, 'x', 0x9c, 0x4b, 0xcc, 0x01, 0x00, 0x02, 0xc5, 0x01, 0x62}, // a blob "aaaaaaaaaa", badly compressed
	))
	bomb := append([]byte{0x3a}, zlibOf([]byte("aaaaaaaaaa"))...)
	delta := []byte{10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x91, 0, 10}
	f.Add(packOfEntries(bomb, append([]byte{0x60 | byte(len(delta)&15), byte(len(bomb))}, zlibOf(delta)...)))
	s, err := Init(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// IndexPack's parsing, in memory (the checksum aside, which
		// would stop most inputs before the parsers).
		sc := &packScanner{br: bufio.NewReader(bytes.NewReader(data))}
		entries, err := s.scanPack(context.Background(), sc)
		if err != nil || len(data) < 32 {
			return
		}
		p := &pack{name: "fuzzed", data: data, local: map[plumbing.Hash]int64{}}
		defer s.forgetBases(p)
		if err := s.resolvePack(context.Background(), p, entries); err != nil {
			return
		}
		for _, e := range entries {
			typ, obj, err := s.unpack(p, e.off, 0)
			if err != nil || objectHash(typ, obj) != e.h || len(obj) > MaxObjectBytes {
				t.Fatalf("entry at %d does not read back as %s: %v", e.off, e.h, err)
			}
		}
	})
}

// FuzzInflateLoose: a loose object from anywhere is either read, its
// content exactly the size its header declares and within
// MaxObjectBytes, or refused; it never panics.
func FuzzInflateLoose(f *testing.F) {
	f.Add(looseBomb("blob", 4, []byte("four")))
	f.Add(looseBomb("blob", MaxObjectBytes+1, nil))
	f.Add(looseBomb("tree", 3, []byte("four")))
	f.Add(looseBomb("commit", 5, []byte("four")))
	f.Add([]byte("not zlib"))
	s, err := Init(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, full, err := s.inflateLoose(bytes.NewReader(data))
		if err != nil {
			return
		}
		nul := bytes.IndexByte(full, 0)
		_, size, _ := strings.Cut(string(full[:nul]), " ")
		if size != strconv.Itoa(len(full)-nul-1) || len(full)-nul-1 > MaxObjectBytes {
			t.Fatalf("read %d bytes for a header of %q", len(full)-nul-1, full[:nul])
		}
	})
}

// fuzzHistory is a repository with a little history, to make seed
// packs of (deltas included).
type fuzzHistory struct {
	store *Store
	items []PackItem
}

// fuzzSource makes a fuzzHistory.
func fuzzSource(f *testing.F) fuzzHistory {
	s, err := Init(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	var parent []plumbing.Hash
	for i := range 3 {
		b, _ := s.PutBlob([]byte(strings.Repeat(fmt.Sprintf("version %d\n", i), 50)))
		tree, err := s.ApplyTree(plumbing.ZeroHash, map[string]plumbing.Hash{"d/f": b})
		if err != nil {
			f.Fatal(err)
		}
		c, err := s.WriteCommit(tree, parent, Author{Name: "t", Email: "t@x"}, "m", time.Unix(1700000000, 0), func([]byte) ([]byte, error) { return nil, nil })
		if err != nil {
			f.Fatal(err)
		}
		parent = []plumbing.Hash{c}
	}
	if err := s.SetHead(plumbing.ZeroHash, parent[0]); err != nil {
		f.Fatal(err)
	}
	loose, err := s.looseObjects()
	if err != nil {
		f.Fatal(err)
	}
	want := map[plumbing.Hash]bool{}
	for _, h := range loose {
		want[h] = true
	}
	items, err := s.packOrder(context.Background(), want, true)
	if err != nil {
		f.Fatal(err)
	}
	return fuzzHistory{s, items}
}

// packOfEntries wraps raw entries (header and zlib data each) as a pack.
func packOfEntries(entries ...[]byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, byte(len(entries))})
	for _, e := range entries {
		b.Write(e)
	}
	sum := sha1.Sum(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

func zlibOf(data []byte) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}
