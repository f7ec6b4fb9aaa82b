package binder

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"gobag/binder/escrow"
	"gobag/binder/roster"
	bcrypto "gobag/crypto"
)

// A binder with a secret and a request, and the members' identities.
func auditFixture(t *testing.T) (*Binder, *bcrypto.Identity, *escrow.Entry) {
	t.Helper()
	ctx := context.Background()
	a, priya := newTestBinder(t)
	for _, h := range []string{"ana", "ben"} {
		newMember(t, a, h, roster.RoleCustodian)
	}
	if _, err := a.PutSecret(ctx, SecretSpec{Name: "k", Custodians: []string{"ana", "ben"}, Threshold: 2}, []byte("v")); err != nil {
		t.Fatal(err)
	}
	req, err := a.RequestSecret(ctx, "k", "test")
	if err != nil {
		t.Fatal(err)
	}
	return a, priya, req
}

// signedEntry completes e as signer would, following prev, and returns
// its file.
func signedEntry(signer *bcrypto.Identity, e *escrow.Entry, prev []string, seq int, at time.Time) []byte {
	e.ID, e.Prev, e.Seq, e.Time = NewID(), prev, seq, at.UTC().Truncate(time.Second)
	e.Sign(signer)
	return e.Marshal()
}

// Verify finds an audit entry removed, altered, reordered, out of turn or
// against its action's rules, even when whoever wrote the commit holds a
// member's valid keys.
func TestVerifyHoldsTheAuditChain(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		write func(t *testing.T, a *Binder, priya *bcrypto.Identity, req *escrow.Entry) string // returns the problem expected
	}{
		{"an entry removed", func(t *testing.T, a *Binder, priya *bcrypto.Identity, req *escrow.Entry) string {
			forge(t, a, priya, "gobag: x\n", map[string][]byte{auditPath(req.ID): nil})
			return "removed: the audit chain is append-only"
		}},
		{"an entry altered", func(t *testing.T, a *Binder, priya *bcrypto.Identity, req *escrow.Entry) string {
			file := readAt(t, a, auditPath(req.ID))
			forge(t, a, priya, "gobag: x\n", map[string][]byte{auditPath(req.ID): bytes.Replace(file, []byte("seq: "), []byte("seq: 1"), 1)})
			return "changed: the audit chain is append-only"
		}},
		{"an entry following one that is not there", func(t *testing.T, a *Binder, priya *bcrypto.Identity, req *escrow.Entry) string {
			chain, _ := a.Chain(ctx)
			prev := append(chain.Heads(), escrow.Hash([]byte("a dropped entry")))
			e := &escrow.Entry{Action: escrow.ActionMember, Subject: "x"}
			file := signedEntry(priya, e, slices.Sorted(slices.Values(prev)), chain.NextSeq(chain.Heads()), time.Now())
			forge(t, a, priya, "gobag: x\n\nAudit: "+e.ID+" member\n", map[string][]byte{auditPath(e.ID): file})
			return "follows an entry that is not there"
		}},
		{"an entry out of order", func(t *testing.T, a *Binder, priya *bcrypto.Identity, req *escrow.Entry) string {
			chain, _ := a.Chain(ctx)
			e := &escrow.Entry{Action: escrow.ActionMember, Subject: "x"}
			file := signedEntry(priya, e, chain.Heads(), chain.NextSeq(chain.Heads()), time.Now().Add(-48*time.Hour))
			forge(t, a, priya, "gobag: x\n\nAudit: "+e.ID+" member\n", map[string][]byte{auditPath(e.ID): file})
			return "is dated before entry"
		}},
		{"an entry leaving out the newest", func(t *testing.T, a *Binder, priya *bcrypto.Identity, req *escrow.Entry) string {
			chain, _ := a.Chain(ctx)
			var older []string
			for _, h := range chain.Heads() {
				if h != chain.HashOf(req.ID) {
					older = append(older, h)
				}
			}
			e := &escrow.Entry{Action: escrow.ActionMember, Subject: "x"}
			file := signedEntry(priya, e, older, chain.NextSeq(older), time.Now())
			forge(t, a, priya, "gobag: x\n\nAudit: "+e.ID+" member\n", map[string][]byte{auditPath(e.ID): file})
			return "does not follow every entry before it"
		}},
		{"an approval by a member who is not a custodian", func(t *testing.T, a *Binder, priya *bcrypto.Identity, req *escrow.Entry) string {
			chain, _ := a.Chain(ctx)
			prev := []string{chain.HashOf(req.ID)}
			e := &escrow.Entry{Action: escrow.ActionApprove, Secret: req.Secret, Generation: req.Generation, Request: req.ID, For: "priya", Data: []byte("x")}
			file := signedEntry(priya, e, prev, chain.NextSeq(prev), time.Now())
			forge(t, a, priya, "gobag: x\n\nAudit: "+e.ID+" approve\n", map[string][]byte{auditPath(e.ID): file})
			return "priya is not a custodian"
		}},
		{"an entry by someone who is not a member", func(t *testing.T, a *Binder, priya *bcrypto.Identity, req *escrow.Entry) string {
			eve, _ := bcrypto.NewIdentity("eve")
			chain, _ := a.Chain(ctx)
			e := &escrow.Entry{Action: escrow.ActionMember, Subject: "x"}
			file := signedEntry(eve, e, chain.Heads(), chain.NextSeq(chain.Heads()), time.Now())
			forge(t, a, priya, "gobag: x\n\nAudit: "+e.ID+" member\n", map[string][]byte{auditPath(e.ID): file})
			return "by eve, who is not a member"
		}},
		{"an entry the commit message does not name", func(t *testing.T, a *Binder, priya *bcrypto.Identity, req *escrow.Entry) string {
			chain, _ := a.Chain(ctx)
			e := &escrow.Entry{Action: escrow.ActionMember, Subject: "x"}
			file := signedEntry(priya, e, chain.Heads(), chain.NextSeq(chain.Heads()), time.Now())
			forge(t, a, priya, "gobag: x\n", map[string][]byte{auditPath(e.ID): file})
			return "commit message names audit entries"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, priya, req := auditFixture(t)
			mustVerify(t, a.Dir())
			want := c.write(t, a, priya, req)
			tip, _ := a.git.Head()
			expectProblem(t, a, tip, "", want)
		})
	}
}
