package binder

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

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

// Taking history in from outside (a fetch, a clone) goes through a
// quarantine: a repository of its own under the binder's local state,
// reading through to the binder's objects. The objects land there and
// are checked against every bound (limits.go) and for completeness; only
// then are they moved into the binder's object store. A fetch refused on
// the way removes its quarantine, and the binder's repository is as it
// was. What moved in and is then refused by verification is reachable
// from no ref, and the next gc drops it.

// quarantineAge is how old a quarantine must be to count as left by a
// fetch that was killed (one younger may belong to a fetch under way).
const quarantineAge = time.Hour

// openQuarantine opens the repository in dir and a new quarantine for it;
// done closes both and removes the quarantine.
func openQuarantine(dir string) (main, q *gitstore.Store, done func(), err error) {
	main, err = gitstore.Open(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	root := LocalPath(dir, localIncoming)
	if err := os.MkdirAll(root, 0o700); err != nil {
		main.Close()
		return nil, nil, nil, err
	}
	if ents, err := os.ReadDir(root); err == nil {
		for _, e := range ents {
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > quarantineAge {
				os.RemoveAll(filepath.Join(root, e.Name()))
			}
		}
	}
	qdir, err := os.MkdirTemp(root, "fetch-")
	if err != nil {
		main.Close()
		return nil, nil, nil, err
	}
	q, err = gitstore.OpenQuarantine(qdir, main)
	if err != nil {
		os.RemoveAll(qdir)
		main.Close()
		return nil, nil, nil, err
	}
	return main, q, func() {
		q.Close()
		os.RemoveAll(qdir)
		main.Close()
	}, nil
}

// FetchHistory takes into the repository in toDir the objects of the
// history ending at commit tip, in the repository in fromDir (a remote on
// a drive or share), that toDir lacks, through a quarantine: every object
// is read within the bounds in limits.go, and none reaches toDir unless
// all of them are read. No branch moves. It returns how many objects it
// took in.
func FetchHistory(ctx context.Context, fromDir, toDir, tip string) (int, error) {
	src, err := gitstore.Open(fromDir)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	src.LimitWork(MaxFetchRebuiltBytes)
	main, q, done, err := openQuarantine(toDir)
	if err != nil {
		return 0, err
	}
	defer done()
	n, err := gitstore.Copy(ctx, src, q, plumbing.NewHash(tip), nil)
	if err != nil {
		return 0, err
	}
	return n, q.MoveInto(main)
}

// FetchPack takes in the pack a remote sends for the history ending at
// commit tip, unless the repository in dir has tip already: open is
// called with the commits it has (for the remote to leave out) and
// returns the pack stream, which must be complete in itself (no thin
// pack). The stream is indexed in a quarantine within the bounds in
// limits.go, and the history from tip walked there (tree depth, number
// of objects, nothing missing); only then are the objects moved into the
// repository. No branch moves.
func FetchPack(ctx context.Context, dir, tip string, open func(ctx context.Context, haves []string) (io.ReadCloser, error)) error {
	main, q, done, err := openQuarantine(dir)
	if err != nil {
		return err
	}
	defer done()
	th := plumbing.NewHash(tip)
	if main.Has(th) {
		return nil
	}
	var haves []string
	if head, err := main.Head(); err != nil {
		return err
	} else if !head.IsZero() {
		haves = append(haves, head.String())
	}
	rc, err := open(ctx, haves)
	if err != nil {
		return err
	}
	// One budget for rebuilding the pack and walking the history after.
	q.LimitWork(MaxFetchRebuiltBytes)
	_, err = q.IndexPack(ctx, rc)
	if cerr := rc.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := q.CheckComplete(ctx, th, main.Has); err != nil {
		return err
	}
	return q.MoveInto(main)
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
