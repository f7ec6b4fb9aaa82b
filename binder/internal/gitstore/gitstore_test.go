package gitstore

import (
	"bytes"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func blob(t *testing.T, s *Store, text string) plumbing.Hash {
	t.Helper()
	h, err := s.PutBlob([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func gitCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// ApplyTree writes the trees git would: git ls-tree lists what was
// applied, in git's order, and git fsck finds nothing wrong.
func TestApplyTree(t *testing.T) {
	s := newStore(t)
	a, b, c := blob(t, s, "a\n"), blob(t, s, "b\n"), blob(t, s, "c\n")
	root, err := s.ApplyTree(plumbing.ZeroHash, map[string]plumbing.Hash{
		"README.md": a, "x/y/one": b, "x/y/two": c, "x.txt": a, "x-z/q": b,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := gitCmd(t, s.dir, "ls-tree", "-r", "--name-only", root.String())
	// git orders a tree "x" as "x/", after "x.txt" and "x-z".
	want := "README.md\nx-z/q\nx.txt\nx/y/one\nx/y/two\n"
	if got != want {
		t.Fatalf("ls-tree: got %q; want %q", got, want)
	}
	// Change one, remove one (its emptied directory goes too), add one.
	root2, err := s.ApplyTree(root, map[string]plumbing.Hash{
		"x/y/one": c, "x-z/q": plumbing.ZeroHash, "new": a,
	})
	if err != nil {
		t.Fatal(err)
	}
	got = gitCmd(t, s.dir, "ls-tree", "-r", root2.String())
	for _, line := range []string{c.String() + "\tx/y/one", a.String() + "\tnew"} {
		if !strings.Contains(got, line) {
			t.Errorf("ls-tree lacks %q:\n%s", line, got)
		}
	}
	if strings.Contains(got, "x-z") {
		t.Errorf("removed path and its empty directory still there:\n%s", got)
	}
	// The same content makes the same tree, whatever the order of changes.
	again, err := s.ApplyTree(plumbing.ZeroHash, map[string]plumbing.Hash{
		"x/y/two": c, "README.md": a, "new": a, "x/y/one": c, "x.txt": a,
	})
	if err != nil || again != root2 {
		t.Fatalf("rebuilt tree %s (%v); want %s", again, err, root2)
	}
	// Removing everything leaves no tree.
	empty, err := s.ApplyTree(root2, map[string]plumbing.Hash{"x/y/two": {}, "README.md": {}, "new": {}, "x/y/one": {}, "x.txt": {}})
	if err != nil || !empty.IsZero() {
		t.Fatalf("emptied tree %s (%v); want zero", empty, err)
	}
	commit, err := s.WriteCommit(root2, nil, Author{"ana", "ana@example"}, "m\n", time.Unix(1e9, 0), func([]byte) ([]byte, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetHead(plumbing.ZeroHash, commit); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, s.dir, "fsck", "--strict", "--no-dangling")
}

// DiffTreeEntries reports the blob paths that differ, with the hash on
// each side, as git diff-tree does.
func TestDiffTrees(t *testing.T) {
	s := newStore(t)
	a, b, c := blob(t, s, "a\n"), blob(t, s, "b\n"), blob(t, s, "c\n")
	t1, err := s.ApplyTree(plumbing.ZeroHash, map[string]plumbing.Hash{"keep": a, "d/change": a, "d/gone": b, "e/f/deep": c})
	if err != nil {
		t.Fatal(err)
	}
	t2, err := s.ApplyTree(t1, map[string]plumbing.Hash{"d/change": b, "d/gone": {}, "d/new": c, "e/f/deep": {}, "e/g": a})
	if err != nil {
		t.Fatal(err)
	}
	type change struct {
		path     string
		old, new plumbing.Hash
	}
	var got []change
	if err := s.DiffTreeEntries(t1, t2, "", func(p string, o, n plumbing.Hash) { got = append(got, change{p, o, n}) }); err != nil {
		t.Fatal(err)
	}
	want := []change{{"d/change", a, b}, {"d/gone", b, plumbing.ZeroHash}, {"d/new", plumbing.ZeroHash, c}, {"e/f/deep", c, plumbing.ZeroHash}, {"e/g", plumbing.ZeroHash, a}}
	if !slices.Equal(got, want) {
		t.Fatalf("diff:\ngot  %v\nwant %v", got, want)
	}
	var paths []string
	for _, ch := range got {
		paths = append(paths, ch.path)
	}
	gitPaths := strings.Fields(gitCmd(t, s.dir, "diff-tree", "-r", "--name-only", t1.String(), t2.String()))
	if !slices.Equal(paths, gitPaths) {
		t.Fatalf("paths %v; git diff-tree says %v", paths, gitPaths)
	}
	var none []string
	if err := s.ChangedPaths(t2, t2, "", &none); err != nil || len(none) != 0 {
		t.Fatalf("same tree: %v, %v", none, err)
	}
}

// SplitSignature takes out the gpgsig header and its continuation lines
// and leaves what git signs, byte for byte.
func TestSplitSignature(t *testing.T) {
	payload := "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor a <a@x> 1 +0000\ncommitter a <a@x> 1 +0000\n\nmsg\n\nwith a blank line\n"
	sig := "-----BEGIN SSH SIGNATURE-----\nAAAA\nBBBB\n-----END SSH SIGNATURE-----"
	header, body, _ := strings.Cut(payload, "\n\n")
	signed := header + "\ngpgsig " + strings.ReplaceAll(sig, "\n", "\n ") + "\n\n" + body
	cases := []struct {
		name, in, payload, sig string
	}{
		{"signed", signed, payload, sig + "\n"},
		{"unsigned", payload, payload, ""},
		{"header only", "tree x\n", "tree x\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, s := SplitSignature([]byte(c.in))
			if string(p) != c.payload || string(s) != c.sig {
				t.Fatalf("got payload %q sig %q; want %q %q", p, s, c.payload, c.sig)
			}
		})
	}
	// A commit written here splits back into what its signer saw.
	st := newStore(t)
	var seen []byte
	tree, _ := st.ApplyTree(plumbing.ZeroHash, map[string]plumbing.Hash{"f": blob(t, st, "x")})
	h, err := st.WriteCommit(tree, nil, Author{"ana", "ana@x"}, "m\n", time.Unix(1e9, 0), func(p []byte) ([]byte, error) {
		seen = bytes.Clone(p)
		return []byte(sig), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.ReadCommit(h)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.Payload, seen) || strings.TrimSpace(string(c.Signature)) != sig {
		t.Fatalf("read back payload %q sig %q; signed %q", c.Payload, c.Signature, seen)
	}
}

// Errors are the package's sentinels.
func TestErrors(t *testing.T) {
	if _, err := Open(t.TempDir()); !errorsIs(err, ErrNotRepository) {
		t.Fatalf("open of an empty directory: %v", err)
	}
	s := newStore(t)
	if _, err := s.ReadBlob(plumbing.NewHash("0123456789012345678901234567890123456789")); !errorsIs(err, ErrMissing) {
		t.Fatalf("missing object: %v", err)
	}
	h := blob(t, s, "x")
	if err := s.SetHead(h, h); !errorsIs(err, ErrMoved) {
		t.Fatalf("move from a tip it is not at: %v", err)
	}
}

func errorsIs(err, target error) bool { return err != nil && errors.Is(err, target) }

// Committer times rise along history even when commits come within one
// second, with fractions git does not keep.
func TestCommitTimesRise(t *testing.T) {
	s := newStore(t)
	tree, err := s.ApplyTree(plumbing.ZeroHash, map[string]plumbing.Hash{"f": blob(t, s, "x")})
	if err != nil {
		t.Fatal(err)
	}
	noSig := func([]byte) ([]byte, error) { return nil, nil }
	base := time.Unix(1e9, 0)
	var parent []plumbing.Hash
	var last time.Time
	for i, frac := range []time.Duration{0, 300 * time.Millisecond, 900 * time.Millisecond, 100 * time.Millisecond} {
		h, err := s.WriteCommit(tree, parent, Author{"a", "a@x"}, "m\n", base.Add(frac), noSig)
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.ReadCommit(h)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && !c.Committer.When.After(last) {
			t.Fatalf("commit %d: committer time %v is not after its parent's %v", i, c.Committer.When, last)
		}
		last, parent = c.Committer.When, []plumbing.Hash{h}
	}
}

// The object store stands alone: it imports nothing from gobag.
func TestImportsNothingFromGobag(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if (dep == "gobag" || strings.HasPrefix(dep, "gobag/")) && dep != "gobag/binder/internal/gitstore" {
			t.Errorf("gitstore imports %s", dep)
		}
	}
}

// rawTree renders tree entries as given, in the given order: what a
// hostile writer can put in a tree object.
func rawTree(entries ...[3]string) []byte {
	var b bytes.Buffer
	h := plumbing.NewHash("0123456789012345678901234567890123456789")
	for _, e := range entries {
		b.WriteString(e[0] + " " + e[1])
		b.WriteByte(0)
		b.Write(h[:])
	}
	return b.Bytes()
}

// One way to read a tree: what would let two readers see different
// things is refused, as git fsck refuses it.
func TestParseTreeRefusesAmbiguity(t *testing.T) {
	file, dir := "100644", "40000"
	good := rawTree([3]string{file, "README.md"}, [3]string{dir, "records"}, [3]string{file, "x"}, [3]string{file, "x-y"}, [3]string{dir, "x.d"})
	if es, err := ParseTree(good); err != nil || len(es) != 5 {
		t.Fatalf("a sound tree: %v %v", es, err)
	}
	cases := map[string][]byte{
		"a name twice":                  rawTree([3]string{dir, ".gobag"}, [3]string{dir, ".gobag"}),
		"a file name twice":             rawTree([3]string{file, "README.md"}, [3]string{file, "README.md"}),
		"a file and a tree of one name": rawTree([3]string{file, "x"}, [3]string{file, "x-y"}, [3]string{dir, "x"}),
		"out of order":                  rawTree([3]string{dir, "records"}, [3]string{file, "README.md"}),
		"a symlink":                     rawTree([3]string{"120000", "README.md"}),
		"a gitlink":                     rawTree([3]string{"160000", "records"}),
		"an executable":                 rawTree([3]string{"100755", "README.md"}),
		"a zero-padded mode":            rawTree([3]string{"040000", "records"}),
		"an empty name":                 rawTree([3]string{file, ""}),
		"dot":                           rawTree([3]string{dir, "."}),
		"dot dot":                       rawTree([3]string{dir, ".."}),
		"a slash":                       rawTree([3]string{file, "a/b"}),
		"cut short":                     rawTree([3]string{file, "a"})[:10],
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseTree(data); !errors.Is(err, ErrBadTree) {
				t.Fatalf("got %v; want ErrBadTree", err)
			}
		})
	}
}
