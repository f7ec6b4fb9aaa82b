package binder

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"gobag/binder/escrow"
	"gobag/binder/roster"
	bcrypto "gobag/crypto"
)

// MemberChange is one change of the roster, made by a manager.
type MemberChange struct {
	// Op is what to do: "add" a member from Card with Roles; change the
	// "roles" of Handle, adding Roles and dropping Drop; "remove" Handle;
	// set the "recovery" recipient to Recovery.
	Op       string
	Handle   string
	Card     bcrypto.Card
	Roles    []string
	Drop     []string
	Recovery string
}

// The operations of a MemberChange.
const (
	MemberAdd      = "add"
	MemberRoles    = "roles"
	MemberRemove   = "remove"
	MemberRecovery = "recovery"
)

// RosterChange is what a change of the roster does, or would do: the
// roster it makes, the records it re-encrypts (each for the audience it
// has under the new roster) and the credentials it flags for rotation.
type RosterChange struct {
	Serial int `json:"serial"`
	// Reencrypt lists the records whose audience changes: each is
	// re-encrypted in the same commit.
	Reencrypt []Summary `json:"reencrypt"`
	// Unreadable lists records the change must re-encrypt that this
	// identity cannot read; a change with any is refused.
	Unreadable []Summary `json:"unreadable,omitempty"`
	// Rotate lists the escrowed secrets a removed member could reach
	// (as a custodian or a reader): each must be rotated.
	Rotate []string `json:"rotate,omitempty"`
	// Commit is the commit made (empty for a preview).
	Commit string `json:"commit,omitempty"`
}

// ChangeMembers makes a change of the roster, or with apply false only
// says what it would do. The change is signed by this identity, who must
// be a manager, in one commit that also re-encrypts every record whose
// audience it changes: a member who leaves cannot read the records'
// later versions, and one who joins can read the records meant for them.
func (b *Binder) ChangeMembers(ctx context.Context, ch MemberChange, apply bool) (*RosterChange, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.catchUp(ctx); err != nil {
		return nil, err
	}
	if me := b.roster.Member(b.id.Handle); me == nil || !me.Has(roster.RoleManager) {
		return nil, errorf(Permission, "ask one of the binder's managers ("+strings.Join(b.managers(), ", ")+") to make the change",
			"only a manager changes the roster, and %s is not one", b.id.Handle)
	}
	parent, err := b.git.ReadCommit(b.tip)
	if err != nil {
		return nil, err
	}
	raw, _, err := b.git.ReadFile(parent.TreeHash, pathRoster)
	if err != nil {
		return nil, err
	}
	now := clock().UTC().Truncate(time.Second)
	next := b.roster.Next(raw, now)
	if err := applyMemberChange(next, ch); err != nil {
		return nil, &Error{Kind: Invalid, Err: err}
	}
	if !slices.ContainsFunc(next.Members, func(m roster.Member) bool { return m.Has(roster.RoleManager) }) {
		return nil, errorf(Permission, "make another member a manager first", "the binder would have no manager left")
	}
	nextRaw, err := next.Marshal()
	if err != nil {
		return nil, err
	}
	parsed, err := roster.Parse(nextRaw)
	if err != nil {
		return nil, &Error{Kind: Invalid, Err: err}
	}
	if err := roster.CheckChange(b.roster, raw, parsed, b.id.Handle); err != nil {
		return nil, &Error{Kind: Permission, Err: err, Hint: "another manager can make this change"}
	}
	out := &RosterChange{Serial: parsed.Serial}
	plan, err := b.audienceChanges(ctx, parent.TreeHash, parsed, ch, out)
	if err != nil {
		return nil, err
	}
	if ch.Op == MemberRemove {
		if out.Rotate, err = b.reachedSecrets(parent.TreeHash, ch.Handle); err != nil {
			return nil, err
		}
	}
	if len(out.Unreadable) > 0 {
		return out, fixErr(Permission, fix(ActionShow, out.Unreadable[0].ID), "a member of each of their audiences can save them once with you in the audience; then make the change again",
			"the change must re-encrypt %d records you are not in the audience of, and so cannot read", len(out.Unreadable))
	}
	if !apply {
		return out, nil
	}
	changes := map[string]plumbing.Hash{}
	for p, data := range map[string][]byte{pathRoster: nextRaw, pathRosterSig: roster.Sign(nextRaw, b.id), pathAllowedSigners: parsed.AllowedSigners()} {
		h, err := b.git.PutBlob(data)
		if err != nil {
			return nil, err
		}
		changes[p] = h
	}
	trailers := []string{fmt.Sprintf("Roster: serial %d", parsed.Serial)}
	versions, err := b.reencrypt(ctx, parent.TreeHash, plan, parsed, now)
	if err != nil {
		return nil, err
	}
	if err := storeAll(ctx, b.git, versions, changes); err != nil {
		return nil, err
	}
	var indexed []*Record
	for _, v := range versions {
		v.indexed.sameContent = true
		indexed = append(indexed, v.indexed)
		trailers = append(trailers, v.trailer)
	}
	// The change is also an entry of the audit chain.
	chain, err := readChain(b.git, parent.TreeHash)
	if err != nil {
		return nil, err
	}
	entry, err := b.newEntry(chain, &escrow.Entry{Action: escrow.ActionMember, Subject: describeMemberChange(ch)}, now)
	if err != nil {
		return nil, err
	}
	more, err := b.stageEntries([][]byte{entry}, changes)
	if err != nil {
		return nil, err
	}
	trailers = append(trailers, more...)
	commit, err := b.commitChanges(ctx, "gobag: "+describeMemberChange(ch), changes, trailers, indexed, now)
	if !commit.IsZero() {
		out.Commit, b.roster = commit.String(), parsed
	}
	return out, err
}

