package gitstore

import (
	"bytes"
	"container/heap"

	"github.com/go-git/go-git/v5/plumbing"
)

// Ancestry compares the histories of commits a and b: the commits only
// a reaches, those only b reaches, and their best common ancestor (zero if
// they share none). It walks both histories together, newest first, and
// stops where they meet (git's paint-down), so a branch a few commits
// ahead of the other costs a few commit reads, not the whole history.
// Committer times order the walk (ties by hash, so the merge base is the
// same wherever it is computed: a merge and the verifier that checks it
// agree). gobag's committer times rise along every line of history (see
// writeCommit) and verification holds commits to it, so the walk meets a
// commit only after all its descendants and the answer is exact. On a
// history that breaks the rule (format 1 saves in the same second, or
// commits not yet verified) the answer is still safe: every commit only
// one side reaches is counted as that side's (so Integrate verifies all it
// receives), and the base is a common ancestor, if not always the best.
func (s *Store) Ancestry(a, b plumbing.Hash) (onlyA, onlyB []plumbing.Hash, base plumbing.Hash, err error) {
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
		c, err := s.ReadCommit(h)
		if err != nil {
			return err
		}
		times[h], parents[h] = c.Committer.When.Unix(), c.ParentHashes
		return nil
	}
	q := &newestFirst{times: times}
	push := func(h plumbing.Hash, f int) error {
		if err := read(h); err != nil {
			return err
		}
		flags[h] |= f
		heap.Push(q, h)
		return nil
	}
	if err := push(a, fromA); err != nil {
		return nil, nil, plumbing.ZeroHash, err
	}
	if err := push(b, fromB); err != nil {
		return nil, nil, plumbing.ZeroHash, err
	}
	active := func() bool {
		for _, h := range q.hashes {
			if flags[h]&stale == 0 {
				return true
			}
		}
		return false
	}
	for active() {
		h := heap.Pop(q).(plumbing.Hash)
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
	// The walk ends when only common commits are left to visit; a commit
	// one side's walk passed earlier (clocks tie or lie) may sit below a
	// common one unmarked: what a common commit reaches is common too.
	var common []plumbing.Hash
	for h, f := range flags {
		if f&(fromA|fromB) == fromA|fromB {
			common = append(common, h)
		}
	}
	for len(common) > 0 {
		h := common[len(common)-1]
		common = common[:len(common)-1]
		for _, p := range parents[h] {
			if f, ok := flags[p]; ok && f&(fromA|fromB) != fromA|fromB {
				flags[p] |= fromA | fromB
				common = append(common, p)
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

// CountCommits counts the commits reachable from tip.
func (s *Store) CountCommits(tip plumbing.Hash) (int, error) {
	seen := map[plumbing.Hash]bool{tip: true}
	queue := []plumbing.Hash{tip}
	for len(queue) > 0 {
		c, err := s.ReadCommit(queue[0])
		if err != nil {
			return 0, err
		}
		queue = queue[1:]
		for _, p := range c.ParentHashes {
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
	}
	return len(seen), nil
}

// newestFirst orders commits for the ancestry walk: the newest committer
// time first, ties by hash.
type newestFirst struct {
	hashes []plumbing.Hash
	times  map[plumbing.Hash]int64
}

func (q *newestFirst) Len() int      { return len(q.hashes) }
func (q *newestFirst) Swap(i, j int) { q.hashes[i], q.hashes[j] = q.hashes[j], q.hashes[i] }
func (q *newestFirst) Less(i, j int) bool {
	x, y := q.hashes[i], q.hashes[j]
	if q.times[x] != q.times[y] {
		return q.times[x] > q.times[y]
	}
	return bytes.Compare(x[:], y[:]) < 0
}
func (q *newestFirst) Push(x any) { q.hashes = append(q.hashes, x.(plumbing.Hash)) }
func (q *newestFirst) Pop() any {
	h := q.hashes[len(q.hashes)-1]
	q.hashes = q.hashes[:len(q.hashes)-1]
	return h
}
