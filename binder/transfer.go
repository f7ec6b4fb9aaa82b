package binder

import (
	"context"
	"io"
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

// missingObjects lists the objects of the history ending at tip that a
// receiver lacks. has reports whether the receiver holds a commit (and so,
// repositories being complete, all of its history); hasObject, if not nil,
// whether it holds any object, to leave out what it has by another path.
func (s *gitStore) missingObjects(ctx context.Context, tip plumbing.Hash, has func(plumbing.Hash) bool, hasObject func(plumbing.Hash) bool) ([]packItem, error) {
	var out []packItem
	placed := map[plumbing.Hash]bool{}
	add := func(h plumbing.Hash, t plumbing.ObjectType) bool {
		if placed[h] || (hasObject != nil && hasObject(h)) {
			return false
		}
		placed[h] = true
		out = append(out, packItem{h: h, t: t, base: -1})
		return true
	}
	// newTrees adds tree and what it holds, except what a parent has at
	// the same path.
	var newTrees func(tree plumbing.Hash, parents []plumbing.Hash) error
	newTrees = func(tree plumbing.Hash, parents []plumbing.Hash) error {
		for _, p := range parents {
			if p == tree {
				return nil
			}
		}
		if !add(tree, plumbing.TreeObject) {
			return nil
		}
		es, err := s.rawTree(tree)
		if err != nil {
			return err
		}
		pes := make([][]rawEntry, len(parents))
		for i, p := range parents {
			if pes[i], err = s.rawTree(p); err != nil {
				return err
			}
		}
		for _, e := range es {
			var atParents []plumbing.Hash
			known := false
			for _, pe := range pes {
				h := s.entry(pe, string(e.name))
				known = known || h == e.hash
				atParents = append(atParents, h)
			}
			switch {
			case known:
			case e.isDir:
				if err := newTrees(e.hash, atParents); err != nil {
					return err
				}
			default:
				add(e.hash, plumbing.BlobObject)
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
		c, err := s.readCommit(h)
		if err != nil {
			return nil, err
		}
		add(h, plumbing.CommitObject)
		var parentTrees []plumbing.Hash
		for _, p := range c.ParentHashes {
			pc, err := s.readCommit(p)
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

// CopyHistory copies into the repository in toDir every object of the
// history ending at commit tip, in the repository in fromDir, that toDir
// lacks: loose if they are few, else as one pack, and flushed to disk
// before it returns (a drive pulled out after a sync must hold every
// object its branch names). No branch moves. It returns how many objects
// it copied.
func CopyHistory(ctx context.Context, fromDir, toDir, tip string, progress Progress) (int, error) {
	src, err := openGitStore(fromDir)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	dst, err := openGitStore(toDir)
	if err != nil {
		return 0, err
	}
	defer dst.Close()
	items, err := src.missingObjects(ctx, plumbing.NewHash(tip), dst.has, dst.has)
	if err != nil {
		return 0, err
	}
	if len(items) < smallTransfer {
		// Oldest first, a commit after what it refers to: a copy cut
		// short never leaves a commit whose trees are missing (a later
		// copy would take it as complete).
		dirs := map[string]bool{}
		for _, it := range slices.Backward(items) {
			data, err := src.readObject(it.t, it.h)
			if err != nil {
				return 0, err
			}
			path := dst.loosePath(it.h)
			if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
				os.Remove(path) // left empty by a crash; the writer skips an existing file
			}
			if _, err := dst.putObject(it.t, data); err != nil {
				return 0, err
			}
			if err := syncFile(path); err != nil {
				return 0, err
			}
			dirs[filepath.Dir(path)] = true
		}
		for d := range dirs {
			syncDir(d)
		}
		syncDir(filepath.Join(toDir, "objects"))
		return len(items), nil
	}
	var report func(done, total int)
	if progress != nil {
		report = func(done, total int) { progress("copy", done, total) }
	}
	_, err = dst.writePack(ctx, src, items, report)
	return len(items), err
}

// WritePack writes to w a pack of the objects of the binder's history that
// a receiver whose branch is at commit theirs ("" if it has none) lacks,
// as a push sends them. It returns the binder's tip and the number of
// objects.
func (b *Binder) WritePack(ctx context.Context, w io.Writer, theirs string) (tip string, objects int, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	has := func(plumbing.Hash) bool { return false }
	if theirs != "" {
		onlyOurs, _, _, err := b.git.ancestry(b.tip, plumbing.NewHash(theirs))
		if err != nil {
			return "", 0, err
		}
		ours := map[plumbing.Hash]bool{}
		for _, h := range onlyOurs {
			ours[h] = true
		}
		has = func(h plumbing.Hash) bool { return !ours[h] }
	}
	items, err := b.git.missingObjects(ctx, b.tip, has, nil)
	if err != nil {
		return "", 0, err
	}
	if _, _, _, err := encodePack(ctx, w, b.git, items, nil); err != nil {
		return "", 0, err
	}
	return b.tip.String(), len(items), nil
}

// BranchTip returns the tip of the branch in the repository in dir, "" if
// it has none yet.
func BranchTip(dir string) (string, error) {
	g, err := openGitStore(dir)
	if err != nil {
		return "", err
	}
	defer g.Close()
	h, err := g.head()
	if err != nil || h.IsZero() {
		return "", err
	}
	return h.String(), nil
}

// MoveBranch moves the branch of the repository in dir from commit old
// ("" if it has none) to new, under git's ref lock; if the branch is not
// at old any more, it fails with a Conflict error and leaves it.
func MoveBranch(dir, old, new string) error {
	g, err := openGitStore(dir)
	if err != nil {
		return err
	}
	defer g.Close()
	oh := plumbing.ZeroHash
	if old != "" {
		oh = plumbing.NewHash(old)
	}
	return g.moveHead(oh, plumbing.NewHash(new), true)
}

// VerifyTip checks the whole history ending at commit tip in the
// repository in dir, as Verify does for the branch: what a clone checks
// before it takes a binder in.
func VerifyTip(ctx context.Context, dir, tip string, progress Progress) (*Report, error) {
	g, err := openGitStore(dir)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	return verifyHistory(ctx, g, dir, plumbing.NewHash(tip), nil, progress)
}
