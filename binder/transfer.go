package binder

import (
	"context"
	"errors"
	"io"

	"github.com/go-git/go-git/v5/plumbing"

	"gobag/binder/internal/gitstore"
)

// Moving history between repositories: what sync's transports need of the
// object store (binder/internal/gitstore does the work).

// CopyHistory copies into the repository in toDir every object of the
// history ending at commit tip, in the repository in fromDir, that toDir
// lacks: loose if they are few, else as one pack, and flushed to disk
// before it returns (a drive pulled out after a sync must hold every
// object its branch names). No branch moves. It returns how many objects
// it copied.
func CopyHistory(ctx context.Context, fromDir, toDir, tip string, progress Progress) (int, error) {
	src, err := gitstore.Open(fromDir)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	dst, err := gitstore.Open(toDir)
	if err != nil {
		return 0, err
	}
	defer dst.Close()
	var report func(done, total int)
	if progress != nil {
		report = func(done, total int) { progress("copy", done, total) }
	}
	return gitstore.Copy(ctx, src, dst, plumbing.NewHash(tip), report)
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
		onlyOurs, _, _, err := b.git.Ancestry(b.tip, plumbing.NewHash(theirs))
		if err != nil {
			return "", 0, err
		}
		ours := map[plumbing.Hash]bool{}
		for _, h := range onlyOurs {
			ours[h] = true
		}
		has = func(h plumbing.Hash) bool { return !ours[h] }
	}
	items, err := b.git.MissingObjects(ctx, b.tip, has, nil)
	if err != nil {
		return "", 0, err
	}
	if _, _, _, err := gitstore.EncodePack(ctx, w, b.git, items, nil); err != nil {
		return "", 0, err
	}
	return b.tip.String(), len(items), nil
}

// BranchTip returns the tip of the branch in the repository in dir, "" if
// it has none yet.
func BranchTip(dir string) (string, error) {
	g, err := gitstore.Open(dir)
	if err != nil {
		return "", err
	}
	defer g.Close()
	h, err := g.Head()
	if err != nil || h.IsZero() {
		return "", err
	}
	return h.String(), nil
}

// MoveBranch moves the branch of the repository in dir from commit old
// ("" if it has none) to new, under git's ref lock; if the branch is not
// at old any more, it fails with a Conflict error and leaves it.
func MoveBranch(dir, old, new string) error {
	g, err := gitstore.Open(dir)
	if err != nil {
		return err
	}
	defer g.Close()
	oh := plumbing.ZeroHash
	if old != "" {
		oh = plumbing.NewHash(old)
	}
	err = g.MoveHead(oh, plumbing.NewHash(new), true)
	if errors.Is(err, gitstore.ErrLocked) {
		return &Error{Kind: Locked, Err: err, Hint: "another copy is syncing with it: sync again in a minute", Fix: &Fix{Action: ActionRetry}}
	}
	return err
}

// VerifyTip checks the whole history ending at commit tip in the
// repository in dir, as Verify does for the branch: what a clone checks
// before it takes a binder in.
func VerifyTip(ctx context.Context, dir, tip string, progress Progress) (*Report, error) {
	g, err := gitstore.Open(dir)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	return verifyHistory(ctx, g, dir, plumbing.NewHash(tip), nil, progress)
}
