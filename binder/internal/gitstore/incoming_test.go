package gitstore

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// gitRepoWithHistory makes a repository with git whose files change over
// a few commits, so that git's packs of it hold deltas.
func gitRepoWithHistory(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	gitCmd(t, dir, "init", "-q", "-b", "main")
	var text strings.Builder
	for i := range 6 {
		for j := range 200 {
			fmt.Fprintf(&text, "line %d of version %d\n", j, i)
		}
		for _, name := range []string{"a.txt", "sub/b.txt"} {
			os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
			os.WriteFile(filepath.Join(dir, name), []byte(text.String()), 0o644)
		}
		gitCmd(t, dir, "add", "-A")
		gitCmd(t, dir, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "-m", fmt.Sprint(i))
	}
	return dir
}

// gitPack is the pack git's pack-objects makes of the history in dir:
// with offset deltas, or with ref-deltas as old servers send.
func gitPack(t *testing.T, dir string, ofsDelta bool) []byte {
	t.Helper()
	args := []string{"-C", dir, "pack-objects", "--revs", "--stdout", "-q"}
	if ofsDelta {
		args = append(args, "--delta-base-offset")
	}
	cmd := exec.Command("git", args...)
	cmd.Stdin = strings.NewReader("main\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git pack-objects: %v", err)
	}
	return out
}

// IndexPack indexes git's own packs (offset and ref deltas) into the very
// index git index-pack writes, and every object reads back.
func TestIndexPackAsGitDoes(t *testing.T) {
	src := gitRepoWithHistory(t)
	for _, ofs := range []bool{true, false} {
		t.Run(fmt.Sprintf("ofs-delta=%v", ofs), func(t *testing.T) {
			data := gitPack(t, src, ofs)
			s := newStore(t)
			name, err := s.IndexPack(context.Background(), bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			base := filepath.Join(s.dir, "objects", "pack", strings.TrimSuffix(name, ".pack"))
			ours, err := os.ReadFile(base + ".idx")
			if err != nil {
				t.Fatal(err)
			}
			theirs := filepath.Join(t.TempDir(), "git.pack")
			os.WriteFile(theirs, data, 0o644)
			gitCmd(t, filepath.Dir(theirs), "index-pack", "-o", theirs+".idx", theirs)
			want, _ := os.ReadFile(theirs + ".idx")
			if !bytes.Equal(ours, want) {
				t.Fatalf("index differs from git index-pack's (%d and %d bytes)", len(ours), len(want))
			}
			gitCmd(t, s.dir, "fsck", "--no-dangling")
			count := strings.Count(gitCmd(t, src, "rev-list", "--objects", "main"), "\n")
			if got := len(s.packedObjects(s.packs)); got != count {
				t.Fatalf("got %d objects; want %d", got, count)
			}
		})
	}
}

// A quarantine reads through to its receiver, and what moves in from it
// is the receiver's; nothing is left in the quarantine.
func TestQuarantineMovesIn(t *testing.T) {
	main := newStore(t)
	old := blob(t, main, "already there")
	q, err := OpenQuarantine(filepath.Join(t.TempDir(), "q"), main)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if !q.Has(old) {
		t.Fatal("the quarantine does not see its receiver's objects")
	}
	if _, err := q.IndexPack(context.Background(), bytes.NewReader(gitPack(t, gitRepoWithHistory(t), true))); err != nil {
		t.Fatal(err)
	}
	fresh := blob(t, q, "new, loose")
	if main.Has(fresh) {
		t.Fatal("an object reached the receiver before it moved in")
	}
	if err := q.MoveInto(main); err != nil {
		t.Fatal(err)
	}
	if !main.Has(fresh) || len(main.packs) != 1 {
		t.Fatalf("after the move: has %v, %d packs", main.Has(fresh), len(main.packs))
	}
	if loose, _ := q.looseObjects(); len(loose) > 0 {
		t.Fatalf("%d objects left in the quarantine", len(loose))
	}
	gitCmd(t, main.dir, "fsck", "--no-dangling")
}

// looseBomb is a loose object whose header declares size bytes.
func looseBomb(typ string, size int64, content []byte) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	fmt.Fprintf(w, "%s %d\x00", typ, size)
	w.Write(content)
	w.Close()
	return b.Bytes()
}

// A loose object is refused from its header when it declares more than
// MaxObjectBytes, and for content longer or shorter than it declares.
func TestLooseObjectBounds(t *testing.T) {
	s := newStore(t)
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"declares too much", looseBomb("blob", MaxObjectBytes+1, nil), ErrTooLarge},
		{"declares 2 GiB", looseBomb("blob", 2<<30, make([]byte, 1<<20)), ErrTooLarge},
		{"longer than declared", looseBomb("blob", 3, []byte("four")), nil},
		{"shorter than declared", looseBomb("blob", 5, []byte("four")), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.inflateLoose(bytes.NewReader(tc.data))
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v; want a refusal (%v)", err, tc.want)
			}
		})
	}
	typ, full, err := s.inflateLoose(bytes.NewReader(looseBomb("blob", 4, []byte("four"))))
	if err != nil || typ != "blob" || string(full) != "blob 4\x00four" {
		t.Fatalf("got %q %q %v", typ, full, err)
	}
}