func applyMemberChange(next *roster.Roster, ch MemberChange) error {
	switch ch.Op {
	case MemberAdd:
		return next.Add(ch.Card, ch.Roles, next.Created)
	case MemberRoles:
		return next.SetRoles(ch.Handle, ch.Roles, ch.Drop)
	case MemberRemove:
		return next.Remove(ch.Handle)
	case MemberRecovery:
		if _, err := bcrypto.ParseRecipient(ch.Recovery); err != nil {
			return err
		}
		next.Recovery = ch.Recovery
		return nil
	}
	return fmt.Errorf("unknown roster change %q", ch.Op)
}

func describeMemberChange(ch MemberChange) string {
	switch ch.Op {
	case MemberAdd:
		return fmt.Sprintf("add member %s (%s)", ch.Card.Handle, strings.Join(ch.Roles, ", "))
	case MemberRoles:
		return fmt.Sprintf("change %s's roles", ch.Handle)
	case MemberRemove:
		return "remove member " + ch.Handle
	}
	return "set the recovery recipient"
}

// managers lists the handles of the roster's managers; b.mu is held.
func (b *Binder) managers() []string {
	var out []string
	for _, m := range b.roster.Members {
		if m.Has(roster.RoleManager) {
			out = append(out, m.Handle)
		}
	}
	return out
}

// reencryption is one record to encrypt again: its current envelope,
// the audience it gets, the action and revision of the new version (rev
// 0: the next).
type reencryption struct {
	id       string
	env      []byte
	audience string
	action   string
	rev      int
}

// reencrypt reads each record of plan at tree, decrypts it and encrypts
// it again for its audience under ros, spread over the cores; it returns
// the new versions in plan's order. A record this identity cannot read
// is an error.
func (b *Binder) reencrypt(ctx context.Context, tree plumbing.Hash, plan []reencryption, ros *roster.Roster, now time.Time) ([]*version, error) {
	out := make([]*version, len(plan))
	err := parallel(ctx, b.dir, len(plan), 64, func(w *worker, i int) error {
		p := plan[i]
		agePath, _ := recordPath(p.id)
		ct, _, err := w.g.ReadFile(tree, agePath)
		if err != nil {
			return err
		}
		r, _, err := b.openVersion(p.id, p.env, ct, nil)
		if err != nil {
			return err
		}
		if r.Unreadable {
			return errorf(Permission, "a member of its audience can save it once with you in the audience; a damaged one can be deleted",
				"record %s (a %s for %s) must be encrypted again, and you cannot read it", p.id, r.Kind, audienceWords(r.Audience))
		}
		out[i], err = b.prepareVersion(ros, change{rec: r, action: p.action, audience: p.audience}, p.env, p.rev, now)
		return err
	})
	return out, err
}

