package gitstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/go-git/go-git/v5/plumbing"
)

// Moving history between repositories: what sync's transports need of the
// object store. The objects a receiver lacks are found from the commits it
// lacks by comparing each new commit's trees with its parents': the cost
// follows the change, not the size of the binder.

// smallTransfer is how many objects are written loose rather than as a
// pack (git's transfer.unpackLimit is 100).
const smallTransfer = 100

// MissingObjects lists the objects of the history ending at tip that a
// receiver lacks. has reports whether the receiver holds a commit (and so,
// repositories being complete, all of its history); hasObject, if not nil,
// whether it holds any object, to leave out what it has by another path.
//
// The history may come from anywhere, so the walk is bounded: trees are
// walked with a stack of their own, never the goroutine's, and refused
// past MaxTreeDepth levels; the list is refused past MaxFetchObjects.
// Both fail with ErrTooLarge.
func (s *Store) MissingObjects(ctx context.Context, tip plumbing.Hash, has func(plumbing.Hash) bool, hasObject func(plumbing.Hash) bool) ([]PackItem, error) {
	var out []PackItem
	placed := map[plumbing.Hash]bool{}
	add := func(h plumbing.Hash, t plumbing.ObjectType) (bool, error) {
		if placed[h] || (hasObject != nil && hasObject(h)) {
			return false, nil
		}
		if len(out) >= MaxFetchObjects {
			return false, fmt.Errorf("the history holds more than %d new objects: %w", MaxFetchObjects, ErrTooLarge)
		}
		placed[h] = true
		out = append(out, PackItem{h: h, t: t, base: -1})
		return true, nil
	}
	// A tree to look at, with the trees at its path in the parents and
	// how deep it lies.
	type pending struct {
		tree    plumbing.Hash
		parents []plumbing.Hash
		depth   int
	}
	// newTrees adds tree and what it holds, except what a parent has at
	// the same path.
	newTrees := func(root plumbing.Hash, rootParents []plumbing.Hash) error {
		stack := []pending{{root, rootParents, 1}}
		for len(stack) > 0 {
			t := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if slices.Contains(t.parents, t.tree) {
				continue
			}
			if err := checkDepth(t.depth); err != nil {
				return err
			}
			if ok, err := add(t.tree, plumbing.TreeObject); !ok || err != nil {
				return err
			}
			es, err := s.Tree(t.tree)
			if err != nil {
				return err
			}
			pes := make([][]Entry, len(t.parents))
			for i, p := range t.parents {
				if pes[i], err = s.Tree(p); err != nil {
					return err
				}
			}
			for _, e := range es {
				var atParents []plumbing.Hash
				known := false
				for _, pe := range pes {
					h := s.EntryHash(pe, string(e.Name))
					known = known || h == e.Hash
					atParents = append(atParents, h)
				}
				switch {
				case known:
				case e.IsDir:
					stack = append(stack, pending{e.Hash, atParents, t.depth + 1})
				default:
					if _, err := add(e.Hash, plumbing.BlobObject); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	queue := []plumbing.Hash{tip}
	seen := map[plumbing.Hash]bool{tip: true}
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h := queue[0]
		queue = queue[1:]
		if has(h) {
			continue
		}
		c, err := s.ReadCommit(h)
		if err != nil {
			return nil, err
		}
		if _, err := add(h, plumbing.CommitObject); err != nil {
			return nil, err
		}
		var parentTrees []plumbing.Hash
		for _, p := range c.ParentHashes {
			pc, err := s.ReadCommit(p)
			if err != nil {
				return nil, err
			}
			parentTrees = append(parentTrees, pc.TreeHash)
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
		if err := newTrees(c.TreeHash, parentTrees); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Copy copies into dst every object of the history ending at commit tip
// in src that dst lacks: loose if they are few, else as one pack, and
// flushed to disk before it returns (a drive pulled out after a sync must
// hold every object its branch names). No branch moves. It returns how
// many objects it copied.
func Copy(ctx context.Context, src, dst *Store, tip plumbing.Hash, progress func(done, total int)) (int, error) {
	items, err := src.MissingObjects(ctx, tip, dst.Has, dst.Has)
	if err != nil {
		return 0, err
	}
	if len(items) < smallTransfer {
		// Oldest first, a commit after what it refers to: a copy cut
		// short never leaves a commit whose trees are missing (a later
		// copy would take it as complete).
		dirs := map[string]bool{}
		for _, it := range slices.Backward(items) {
			data, err := src.ReadObject(it.t, it.h)
			if err != nil {
				return 0, err
			}
			path := dst.LoosePath(it.h)
			if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
				os.Remove(path) // left empty by a crash; the writer skips an existing file
			}
			if _, err := dst.PutObject(it.t, data); err != nil {
				return 0, err
			}
			if err := syncFile(path); err != nil {
				return 0, err
			}
			dirs[filepath.Dir(path)] = true
		}
		for d := range dirs {
			SyncDir(d)
		}
		SyncDir(filepath.Join(dst.dir, "objects"))
		return len(items), nil
	}
	_, err = dst.WritePack(ctx, src, items, progress)
	return len(items), err
}
