package binder

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"gobag/binder/escrow"
)

// auditTree returns the audit/ tree of commit h (zero if it has none).
func (v *verifier) auditTree(h plumbing.Hash) (plumbing.Hash, error) {
	c, err := v.g.ReadCommit(h)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	a, _, err := v.g.Lookup(c.TreeHash, auditDir)
	return a, err
}

// auditFiles lists an audit tree's entries: id → blob.
func (v *verifier) auditFiles(tree plumbing.Hash) (map[string]plumbing.Hash, error) {
	out := map[string]plumbing.Hash{}
	return out, eachAuditEntry(v.g, tree, func(id string, h plumbing.Hash) error {
		out[id] = h
		return nil
	})
}

// entry parses (once) the entry in blob h.
func (v *verifier) entry(h plumbing.Hash) (*escrow.Entry, []byte, error) {
	data, err := v.g.ReadBlob(h)
	if err != nil {
		return nil, nil, err
	}
	e, err := escrow.Parse(data)
	return e, data, err
}

// auditPass checks what a commit does to the audit chain (format 4): a
// commit with one parent only adds entries, each signed by a member of
// the roster in force, following entries its tree holds, by its
// action's rules, and (but for an approval, which follows its request)
// following every entry no other follows; a merge holds every entry of
// both parents, but those by authors the merged roster does not list
// from the side whose roster it did not take, and no other.
func (v *verifier) auditPass(ctx context.Context, j *commitJob) error {
	if j.gov == nil {
		return nil
	}
	var parents []plumbing.Hash
	for _, p := range j.c.ParentHashes[:min(2, len(j.c.ParentHashes))] {
		a, err := v.auditTree(p)
		if err != nil {
			return err
		}
		parents = append(parents, a)
	}
	if len(parents) == 1 && parents[0] == j.audit || len(parents) == 2 && (parents[0] == j.audit && parents[1] == j.audit) {
		return nil
	}
	if len(parents) == 0 && j.audit.IsZero() {
		return nil
	}
	files, err := v.auditFiles(j.audit)
	if err != nil {
		j.problem("", "%v", err)
		return nil
	}
	var before []map[string]plumbing.Hash
	for _, p := range parents {
		m, err := v.auditFiles(p)
		if err != nil {
			return nil // the parent's own check said so
		}
		before = append(before, m)
	}
	if j.merge() {
		return v.auditMerge(j, files, before)
	}
	var parent map[string]plumbing.Hash
	if len(before) > 0 {
		parent = before[0]
	}
	chain := escrow.NewChain()
	for id, h := range parent {
		nh, ok := files[id]
		switch {
		case !ok:
			j.problem("", "audit entry %s removed: the audit chain is append-only", id)
			continue
		case nh != h:
			j.problem("", "audit entry %s changed: the audit chain is append-only", id)
		}
		e, data, err := v.entry(h)
		if err != nil {
			continue // reported where it was added
		}
		chain.Put(e, data)
	}
	var added []*escrow.Entry
	raw := map[string][]byte{}
	for id, h := range files {
		if _, ok := parent[id]; ok {
			continue
		}
		e, data, err := v.entry(h)
		if err != nil {
			j.problem("", "%v", err)
			continue
		}
		if e.ID != id {
			j.problem("", "audit entry %s is filed as %s", e.ID, id)
			continue
		}
		added = append(added, e)
		raw[id] = data
	}
	sort.Slice(added, func(a, b int) bool {
		if added[a].Seq != added[b].Seq {
			return added[a].Seq < added[b].Seq
		}
		return added[a].ID < added[b].ID
	})
	for _, e := range added {
		j.added = append(j.added, e.ID+" "+e.Action)
		key, ok := j.gov.roster.Key(e.Actor)
		if !ok {
			j.problem("", "audit entry %s by %s, who is not a member", e.ID, e.Actor)
			continue
		}
		if err := e.Verify(key); err != nil {
			j.problem("", "%v", err)
			continue
		}
		if e.Time.After(j.c.Committer.When.Add(auditSkew)) {
			j.problem("", "audit entry %s is dated %s, after the commit that adds it", e.ID, e.Time.UTC().Format(time.RFC3339))
			continue
		}
		if err := chain.Check(e, escrow.Hash(raw[e.ID])); err != nil {
			j.problem("", "%v", err)
			continue
		}
		if err := checkEntryAuthority(e, chain, j.gov.roster); err != nil {
			j.problem("", "%v", err)
			continue
		}
		if e.Action != escrow.ActionApprove {
			// It follows every entry before it, those this commit added
			// before it included (approvals aside).
			for _, h := range chain.Heads() {
				if !slices.Contains(e.Prev, h) {
					j.problem("", "audit entry %s does not follow every entry before it (it leaves out %.12s)", e.ID, h)
					break
				}
			}
		}
		if msg := v.entryInCommit(j, e); msg != "" {
			j.problem("", "audit entry %s (%s): %s", e.ID, e.Action, msg)
		}
		chain.Put(e, raw[e.ID])
	}
	return ctx.Err()
}

// entryInCommit says what is wrong with where an entry is added: a member
// change comes with the roster change, a plan approval with the version
// of the plan it names.
func (v *verifier) entryInCommit(j *commitJob, e *escrow.Entry) string {
	switch e.Action {
	case escrow.ActionMember:
		if j.after == nil || bytes.Equal(j.after.raw, j.gov.raw) && j.after.roster.Recovery == j.gov.roster.Recovery {
			return "no roster change in the same commit"
		}
	case escrow.ActionApprovePlan:
		f := strings.Fields(e.Subject)
		if len(f) != 2 || !ValidID(f[0]) {
			return "names no plan"
		}
		for _, c := range j.changes {
			if c.id == f[0] && !c.envNew.IsZero() {
				if data, err := v.g.ReadBlob(c.envNew); err == nil && hashHex(data) == f[1] {
					return ""
				}
			}
		}
		return "the plan's version it names is not saved in the same commit"
	}
	return ""
}

// auditMerge checks a merge's audit tree: the union of its parents', less
// entries the merge refused (by authors the merged roster does not list,
// from the side whose roster it did not take); nothing new.
func (v *verifier) auditMerge(j *commitJob, files map[string]plumbing.Hash, before []map[string]plumbing.Hash) error {
	took := 0
	if j.after != nil && len(j.c.ParentHashes) > 1 {
		if other := v.rosters[j.c.ParentHashes[1]]; other != nil && other.gobag == j.after.gobag && v.rosters[j.c.ParentHashes[0]] != nil && v.rosters[j.c.ParentHashes[0]].gobag != j.after.gobag {
			took = 1
		}
	}
	for i, side := range before {
		for id, h := range side {
			nh, ok := files[id]
			switch {
			case ok && nh != h:
				j.problem("", "merge changes audit entry %s", id)
			case !ok:
				e, _, err := v.entry(h)
				refused := err == nil && i != took && j.after != nil && j.after.roster.Member(e.Actor) == nil
				if !refused {
					j.problem("", "merge drops audit entry %s", id)
				}
			}
		}
	}
	for id := range files {
		if _, ok := before[0][id]; ok {
			continue
		}
		if len(before) > 1 {
			if _, ok := before[1][id]; ok {
				continue
			}
		}
		j.problem("", "merge adds audit entry %s of its own", id)
	}
	return nil
}
