package gitstore

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// Entry is one entry of a git tree, read in place from the tree's bytes.
type Entry struct {
	Name  []byte
	Hash  plumbing.Hash
	IsDir bool
}

// ParseTree splits a tree object's content into entries without
// copying names. It is the one way a tree is read, by verify and by every
// reader alike, so it refuses what would let them disagree: an entry
// whose mode is not a plain file (100644) or a tree (40000), so no
// symlink, gitlink or executable; an empty name, ".", "..", or one with a
// "/"; and entries that are not strictly in git's order, which is how a
// name given twice shows (git fsck's duplicateEntries, treeNotSorted).
// The errors wrap ErrBadTree.
func ParseTree(data []byte) ([]Entry, error) {
	var out []Entry
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp < 0 {
			return nil, fmt.Errorf("malformed entry: %w", ErrBadTree)
		}
		mode := data[:sp]
		data = data[sp+1:]
		nul := bytes.IndexByte(data, 0)
		if nul < 0 || len(data) < nul+1+20 {
			return nil, fmt.Errorf("malformed entry: %w", ErrBadTree)
		}
		e := Entry{Name: data[:nul]}
		switch string(mode) {
		case "40000":
			e.IsDir = true
		case "100644":
		default:
			return nil, fmt.Errorf("entry %q has mode %s, not a plain file or a tree: %w", e.Name, mode, ErrBadTree)
		}
		if len(e.Name) == 0 || string(e.Name) == "." || string(e.Name) == ".." || bytes.IndexByte(e.Name, '/') >= 0 {
			return nil, fmt.Errorf("entry name %q: %w", e.Name, ErrBadTree)
		}
		if n := len(out); n > 0 && gitNameCompare(out[n-1], e) >= 0 {
			return nil, fmt.Errorf("entry %q is out of git's order or given twice: %w", e.Name, ErrBadTree)
		}
		if e.IsDir && sameNameFile(out, e.Name) {
			return nil, fmt.Errorf("entry %q is given twice: %w", e.Name, ErrBadTree)
		}
		copy(e.Hash[:], data[nul+1:nul+21])
		out = append(out, e)
		data = data[nul+21:]
	}
	return out, nil
}

// RenderTree writes entries, in the order given, as a tree object's
// content: what ParseTree reads back.
func RenderTree(entries []Entry) []byte {
	var b bytes.Buffer
	for _, e := range entries {
		if e.IsDir {
			b.WriteString("40000 ")
		} else {
			b.WriteString("100644 ")
		}
		b.Write(e.Name)
		b.WriteByte(0)
		b.Write(e.Hash[:])
	}
	return b.Bytes()
}

// sameNameFile reports whether a file named name is among the sorted
// entries es. Git orders a tree named x as "x/", after a file named x
// and any "x-…" or "x.…" between them, so a file and a tree of one name
// need not be neighbours: only the entries that start with name can lie
// between.
func sameNameFile(es []Entry, name []byte) bool {
	for i := len(es) - 1; i >= 0 && bytes.HasPrefix(es[i].Name, name); i-- {
		if !es[i].IsDir && bytes.Equal(es[i].Name, name) {
			return true
		}
	}
	return false
}

// Tree reads and parses a tree, caching the parse.
func (s *Store) Tree(h plumbing.Hash) ([]Entry, error) {
	if h.IsZero() {
		return nil, nil
	}
	if es, ok := s.raw[h]; ok {
		return es, nil
	}
	data, err := s.ReadObject(plumbing.TreeObject, h)
	if err != nil {
		return nil, err
	}
	es, err := ParseTree(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", h, err)
	}
	if len(s.raw) > 8192 {
		clear(s.raw)
		clear(s.mixed)
	}
	s.raw[h] = es
	if len(es) > 0 {
		for _, e := range es[1:] {
			if e.IsDir != es[0].IsDir {
				s.mixed[&es[0]] = true
				break
			}
		}
	}
	return es, nil
}

