package binder

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"gobag/binder/escrow"
	"gobag/binder/roster"
)

// PlanApproval is a manager's signed approval of one version of a plan:
// an entry of the audit chain naming the plan and the hash of that
// version's envelope.
type PlanApproval struct {
	Plan string    `json:"plan"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Rev  int       `json:"rev"`
	// Current: it approves the plan's current version. Manager: its
	// signer is a manager now.
	Current bool `json:"current"`
	Manager bool `json:"manager"`
}

// ApprovePlan approves the current content of a plan as this manager: the
// plan is saved as approved (status, approved_on today, approved_by the
// contact given, if any) and, in the same commit, the approval of exactly
// that version is signed into the audit chain.
func (b *Binder) ApprovePlan(ctx context.Context, planID, approvedBy string) (*PlanApproval, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.catchUp(ctx); err != nil {
		return nil, err
	}
	if me := b.roster.Member(b.id.Handle); me == nil || !me.Has(roster.RoleManager) {
		return nil, errorf(Permission, "ask a manager ("+strings.Join(b.managers(), ", ")+") to approve it", "only a manager approves a plan")
	}
	id, err := b.resolve(ctx, planID)
	if err != nil {
		return nil, err
	}
	cur, err := b.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.Kind != "plan" {
		return nil, errorf(Invalid, "", "record %s is a %s, not a plan", id, cur.Kind)
	}
	now := clock().UTC().Truncate(time.Second)
	nr := cur.Clone()
	sets := []string{"status=approved", "approved_on=" + now.Format("2006-01-02")}
	if approvedBy != "" {
		sets = append(sets, "approved_by="+approvedBy)
	}
	for _, s := range sets {
		if err := nr.SetField(s); err != nil {
			return nil, err
		}
	}
	if err := nr.Validate(); err != nil {
		return nil, err
	}
	if err := b.resolveLinks(nr, cur, nil, nil); err != nil {
		return nil, err
	}
	parent, err := b.git.ReadCommit(b.tip)
	if err != nil {
		return nil, err
	}
	_, envPath := recordPath(id)
	prev, _, err := b.git.ReadFile(parent.TreeHash, envPath)
	if err != nil {
		return nil, err
	}
	v, err := b.prepareVersion(b.roster, change{rec: nr, action: "edit"}, prev, 0, now)
	if err != nil {
		return nil, err
	}
	changes := map[string]plumbing.Hash{}
	if err := v.store(b.git, changes); err != nil {
		return nil, err
	}
	chain, err := readChain(b.git, parent.TreeHash)
	if err != nil {
		return nil, err
	}
	entry, err := b.newEntry(chain, &escrow.Entry{Action: escrow.ActionApprovePlan, Subject: id + " " + hashHex(v.env)}, now)
	if err != nil {
		return nil, err
	}
	trailers, err := b.stageEntries([][]byte{entry}, changes)
	if err != nil {
		return nil, err
	}
	if _, err := b.commitChanges(ctx, "gobag: approve a plan", changes, append([]string{v.trailer}, trailers...), []*Record{v.indexed}, now); err != nil {
		return nil, err
	}
	return &PlanApproval{Plan: id, By: b.id.Handle, At: now, Rev: nr.Rev, Current: true, Manager: true}, nil
}

// PlanApprovals returns, for each plan with a signed approval, its latest
// one, said to be of the current version or not and by a manager or not.
func (b *Binder) PlanApprovals(ctx context.Context) (map[string]PlanApproval, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	tree, chain, err := b.tipChain()
	if err != nil {
		return nil, err
	}
	out := map[string]PlanApproval{}
	for _, e := range chain.Entries() {
		if e.Action != escrow.ActionApprovePlan {
			continue
		}
		f := strings.Fields(e.Subject)
		if len(f) != 2 || !ValidID(f[0]) {
			continue
		}
		_, envPath := recordPath(f[0])
		env, ok, err := b.git.ReadFile(tree, envPath)
		if err != nil {
			return nil, err
		}
		a := PlanApproval{Plan: f[0], By: e.Actor, At: e.Time}
		if ok {
			a.Current = hashHex(env) == f[1]
			if pe, err := ParseEnvelope(env); err == nil {
				a.Rev = pe.Rev
			}
		}
		if m := b.roster.Member(e.Actor); m != nil && m.Has(roster.RoleManager) {
			a.Manager = true
		}
		// A manager's approval of the current version counts over any
		// other; then the newest.
		old, seen := out[f[0]]
		if !seen || a.Current && a.Manager && !(old.Current && old.Manager) || (a.Current && a.Manager) == (old.Current && old.Manager) && a.At.After(old.At) {
			out[f[0]] = a
		}
	}
	return out, nil
}

// describeApproval words an approval for a finding.
func (a PlanApproval) String() string {
	return fmt.Sprintf("approved by %s on %s", a.By, a.At.Format("2006-01-02"))
}