// A delta whose header declares a result over MaxObjectBytes is refused
// before it is applied; one whose base differs from what it declares
// too.
func TestDeltaBounds(t *testing.T) {
	base := make([]byte, 100)
	for _, tc := range []struct {
		name  string
		delta []byte
		want  error
	}{
		{"huge result", []byte{100, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x91, 0, 100}, ErrTooLarge},
		{"wrong base size", []byte{99, 10, 0x91, 0, 10}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := patchDelta(base, tc.delta); err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v; want a refusal (%v)", err, tc.want)
			}
		})
	}
	out, err := patchDelta(base, []byte{100, 10, 0x91, 0, 10})
	if err != nil || len(out) != 10 {
		t.Fatalf("got %d bytes, %v", len(out), err)
	}
}

// A stream longer than its bound fails with ErrTooLarge once the bound
// is passed, and not before.
func TestBoundedReader(t *testing.T) {
	r := &boundedReader{r: bytes.NewReader(make([]byte, 100)), n: 64}
	got, err := io.ReadAll(r)
	if !errors.Is(err, ErrTooLarge) || len(got) > 65 {
		t.Fatalf("read %d bytes, %v; want ErrTooLarge after at most 65", len(got), err)
	}
	r = &boundedReader{r: bytes.NewReader(make([]byte, 64)), n: 64}
	if got, err := io.ReadAll(r); err != nil || len(got) != 64 {
		t.Fatalf("read %d bytes, %v; want all 64", len(got), err)
	}
}

// A store whose work is bounded refuses a read that would pass the
// bound with ErrTooLarge.
func TestWorkBudget(t *testing.T) {
	s := newStore(t)
	small := blob(t, s, "small")
	big := blob(t, s, strings.Repeat("x", 1000))
	s.LimitWork(500)
	if _, err := s.ReadBlob(small); err != nil {
		t.Fatalf("a read within the budget: %v", err)
	}
	if _, err := s.ReadBlob(big); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v; want ErrTooLarge", err)
	}
}

// thrashPack is a small pack whose declared sizes stay within bounds but
// whose rebuilding is not: two chains of chain deltas over bases of size
// bytes, then many deltas against each chain's end in turn, so that the
// delta-base cache misses and every one of them rebuilds a whole chain.
func thrashPack(size, chain, many int) []byte {
	var b bytes.Buffer
	n := 2 + 2*chain + many
	b.Write([]byte{'P', 'A', 'C', 'K', 0, 0, 0, 2})
	binary.Write(&b, binary.BigEndian, uint32(n))
	// delta keeps the size, writes 8 bytes of tag, copies the rest.
	delta := func(tag uint64) []byte {
		d := binary.AppendUvarint(binary.AppendUvarint(nil, uint64(size)), uint64(size))
		d = append(d, 8)
		d = binary.BigEndian.AppendUint64(d, tag)
		rest := size - 8
		return append(d, 0x80|0x01|0x10|0x20|0x40, 8, byte(rest), byte(rest>>8), byte(rest>>16))
	}
	var ends [2]int64
	for c := range 2 {
		ends[c] = int64(b.Len())
		b.Write(packObjectHeader(packBlob, size))
		b.Write(zlibOf(bytes.Repeat([]byte{byte('a' + c)}, size)))
		for k := range chain {
			off := int64(b.Len())
			d := delta(uint64(c)<<32 | uint64(k))
			b.Write(packObjectHeader(packOfsDelta, len(d)))
			b.Write(encodeOfsDelta(off - ends[c]))
			b.Write(zlibOf(d))
			ends[c] = off
		}
	}
	for j := range many {
		off := int64(b.Len())
		d := delta(7<<40 | uint64(j))
		b.Write(packObjectHeader(packOfsDelta, len(d)))
		b.Write(encodeOfsDelta(off - ends[j%2]))
		b.Write(zlibOf(d))
	}
	sum := sha1.Sum(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

// A pack of 20 KB whose objects declare well under the bound on what a
// fetch rebuilds, but whose deltas make it rebuild whole chains again and
// again (tens of gigabytes of work), is refused once the work passes the
// bound: indexing an incoming pack is always bounded, whether or not its
// caller set a budget.
func TestRebuildWorkOfAPackIsBounded(t *testing.T) {
	pack := thrashPack(9<<20, 20, 300)
	s := newStore(t)
	_, err := s.IndexPack(context.Background(), bytes.NewReader(pack))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v; want the pack refused for the work it makes", err)
	}
}

// A pack that names a blob in its trees but never sends it is refused
// before it moves in: the history must be complete, blobs included.
func TestPackWithoutItsBlobIsRefused(t *testing.T) {
	ctx := context.Background()
	src := newStore(t)
	b := blob(t, src, "never sent")
	tree, err := src.ApplyTree(plumbing.ZeroHash, map[string]plumbing.Hash{"records/ab/x.env": b})
	if err != nil {
		t.Fatal(err)
	}
	commit, err := src.WriteCommit(tree, nil, Author{Name: "t", Email: "t@x"}, "m", time.Unix(1700000000, 0), func([]byte) ([]byte, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	items, err := src.MissingObjects(ctx, commit, func(plumbing.Hash) bool { return false }, nil)
	if err != nil {
		t.Fatal(err)
	}
	items = slices.DeleteFunc(items, func(it PackItem) bool { return it.h == b })
	var pack bytes.Buffer
	if _, _, _, err := EncodePack(ctx, &pack, src, items, nil); err != nil {
		t.Fatal(err)
	}
	main := newStore(t)
	q, err := OpenQuarantine(filepath.Join(t.TempDir(), "q"), main)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if _, err := q.IndexPack(ctx, &pack); err != nil {
		t.Fatal(err)
	}
	if err := q.CheckComplete(ctx, commit, main.Has); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v; want the incomplete history refused", err)
	}
}
