package binder

import "github.com/go-git/go-git/v5/plumbing"

// ancestry compares the histories of commits a and b: the commits only
// a reaches, those only b reaches, and their best common ancestor (zero if
// they share none). It walks both histories together, newest first, and
// stops where they meet (git's paint-down), so a branch a few commits
// ahead of the other costs a few commit reads, not the whole history.
// Commit times order the walk; when clocks were wrong the walk goes
// further, but a commit is never counted as one side's only unless the
// other side's walk passed by without reaching it.
func (s *gitStore) ancestry(a, b plumbing.Hash) (onlyA, onlyB []plumbing.Hash, base plumbing.Hash, err error) {
	const (
		fromA = 1 << iota
		fromB
		stale
	)
	flags := map[plumbing.Hash]int{}
	times := map[plumbing.Hash]int64{}
	parents := map[plumbing.Hash][]plumbing.Hash{}
	read := func(h plumbing.Hash) error {
		if _, ok := times[h]; ok {
			return nil
		}
		c, err := s.readCommit(h)
		if err != nil {
			return err
		}
		times[h], parents[h] = c.Committer.When.Unix(), c.ParentHashes
		return nil
	}
	q := &ranked[plumbing.Hash]{less: func(x, y plumbing.Hash) bool { return times[x] > times[y] }}
	push := func(h plumbing.Hash, f int) error {
		if err := read(h); err != nil {
			return err
		}
		flags[h] |= f
		q.push(h)
		return nil
	}
	if err := push(a, fromA); err != nil {
		return nil, nil, plumbing.ZeroHash, err
	}
	if err := push(b, fromB); err != nil {
		return nil, nil, plumbing.ZeroHash, err
	}
	active := func() bool {
		for _, h := range q.items {
			if flags[h]&stale == 0 {
				return true
			}
		}
		return false
	}
	for active() {
		h := q.pop()
		f := flags[h] & (fromA | fromB | stale)
		if f&(fromA|fromB) == fromA|fromB && f&stale == 0 {
			if base.IsZero() {
				base = h
			}
			f |= stale
			flags[h] |= stale
		}
		for _, p := range parents[h] {
			if flags[p]&f == f {
				continue
			}
			if err := push(p, f); err != nil {
				return nil, nil, plumbing.ZeroHash, err
			}
		}
	}
	for h, f := range flags {
		switch f & (fromA | fromB) {
		case fromA:
			onlyA = append(onlyA, h)
		case fromB:
			onlyB = append(onlyB, h)
		}
	}
	return onlyA, onlyB, base, nil
}
