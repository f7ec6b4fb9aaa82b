package binder

import (
	"context"
	"encoding/hex"

	"github.com/go-git/go-git/v5/plumbing"
)

// RecordAt returns the record id as it stood at commit, one of the
// commits of the binder's history (as Log names them): what a history view
// compares a revision with the one before it by. A record that did not exist
// there, or had been deleted, comes back with Deleted set. A commit that
// is not in the branch's history is refused (NotExist): only history that
// was verified is read.
func (b *Binder) RecordAt(ctx context.Context, commit, id string) (*Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if _, err := hex.DecodeString(commit); err != nil || len(commit) != 40 {
		return nil, errorf(Invalid, "", "%q is not a commit id", commit)
	}
	if !ValidID(id) {
		return nil, errorf(Invalid, "", "%q is not a record id", id)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	h := plumbing.NewHash(commit)
	onlyCommit, _, _, err := b.git.Ancestry(h, b.tip)
	if err != nil || len(onlyCommit) > 0 {
		return nil, fixErr(NotExist, fix(ActionLog, id), "the history lists the commits that changed the record", "commit %s is not in the binder's history", commit)
	}
	tree, err := b.treeOf(h)
	if err != nil {
		return nil, err
	}
	return b.readRecord(b.git, tree, id)
}
