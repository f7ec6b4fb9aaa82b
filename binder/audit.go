package binder

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"gobag/binder/escrow"
	"gobag/binder/internal/gitstore"
	"gobag/binder/roster"
)

// The audit chain lives in the tree beside the records, one signed entry
// per file (audit/A/B/ID.entry): appended, never changed, merged by
// union. See package escrow for the entries and their rules.

// readChain reads every audit entry of tree through g. The tree is one
// that verified, so the entries are not checked against each other again.
func readChain(g *gitstore.Store, tree plumbing.Hash) (*escrow.Chain, error) {
	c := escrow.NewChain()
	err := eachAuditFile(g, tree, func(id string, h plumbing.Hash) error {
		data, err := g.ReadBlob(h)
		if err != nil {
			return err
		}
		e, err := escrow.Parse(data)
		if err != nil {
			return fixErr(BadSignature, fix(ActionVerify, ""), "", "%v", err)
		}
		if e.ID != id {
			return fixErr(BadSignature, fix(ActionVerify, ""), "", "audit entry %s is filed as %s", e.ID, id)
		}
		c.Put(e, data)
		return nil
	})
	return c, err
}

// eachAuditFile calls f with the id and blob of every entry in tree's
// audit/ directory.
func eachAuditFile(g *gitstore.Store, tree plumbing.Hash, f func(id string, h plumbing.Hash) error) error {
	ah, ok, err := g.Lookup(tree, auditDir)
	if err != nil || !ok {
		return err
	}
	return eachAuditEntry(g, ah, f)
}

// eachAuditEntry calls f with each entry of an audit/ tree; a file the
// format does not define there is an error.
func eachAuditEntry(g *gitstore.Store, audit plumbing.Hash, f func(id string, h plumbing.Hash) error) error {
	return eachSharded(g, audit, func(a, b, name string, h plumbing.Hash, isDir bool) error {
		p := auditDir + "/" + a + "/" + b + "/" + name
		id, ok := auditIDFromPath(p)
		if !ok || isDir {
			return fixErr(BadSignature, fix(ActionVerify, ""), "", "unexpected file %s", p)
		}
		return f(id, h)
	})
}

// Chain returns the binder's audit chain at its tip.
func (b *Binder) Chain(ctx context.Context) (*escrow.Chain, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	_, chain, err := b.tipChain()
	return chain, err
}

// tipChain returns the tip's tree and audit chain; b.mu is held.
func (b *Binder) tipChain() (plumbing.Hash, *escrow.Chain, error) {
	tree, err := b.treeOf(b.tip)
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	chain, err := readChain(b.git, tree)
	return tree, chain, err
}

// newEntry completes e as the next entry of chain, made by this identity
// now: its id, time, prev (the chain's heads, unless e names its own),
// seq and signature. It checks it against the chain and adds it there.
func (b *Binder) newEntry(chain *escrow.Chain, e *escrow.Entry, now time.Time) ([]byte, error) {
	e.ID, e.Time = NewID(), now
	if e.Prev == nil {
		e.Prev = chain.Heads()
	}
	e.Prev = slices.Compact(slices.Sorted(slices.Values(e.Prev)))
	for _, h := range e.Prev {
		// Another clock ran a little ahead: never before what it follows.
		if p, ok := chain.ByHash(h); ok && p.Time.After(e.Time) {
			e.Time = p.Time
		}
	}
	e.Seq = chain.NextSeq(e.Prev)
	e.Sign(b.id)
	file := e.Marshal()
	if err := chain.Check(e, escrow.Hash(file)); err != nil {
		return nil, &Error{Kind: Invalid, Err: err}
	}
	chain.Put(e, file)
	return file, nil
}

// stageEntries writes entry files as blobs into changes, and returns
// their commit message lines.
func (b *Binder) stageEntries(files [][]byte, changes map[string]plumbing.Hash) ([]string, error) {
	var trailers []string
	for _, f := range files {
		e, err := escrow.Parse(f)
		if err != nil {
			return nil, err
		}
		h, err := b.git.PutBlob(f)
		if err != nil {
			return nil, err
		}
		changes[auditPath(e.ID)] = h
		trailers = append(trailers, fmt.Sprintf("Audit: %s %s", e.ID, e.Action))
	}
	return trailers, nil
}

// commitChanges writes changes on the tip's tree as one signed commit,
// moves the branch and indexes the records saved. b.mu is held.
func (b *Binder) commitChanges(ctx context.Context, subject string, changes map[string]plumbing.Hash, trailers []string, indexed []*Record, now time.Time) (plumbing.Hash, error) {
	parent, err := b.git.ReadCommit(b.tip)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	tree, err := b.git.ApplyTree(parent.TreeHash, changes)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	msg := subject + "\n"
	if len(trailers) > 0 {
		msg += "\n" + strings.Join(trailers, "\n") + "\n"
	}
	commit, err := writeCommit(b.git, tree, []plumbing.Hash{b.tip}, b.id, msg, now)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if err := b.git.SetHead(b.tip, commit); err != nil {
		return plumbing.ZeroHash, err
	}
	x := b.newIndexer(false)
	defer x.cancel()
	for _, r := range indexed {
		if err := x.put(r); err != nil {
			return commit, indexBehind(commit, err)
		}
	}
	if err := x.commit(commit); err != nil {
		return commit, indexBehind(commit, err)
	}
	b.tip = commit
	if err := b.settle(ctx); err != nil {
		return commit, indexBehind(commit, err)
	}
	return commit, nil
}

// auditSkew is how far an entry's time may run ahead of the commit that
// adds it (another member's clock).
const auditSkew = 10 * time.Minute

// checkEntryAuthority holds an entry to the roster in force where it is
// added: a secret is escrowed by a manager, with custodians who are
// members holding the custodian role; it is rotated by a manager, or by a
// custodian of its generation who keeps its custodians and threshold; a
// member change and a plan approval are a manager's.
func checkEntryAuthority(e *escrow.Entry, chain *escrow.Chain, ros *roster.Roster) error {
	actor := ros.Member(e.Actor)
	if actor == nil {
		return fmt.Errorf("audit entry %s by %s, who is not a member", e.ID, e.Actor)
	}
	manager := actor.Has(roster.RoleManager)
	switch e.Action {
	case escrow.ActionPut, escrow.ActionRotate:
		for _, c := range e.Custodians {
			if m := ros.Member(c); m == nil || !m.Has(roster.RoleCustodian) {
				return fmt.Errorf("audit entry %s (%s by %s): %s is not a custodian of the binder", e.ID, e.Action, e.Actor, c)
			}
		}
		if manager {
			return nil
		}
		if e.Action == escrow.ActionPut {
			return fmt.Errorf("audit entry %s: %s escrows a secret, but only a manager does", e.ID, e.Actor)
		}
		prev, ok := chain.Latest(e.Secret)
		if !ok || !slices.Contains(prev.Custodians, e.Actor) {
			return fmt.Errorf("audit entry %s: %s rotates a secret, but is neither a manager nor one of its custodians", e.ID, e.Actor)
		}
		if !slices.Equal(prev.Custodians, e.Custodians) || prev.Threshold != e.Threshold {
			return fmt.Errorf("audit entry %s: custodian %s changes the secret's custodians or threshold, which only a manager does", e.ID, e.Actor)
		}
	case escrow.ActionMember, escrow.ActionApprovePlan:
		if !manager {
			return fmt.Errorf("audit entry %s: a %s entry by %s, who is not a manager", e.ID, e.Action, e.Actor)
		}
	}
	return nil
}
