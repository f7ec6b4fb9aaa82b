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
// b (either may be zero).
func (s *gitStore) diffTrees(a, b plumbing.Hash, prefix string, fn func(path string)) error {
	return s.diffTreeEntries(a, b, prefix, func(p string, _, _ plumbing.Hash) { fn(p) })
}

// diffTreeEntries calls fn for every blob path that differs between trees a
// and b (either may be zero), with the blob's hash on each side (zero where
// absent). It walks both sorted entry lists in step and descends only into
// subtrees whose hashes differ.
func (s *gitStore) diffTreeEntries(a, b plumbing.Hash, prefix string, fn func(path string, old, new plumbing.Hash)) error {
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
	// one reports an entry present on one side only.
	one := func(e rawEntry, inA bool) error {
		switch {
		case e.isDir && inA:
			return s.diffTreeEntries(e.hash, plumbing.ZeroHash, join(e.name), fn)
		case e.isDir:
			return s.diffTreeEntries(plumbing.ZeroHash, e.hash, join(e.name), fn)
		case inA:
			fn(join(e.name), e.hash, plumbing.ZeroHash)
		default:
			fn(join(e.name), plumbing.ZeroHash, e.hash)
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
			if x.hash == y.hash {
				continue
			}
			// Equal names are of one type: gitNameCompare sorts a file and
			// a directory of the same name apart.
			if x.isDir {
				if err := s.diffTreeEntries(x.hash, y.hash, join(x.name), fn); err != nil {
					return err
				}
			} else {
				fn(join(x.name), x.hash, y.hash)
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