// audienceChanges finds the live records at tree whose audience, under
// next, is not the one their envelope names (as ch leaves it: a removed
// member's handle drops out of a named audience). Those this identity
// cannot read go to out.Unreadable, the others to out.Reencrypt and the
// plan it returns.
func (b *Binder) audienceChanges(ctx context.Context, tree plumbing.Hash, next *roster.Roster, ch MemberChange, out *RosterChange) ([]reencryption, error) {
	// The titles to show come from the listing, read in one pass.
	listed := map[string]Summary{}
	err := b.ix.Scan(prefixSummary, func(k string, v []byte) error {
		id := strings.TrimPrefix(k, prefixSummary)
		if s, ok := decodeSummary(id, v); ok {
			listed[id] = s
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var plan []reencryption
	err = b.liveEnvelopes(ctx, tree, func(id string, envData []byte, env *Envelope) error {
		names := strings.Split(env.Audience[0], ",")
		if ch.Op == MemberRemove {
			names = roster.Without(names, ch.Handle)
		}
		audience := strings.Join(names, ",")
		members, err := next.Audience(names)
		if err != nil {
			return fixErr(BadSignature, fix(ActionVerify, ""), "", "record %s: %v", id, err)
		}
		handles := make([]string, len(members))
		for i, m := range members {
			handles[i] = m.Handle
		}
		if audience == env.Audience[0] && slices.Equal(handles, env.Audience[1:]) && ch.Op != MemberRecovery {
			return nil
		}
		sum := Summary{ID: id, Kind: env.Kind, Rev: env.Rev, Updated: env.Time, Author: env.Author, Audience: env.Audience[0]}
		if !slices.Contains(env.Audience[1:], b.id.Handle) {
			out.Unreadable = append(out.Unreadable, sum)
			return nil
		}
		if l, ok := listed[id]; ok {
			sum.Kind, sum.Title = l.Kind, l.Title
		}
		out.Reencrypt = append(out.Reencrypt, sum)
		plan = append(plan, reencryption{id: id, env: envData, audience: audience, action: "edit"})
		return nil
	})
	return plan, err
}

// liveEnvelopes calls f with the envelope of every live record at tree
// that a roster change re-encrypts: not tombstones, not sealed entries.
func (b *Binder) liveEnvelopes(ctx context.Context, tree plumbing.Hash, f func(id string, envData []byte, env *Envelope) error) error {
	ids, err := b.allIDs(tree)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, envPath := recordPath(id)
		envData, _, err := b.git.ReadFile(tree, envPath)
		if err != nil {
			return err
		}
		env, err := ParseEnvelope(envData)
		if err != nil {
			return fixErr(BadSignature, fix(ActionVerify, ""), "", "record %s: %v", id, err)
		}
		if env.Deleted || env.Sealed || len(env.Audience) == 0 {
			// A sealed (append-only) version is never written again:
			// it keeps the audience it was written for.
			continue
		}
		if err := f(id, envData, env); err != nil {
			return err
		}
	}
	return nil
}

// reachedSecrets names the secrets whose current generation member could
// reach (held a share of, or opened): removing them makes each due for
// rotation.
func (b *Binder) reachedSecrets(tree plumbing.Hash, member string) ([]string, error) {
	chain, err := readChain(b.git, tree)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, e := range chain.Entries() {
		if e.Secret == "" || seen[e.Secret] {
			continue
		}
		seen[e.Secret] = true
		if gen, ok := chain.Latest(e.Secret); ok && reached(chain, gen, member) {
			name := e.Secret
			if r := b.indexedRecord(e.Secret); r != nil {
				name = r.Title
			}
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}