// gitNameCompare orders tree entries as git does.
func gitNameCompare(a, b Entry) int {
	n := min(len(a.Name), len(b.Name))
	if c := bytes.Compare(a.Name[:n], b.Name[:n]); c != 0 {
		return c
	}
	ca, cb := byte(0), byte(0)
	if len(a.Name) > n {
		ca = a.Name[n]
	} else if a.IsDir {
		ca = '/'
	}
	if len(b.Name) > n {
		cb = b.Name[n]
	} else if b.IsDir {
		cb = '/'
	}
	switch {
	case ca < cb:
		return -1
	case ca > cb:
		return 1
	}
	return 0
}

// DiffTrees calls fn for every blob path that differs between trees a and
// b (either may be zero).
func (s *Store) DiffTrees(a, b plumbing.Hash, prefix string, fn func(path string)) error {
	return s.DiffTreeEntries(a, b, prefix, func(p string, _, _ plumbing.Hash) { fn(p) })
}

// DiffTreeEntries calls fn for every blob path that differs between trees a
// and b (either may be zero), with the blob's hash on each side (zero where
// absent). It walks both sorted entry lists in step and descends only into
// subtrees whose hashes differ.
func (s *Store) DiffTreeEntries(a, b plumbing.Hash, prefix string, fn func(path string, old, new plumbing.Hash)) error {
	if a == b {
		return nil
	}
	depth := 1
	if prefix != "" {
		depth = strings.Count(prefix, "/") + 2
	}
	if err := checkDepth(depth); err != nil {
		return err
	}
	ea, err := s.Tree(a)
	if err != nil {
		return err
	}
	eb, err := s.Tree(b)
	if err != nil {
		return err
	}
	join := func(name []byte) string {
		if prefix == "" {
			return string(name)
		}
		return prefix + "/" + string(name)
	}
	// one reports an entry present on one side only.
	one := func(e Entry, inA bool) error {
		switch {
		case e.IsDir && inA:
			return s.DiffTreeEntries(e.Hash, plumbing.ZeroHash, join(e.Name), fn)
		case e.IsDir:
			return s.DiffTreeEntries(plumbing.ZeroHash, e.Hash, join(e.Name), fn)
		case inA:
			fn(join(e.Name), e.Hash, plumbing.ZeroHash)
		default:
			fn(join(e.Name), plumbing.ZeroHash, e.Hash)
		}
		return nil
	}
	i, j := 0, 0
	for i < len(ea) || j < len(eb) {
		var c int
		switch {
		case i == len(ea):
			c = 1
		case j == len(eb):
			c = -1
		default:
			c = gitNameCompare(ea[i], eb[j])
		}
		switch {
		case c < 0:
			if err := one(ea[i], true); err != nil {
				return err
			}
			i++
		case c > 0:
			if err := one(eb[j], false); err != nil {
				return err
			}
			j++
		default:
			x, y := ea[i], eb[j]
			i++
			j++
			if x.Hash == y.Hash {
				continue
			}
			// Equal names are of one type: gitNameCompare sorts a file and
			// a directory of the same name apart.
			if x.IsDir {
				if err := s.DiffTreeEntries(x.Hash, y.Hash, join(x.Name), fn); err != nil {
					return err
				}
			} else {
				fn(join(x.Name), x.Hash, y.Hash)
			}
		}
	}
	return nil
}

// EntryHash finds name among a tree's entries: a linear scan for small trees,
// a binary search by name for large ones (entries are sorted, and in a
// large gobag tree all entries are of one type, so git's order is the
// byte order of names).
func (s *Store) EntryHash(es []Entry, name string) plumbing.Hash {
	if len(es) <= 16 {
		for _, e := range es {
			if string(e.Name) == name {
				return e.Hash
			}
		}
		return plumbing.ZeroHash
	}
	i := sort.Search(len(es), func(i int) bool { return string(es[i].Name) >= name })
	if i < len(es) && string(es[i].Name) == name {
		return es[i].Hash
	}
	if !s.mixed[&es[0]] {
		return plumbing.ZeroHash
	}
	// Mixed files and directories can break byte order: scan to be sure.
	for _, e := range es {
		if string(e.Name) == name {
			return e.Hash
		}
	}
	return plumbing.ZeroHash
}
