package binder

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"gobag/binder/escrow"
	"gobag/binder/roster"
	bcrypto "gobag/crypto"
)

// Attacks on the audit chain and escrow by members who hold valid keys,
// each refused. (Found by an adversarial review.)

// forgeEntry adds, as signer, the entry e following prev at time at, in a
// commit of its own, and returns the commit.
func forgeEntry(t *testing.T, b *Binder, signer *bcrypto.Identity, e *escrow.Entry, prev []string, at time.Time) plumbing.Hash {
	t.Helper()
	chain, err := b.Chain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	file := signedEntry(signer, e, prev, chain.NextSeq(prev), at)
	return forge(t, b, signer, "gobag: x\n\nAudit: "+e.ID+" "+e.Action+"\n", map[string][]byte{auditPath(e.ID): file})
}

// An entry dated far ahead would make every later one "dated before" it:
// refused where it is added.
func TestAttackFutureDatedEntryIsRefused(t *testing.T) {
	tm := newTeam(t)
	chain, _ := tm.dora.Chain(context.Background())
	bad := forgeEntry(t, tm.dora, tm.dora.id, &escrow.Entry{Action: escrow.ActionRequest, Secret: NewID(), Generation: 1, Data: []byte("x")},
		chain.Heads(), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	expectProblem(t, tm.dora, bad, "", "after the commit that adds it")
}

// Many entries in one commit that do not follow each other would make the
// next entry's prev too long to write: each must follow those before it.
func TestAttackWideHeadsAreRefused(t *testing.T) {
	ctx := context.Background()
	tm := newTeam(t)
	if _, err := tm.priya.PutSecret(ctx, SecretSpec{Name: "k", Custodians: []string{"ana", "ben"}, Threshold: 2}, []byte("v")); err != nil {
		t.Fatal(err)
	}
	syncFrom(t, tm.dora, tm.priya)
	chain, _ := tm.dora.Chain(ctx)
	s, _ := tm.dora.SecretByName(ctx, "k")
	heads := chain.Heads()
	files := map[string][]byte{}
	msg := "gobag: x\n\n"
	for range 3 {
		e := &escrow.Entry{Action: escrow.ActionRequest, Secret: s.ID, Generation: 1, Data: []byte("x")}
		file := signedEntry(tm.dora.id, e, heads, chain.NextSeq(heads), time.Now())
		files[auditPath(e.ID)] = file
		msg += "Audit: " + e.ID + " request\n"
	}
	bad := forge(t, tm.dora, tm.dora.id, msg, files)
	expectProblem(t, tm.dora, bad, "", "does not follow every entry before it")
}

// A responder rotating a secret to a generation of her own, and a
// custodian changing its custodians, are refused; a member entry without
// a roster change and a plan approval by someone not a manager too.
func TestAttackEntriesBeyondTheirAuthorityAreRefused(t *testing.T) {
	ctx := context.Background()
	tm := newTeam(t)
	if _, err := tm.priya.PutSecret(ctx, SecretSpec{Name: "k", Custodians: []string{"ana", "ben"}, Threshold: 2}, []byte("real")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Binder{tm.dora, tm.ana} {
		syncFrom(t, c, tm.priya)
	}
	s, _ := tm.dora.SecretByName(ctx, "k")
	rotation := func(by *bcrypto.Identity, custodians []string, threshold int) *escrow.Entry {
		key, sealed, _ := escrow.Seal([]byte("attacker's value"), s.ID, 2)
		shares, _ := bcrypto.Split(key, len(custodians), threshold)
		bundle := &escrow.Bundle{Sealed: sealed}
		var checks []string
		for i, c := range custodians {
			ct, _ := bcrypto.Encrypt(escrow.ShareText(s.ID, 2, shares[i]), by.Recipient())
			bundle.Shares = append(bundle.Shares, escrow.BundleShare{Custodian: c, X: i + 1, Ciphertext: ct})
			checks = append(checks, escrow.Check(s.ID, 2, shares[i]))
		}
		return &escrow.Entry{Action: escrow.ActionRotate, Secret: s.ID, Generation: 2, Custodians: custodians, Threshold: threshold, Checks: checks, Data: bundle.Marshal()}
	}
	heads := func(b *Binder) []string { c, _ := b.Chain(ctx); return c.Heads() }
	bad := forgeEntry(t, tm.dora, tm.dora.id, rotation(tm.dora.id, []string{"ana", "ben"}, 2), heads(tm.dora), time.Now())
	expectProblem(t, tm.dora, bad, "", "neither a manager nor one of its custodians")
	bad = forgeEntry(t, tm.ana, tm.ana.id, rotation(tm.ana.id, []string{"ana", "chen"}, 1), heads(tm.ana), time.Now())
	expectProblem(t, tm.ana, bad, "", "which only a manager does")
	a2 := copyAs(t, tm.priya, tm.ana.id)
	bad = forgeEntry(t, a2, tm.ana.id, rotation(tm.ana.id, []string{"ana", "dora"}, 2), heads(a2), time.Now())
	expectProblem(t, a2, bad, "", "dora is not a custodian of the binder")
	p2 := copyAs(t, tm.priya, tm.priya.id)
	bad = forgeEntry(t, p2, tm.priya.id, &escrow.Entry{Action: escrow.ActionMember, Subject: "add member eve (manager)"}, heads(p2), time.Now())
	expectProblem(t, p2, bad, "", "no roster change in the same commit")
	d2 := copyAs(t, tm.priya, tm.dora.id)
	bad = forgeEntry(t, d2, tm.dora.id, &escrow.Entry{Action: escrow.ActionApprovePlan, Subject: NewID() + " " + strings.Repeat("a", 64)}, heads(d2), time.Now())
	expectProblem(t, d2, bad, "", "who is not a manager")
}

// Two copies each rotating while apart give two generations of one
// number: every reader counts the same one, every time.
func TestTwoGenerationsOfOneNumberReadTheSame(t *testing.T) {
	ctx := context.Background()
	tm := newTeam(t)
	if _, err := tm.priya.PutSecret(ctx, SecretSpec{Name: "k", Custodians: []string{"ana", "ben", "chen"}, Threshold: 2}, []byte("v1")); err != nil {
		t.Fatal(err)
	}
	syncFrom(t, tm.ana, tm.priya)
	if _, err := tm.priya.RotateSecret(ctx, "k", SecretSpec{Custodians: []string{"ana", "ben"}, Threshold: 2}, []byte("v2 by priya")); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.ana.RotateSecret(ctx, "k", SecretSpec{}, []byte("v2 by ana")); err != nil {
		t.Fatal(err)
	}
	syncFrom(t, tm.priya, tm.ana)
	mustVerify(t, tm.priya.Dir())
	first, _ := tm.priya.SecretByName(ctx, "k")
	for range 30 {
		s, _ := tm.priya.SecretByName(ctx, "k")
		if strings.Join(s.Custodians, ",") != strings.Join(first.Custodians, ",") {
			t.Fatalf("generation 2 reads as %v, then %v", first.Custodians, s.Custodians)
		}
	}
}

// One custodian approving with junk does not stop the others' approvals
// from opening the secret; the junk is named.
func TestABadShareDoesNotBlockOpening(t *testing.T) {
	ctx := context.Background()
	tm := newTeam(t)
	if _, err := tm.priya.PutSecret(ctx, SecretSpec{Name: "k", Custodians: []string{"ana", "ben", "chen"}, Threshold: 2}, []byte("v1")); err != nil {
		t.Fatal(err)
	}
	syncFrom(t, tm.dora, tm.priya)
	req, err := tm.dora.RequestSecret(ctx, "k", "why")
	if err != nil {
		t.Fatal(err)
	}
	syncFrom(t, tm.chen, tm.dora)
	chain, _ := tm.chen.Chain(ctx)
	junk, _ := bcrypto.Encrypt([]byte("not a share"), tm.dora.id.Recipient())
	forgeEntry(t, tm.chen, tm.chen.id, &escrow.Entry{Action: escrow.ActionApprove, Secret: req.Secret, Generation: 1, Request: req.ID, For: "dora", Data: junk},
		[]string{chain.HashOf(req.ID)}, req.Time)
	syncFrom(t, tm.dora, tm.chen)
	if _, err := tm.dora.OpenSecret(ctx, "k"); err == nil || !strings.Contains(err.Error(), "refused as corrupted or forged: chen's") {
		t.Fatalf("opening with chen's junk alone: %v", err)
	}
	clock = func() time.Time { return time.Now().Add(time.Hour) }
	defer func() { clock = time.Now }()
	for _, c := range []*Binder{tm.ana, tm.ben} {
		syncFrom(t, c, tm.dora)
		if _, err := c.ApproveRequest(ctx, req.ID); err != nil {
			t.Fatal(err)
		}
		syncFrom(t, tm.dora, c)
	}
	if v, err := tm.dora.OpenSecret(ctx, "k"); err != nil || string(v) != "v1" {
		t.Fatalf("opening with ana's and ben's approvals: %q %v", v, err)
	}
}

// A member who opened a secret on a copy apart, and was removed
// meanwhile: the opening stays in the audit, and the secret is due.
func TestARemovedMembersOpeningStays(t *testing.T) {
	ctx := context.Background()
	tm := newTeam(t)
	if _, err := tm.priya.PutSecret(ctx, SecretSpec{Name: "k", Custodians: []string{"ana", "ben", "chen"}, Threshold: 2}, []byte("v1")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Binder{tm.ana, tm.ben, tm.dora} {
		syncFrom(t, c, tm.priya)
	}
	req, err := tm.dora.RequestSecret(ctx, "k", "why")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Binder{tm.ana, tm.ben} {
		syncFrom(t, c, tm.dora)
		if _, err := c.ApproveRequest(ctx, req.ID); err != nil {
			t.Fatal(err)
		}
		syncFrom(t, tm.dora, c)
	}
	if _, err := tm.dora.OpenSecret(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	syncFrom(t, tm.ben, tm.dora)
	if _, err := tm.priya.ChangeMembers(ctx, MemberChange{Op: MemberRemove, Handle: "dora"}, true); err != nil {
		t.Fatal(err)
	}
	syncFrom(t, tm.priya, tm.ben)
	mustVerify(t, tm.priya.Dir())
	s, _ := tm.priya.SecretByName(ctx, "k")
	if !strings.Contains(strings.Join(s.Rotate, ";"), "opened by dora") {
		t.Fatalf("the office does not see dora's opening: %q", s.Rotate)
	}
}

// A record whose envelope's kind is not its plaintext's: shown as
// damaged, never a reason to refuse the binder; it can be deleted, and the
// roster changed after.
func TestARecordOfTwoKindsCanBeDeleted(t *testing.T) {
	ctx := context.Background()
	tm := newTeam(t)
	syncFrom(t, tm.dora, tm.priya)
	rec := &Record{ID: NewID(), Kind: "contact", Title: "x", Fields: map[string]any{}, Rev: 1, Updated: time.Now().UTC().Truncate(time.Second)}
	plain, _ := rec.Marshal()
	rs, _ := tm.dora.Roster().Recipients([]string{roster.AudienceAll})
	ct, _ := bcrypto.Encrypt(plain, rs...)
	members, _ := tm.dora.Roster().Audience([]string{"all"})
	aud := []string{"all"}
	for _, m := range members {
		aud = append(aud, m.Handle)
	}
	env := &Envelope{ID: rec.ID, Kind: "note", Rev: 1, Ciphertext: hashHex(ct), Audience: aud, Time: time.Now().UTC().Truncate(time.Second)}
	env.sign(tm.dora.id)
	agePath, envPath := recordPath(rec.ID)
	forge(t, tm.dora, tm.dora.id, trailer(rec.ID, 1, "add"), map[string][]byte{agePath: ct, envPath: env.Marshal()})
	if _, err := tm.priya.Integrate(ctx, fetch(t, tm.priya, tm.dora), "dora", nil); err != nil {
		t.Fatalf("sync refuses the binder over one damaged record: %v", err)
	}
	if _, err := tm.priya.Get(ctx, rec.ID); KindOf(err) != CannotDecrypt {
		t.Fatalf("the damaged record reads: %v", err)
	}
	if _, err := tm.priya.ChangeMembers(ctx, MemberChange{Op: MemberRemove, Handle: "dora"}, true); err == nil {
		t.Fatal("the removal re-encrypted a record it cannot read")
	}
	if err := tm.priya.Delete(ctx, rec.ID); err != nil {
		t.Fatalf("deleting the damaged record: %v", err)
	}
	if _, err := tm.priya.ChangeMembers(ctx, MemberChange{Op: MemberRemove, Handle: "dora"}, true); err != nil {
		t.Fatalf("removing dora after: %v", err)
	}
	mustVerify(t, tm.priya.Dir())
}

// A hand-written merge that takes the roster removing ana but keeps,
// whole, a record its author wrote for the old roster (still encrypted to
// ana) is refused.
func TestAttackMergeKeepingAStaleAudienceIsRefused(t *testing.T) {
	ctx := context.Background()
	a, _ := newTestBinder(t)
	sam := newMember(t, a, "sam", roster.RoleResponder)
	newMember(t, a, "ana", roster.RoleResponder)
	s := copyAs(t, a, sam)
	r := mustAdd(t, s, &Record{Kind: "note", Title: "for the team"})
	if _, err := a.ChangeMembers(ctx, MemberChange{Op: MemberRemove, Handle: "ana"}, true); err != nil {
		t.Fatal(err)
	}
	theirs := plumbing.NewHash(fetch(t, s, a))
	tt, _ := s.treeOf(theirs)
	stip, _ := s.git.Head()
	st, _ := s.treeOf(stip)
	side, _ := s.sideAt(st, r.ID)
	agePath, envPath := recordPath(r.ID)
	tree, err := s.git.ApplyTree(tt, map[string]plumbing.Hash{agePath: side.age, envPath: side.env})
	if err != nil {
		t.Fatal(err)
	}
	bad := commitAs(t, s, sam, "sam", tree, []plumbing.Hash{theirs}, "gobag: merge\n")
	expectProblem(t, s, bad, r.ID, "not re-encrypted when the roster changed")
	if _, err := a.Integrate(ctx, fetch(t, a, s), "sam", nil); KindOf(err) != BadSignature {
		t.Fatalf("the office takes the merge: %v", err)
	}
}
