package gitstore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
)

// Alternates. A repository made by git clone --shared or --reference
// lists, in objects/info/alternates, other object directories it takes
// objects from. The store reads through them, as git does (every object
// read is checked against its hash, wherever it came from), never writes
// or removes anything there, and Repack with all copies in what the
// binder's refs reach, then drops the file: a binder's copy is meant to
// stand alone when the other repository's disk is gone.

// maxAlternateDepth is how deep alternates of alternates are followed, as
// in git.
const maxAlternateDepth = 5

// AlternatesFile is the file, in a repository, that lists the object
// directories of other repositories it borrows from.
func AlternatesFile(dir string) string {
	return filepath.Join(dir, "objects", "info", "alternates")
}

// readAlternates lists the object directories that objects (a repository's
// objects directory) borrows from, following theirs in turn. Lines that
// name no directory are passed over, as git passes them over with a
// warning; verify warns of the file itself.
func readAlternates(objects string, depth int, seen map[string]bool) []string {
	if depth >= maxAlternateDepth {
		return nil
	}
	data, err := readRegular(filepath.Join(objects, "info", "alternates"))
	if err != nil {
		return nil
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := string(bytes.TrimSpace(sc.Bytes()))
		if line == "" || line[0] == '#' {
			continue
		}
		if !filepath.IsAbs(line) {
			line = filepath.Join(objects, line)
		}
		line = filepath.Clean(line)
		if seen[line] {
			continue
		}
		seen[line] = true
		if fi, err := os.Stat(line); err != nil || !fi.IsDir() {
			continue
		}
		out = append(out, line)
		out = append(out, readAlternates(line, depth+1, seen)...)
	}
	return out
}

// objectDirs is where objects are read from: the repository's own objects
// directory first, then those it borrows from.
func (s *Store) objectDirs() []string {
	return append([]string{filepath.Join(s.dir, "objects")}, s.alternates...)
}

// hasOwn reports whether the repository itself, not what it borrows from,
// holds object h.
func (s *Store) hasOwn(h plumbing.Hash) bool {
	if fi, err := os.Stat(s.LoosePath(h)); err == nil && fi.Size() > 0 {
		return true
	}
	for _, p := range s.packs {
		if _, ok := p.find(h); ok && !p.borrowed {
			return true
		}
	}
	return false
}

// borrowedObjects lists the objects that the repository's refs reach and
// that only the repositories it borrows from hold.
func (s *Store) borrowedObjects(ctx context.Context) ([]plumbing.Hash, error) {
	if len(s.alternates) == 0 {
		return nil, nil
	}
	refs, err := s.st.IterReferences()
	if err != nil {
		return nil, err
	}
	var tips []plumbing.Hash
	err = refs.ForEach(func(r *plumbing.Reference) error {
		if r.Type() == plumbing.HashReference {
			tips = append(tips, r.Hash())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []plumbing.Hash
	placed := map[plumbing.Hash]bool{}
	for _, tip := range tips {
		if placed[tip] {
			continue
		}
		items, err := s.MissingObjects(ctx, tip, func(plumbing.Hash) bool { return false },
			func(h plumbing.Hash) bool { return placed[h] || s.hasOwn(h) })
		if err != nil {
			return nil, fmt.Errorf("objects borrowed through %s: %w", AlternatesFile(s.dir), err)
		}
		for _, it := range items {
			placed[it.h] = true
			out = append(out, it.h)
		}
	}
	return out, nil
}

// stopBorrowing removes the alternates file once every object the refs
// reach is the repository's own, and forgets the packs it borrowed.
func (s *Store) stopBorrowing() error {
	if len(s.alternates) == 0 {
		return nil
	}
	if err := os.Remove(AlternatesFile(s.dir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	SyncDir(filepath.Dir(AlternatesFile(s.dir)))
	s.alternates = nil
	return nil
}
