package binder

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
)

// rawEntry is one entry of a git tree, read in place from the tree's bytes.
type rawEntry struct {
	name  []byte
	hash  plumbing.Hash
	isDir bool
}

// parseRawTree splits a tree object's content into entries without
// copying names. Git stores entries sorted (directories as if their name
// ended in "/").
func parseRawTree(data []byte) ([]rawEntry, error) {
	var out []rawEntry
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp < 0 {
			return nil, fmt.Errorf("tree: malformed entry")
		}
		mode := data[:sp]
		data = data[sp+1:]
		nul := bytes.IndexByte(data, 0)
		if nul < 0 || len(data) < nul+1+20 {
			return nil, fmt.Errorf("tree: malformed entry")
		}
		e := rawEntry{name: data[:nul], isDir: string(mode) == "40000"}
		copy(e.hash[:], data[nul+1:nul+21])
		out = append(out, e)
		data = data[nul+21:]
	}
	return out, nil
}

// rawTree reads and parses a tree, caching the parse.
func (s *gitStore) rawTree(h plumbing.Hash) ([]rawEntry, error) {
	if h.IsZero() {
		return nil, nil
	}
	if es, ok := s.raw[h]; ok {
		return es, nil
	}
	data, err := s.readObject(plumbing.TreeObject, h)
	if err != nil {
		return nil, err
	}
	es, err := parseRawTree(data)
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
			if e.isDir != es[0].isDir {
				s.mixed[&es[0]] = true
				break
			}
		}
	}
	return es, nil
}

// gitNameCompare orders tree entries as git does.
func gitNameCompare(a, b rawEntry) int {
	n := min(len(a.name), len(b.name))
	if c := bytes.Compare(a.name[:n], b.name[:n]); c != 0 {
		return c
	}
	ca, cb := byte(0), byte(0)
	if len(a.name) > n {
		ca = a.name[n]
	} else if a.isDir {
		ca = '/'
	}
	if len(b.name) > n {
		cb = b.name[n]
	} else if b.isDir {
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

// diffTrees calls fn for every blob path that differs between trees a and
// b (either may be zero), walking both sorted entry lists in step and
// descending only into subtrees whose hashes differ.
func (s *gitStore) diffTrees(a, b plumbing.Hash, prefix string, fn func(path string)) error {
	if a == b {
		return nil
	}
	ea, err := s.rawTree(a)
	if err != nil {
		return err
	}
	eb, err := s.rawTree(b)
	if err != nil {
		return err
	}
	join := func(name []byte) string {
		if prefix == "" {
			return string(name)
		}
		return prefix + "/" + string(name)
	}
	side := func(e rawEntry, other plumbing.Hash, first bool) error {
		if !e.isDir {
			fn(join(e.name))
			return nil
		}
		if first {
			return s.diffTrees(e.hash, other, join(e.name), fn)
		}
		return s.diffTrees(other, e.hash, join(e.name), fn)
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
			if err := side(ea[i], plumbing.ZeroHash, true); err != nil {
				return err
			}
			i++
		case c > 0:
			if err := side(eb[j], plumbing.ZeroHash, false); err != nil {
				return err
			}
			j++
		default:
			x, y := ea[i], eb[j]
			i++
			j++
			if x.hash == y.hash {
				continue
			}
			if x.isDir && y.isDir {
				if err := s.diffTrees(x.hash, y.hash, join(x.name), fn); err != nil {
					return err
				}
			} else {
				fn(join(x.name))
			}
		}
	}
	return nil
}

// entry finds name among a tree's entries: a linear scan for small trees,
// a binary search by name for large ones (entries are sorted, and in a
// large gobag tree all entries are of one type, so git's order is the
// byte order of names).
func (s *gitStore) entry(es []rawEntry, name string) plumbing.Hash {
	if len(es) <= 16 {
		for _, e := range es {
			if string(e.name) == name {
				return e.hash
			}
		}
		return plumbing.ZeroHash
	}
	i := sort.Search(len(es), func(i int) bool { return string(es[i].name) >= name })
	if i < len(es) && string(es[i].name) == name {
		return es[i].hash
	}
	if !s.mixed[&es[0]] {
		return plumbing.ZeroHash
	}
	// Mixed files and directories can break byte order: scan to be sure.
	for _, e := range es {
		if string(e.name) == name {
			return e.hash
		}
	}
	return plumbing.ZeroHash
}
