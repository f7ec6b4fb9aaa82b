package binder

import (
	"fmt"
	"gobag/binder/internal/gitstore"
	"gobag/binder/roster"
	"os"
	"runtime/debug"

	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	bcrypto "gobag/crypto"
)

// forge writes a commit on top of the binder's tip with the given file
// changes (nil data removes a file), signed by signer (unsigned if nil),
// bypassing every check a Binder makes.
func forge(t *testing.T, b *Binder, signer *bcrypto.Identity, msg string, files map[string][]byte) plumbing.Hash {
	t.Helper()
	g := b.git
	tip, err := g.Head()
	if err != nil {
		t.Fatal(err)
	}
	parent, err := g.ReadCommit(tip)
	if err != nil {
		t.Fatal(err)
	}
	changes := map[string]plumbing.Hash{}
	for p, data := range files {
		if data == nil {
			changes[p] = plumbing.ZeroHash
			continue
		}
		h, err := g.PutBlob(data)
		if err != nil {
			t.Fatal(err)
		}
		changes[p] = h
	}
	tree, err := g.ApplyTree(parent.TreeHash, changes)
	if err != nil {
		t.Fatal(err)
	}
	var c plumbing.Hash
	if signer != nil {
		c, err = writeCommit(g, tree, []plumbing.Hash{tip}, signer, msg, time.Now())
		if err != nil {
			t.Fatal(err)
		}
	} else {
		// git's own commit-tree writes an unsigned commit.
		out := gitCmd(t, b.Dir(), "commit-tree", tree.String(), "-p", tip.String(), "-m", msg)
		c = plumbing.NewHash(strings.TrimSpace(out))
	}
	if err := g.SetHead(tip, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func readAt(t *testing.T, b *Binder, p string) []byte {
	t.Helper()
	tip, _ := b.git.Head()
	c, _ := b.git.ReadCommit(tip)
	data, ok, err := b.git.ReadFile(c.TreeHash, p)
	if err != nil || !ok {
		t.Fatalf("read %s: %v", p, err)
	}
	return data
}

func expectProblem(t *testing.T, b *Binder, bad plumbing.Hash, record, reason string) {
	t.Helper()
	rep, err := Verify(context.Background(), b.Dir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		if p.Commit == bad.String() && p.Record == record && strings.Contains(p.Reason, reason) {
			return
		}
	}
	t.Fatalf("got problems %v; want %q on commit %s record %q", rep.Problems, reason, bad, record)
}

func TestVerifyRejectsTampering(t *testing.T) {
	ctx := context.Background()
	outsider, err := bcrypto.NewIdentity("mallory")
	if err != nil {
		t.Fatal(err)
	}

	setup := func(t *testing.T) (*Binder, *bcrypto.Identity, *Record) {
		b, id := newTestBinder(t)
		r, err := b.Add(ctx, &Record{Kind: "contact", Title: "Priya", Fields: map[string]any{"location": "HQ"}})
		if err != nil {
			t.Fatal(err)
		}
		r.Title = "Priya R."
		if r, err = b.Update(ctx, r); err != nil {
			t.Fatal(err)
		}
		if rep, err := Verify(ctx, b.Dir(), nil); err != nil || !rep.OK() {
			t.Fatalf("clean binder: %+v %v", rep, err)
		}
		return b, id, r
	}

	t.Run("unsigned commit", func(t *testing.T) {
		b, _, r := setup(t)
		agePath, _ := recordPath(r.ID)
		bad := forge(t, b, nil, "x", map[string][]byte{"notes.txt": []byte("x"), agePath: readAt(t, b, agePath)})
		expectProblem(t, b, bad, "", "commit is not signed")
	})
	t.Run("commit signed by a non-member", func(t *testing.T) {
		b, _, _ := setup(t)
		bad := forge(t, b, outsider, "tamper\n", map[string][]byte{"README.md": []byte("rewritten")})
		expectProblem(t, b, bad, "", "not a member's")
	})
	t.Run("ciphertext does not match its envelope", func(t *testing.T) {
		b, id, r := setup(t)
		agePath, envPath := recordPath(r.ID)
		prev := readAt(t, b, envPath)
		env, _ := ParseEnvelope(prev)
		other, _ := bcrypto.Encrypt([]byte("substituted"), id.Recipient())
		env.Rev, env.Prev, env.Ciphertext = 3, hashHex(prev), hashHex([]byte("something else"))
		env.sign(id)
		bad := forge(t, b, id, trailer(r.ID, 3, "edit"), map[string][]byte{agePath: other, envPath: env.Marshal()})
		expectProblem(t, b, bad, r.ID, "ciphertext does not match its envelope")
	})
	t.Run("bit flip in a ciphertext", func(t *testing.T) {
		b, id, r := setup(t)
		agePath, _ := recordPath(r.ID)
		ct := readAt(t, b, agePath)
		flipped := append([]byte(nil), ct...)
		flipped[len(flipped)-20] ^= 0x01
		bad := forge(t, b, id, trailer(r.ID, 2, "edit"), map[string][]byte{agePath: flipped})
		expectProblem(t, b, bad, r.ID, "ciphertext does not match its envelope")
	})
	t.Run("revision goes backwards", func(t *testing.T) {
		b, id, r := setup(t)
		agePath, envPath := recordPath(r.ID)
		prev := readAt(t, b, envPath)
		ct, _ := bcrypto.Encrypt([]byte("old"), id.Recipient())
		env := &Envelope{ID: r.ID, Rev: 1, Prev: hashHex(prev), Ciphertext: hashHex(ct), Audience: []string{"all"}, Time: time.Now()}
		env.sign(id)
		bad := forge(t, b, id, trailer(r.ID, 1, "edit"), map[string][]byte{agePath: ct, envPath: env.Marshal()})
		expectProblem(t, b, bad, r.ID, "revision goes backwards from 2 to 1")
	})
	t.Run("deleted without a tombstone", func(t *testing.T) {
		b, id, r := setup(t)
		agePath, envPath := recordPath(r.ID)
		bad := forge(t, b, id, trailer(r.ID, 3, "delete"), map[string][]byte{agePath: nil, envPath: nil})
		expectProblem(t, b, bad, r.ID, "deleted without a tombstone")
	})
	t.Run("roster change not signed by a manager", func(t *testing.T) {
		b, _, _ := setup(t)
		sam, err := bcrypto.NewIdentity("sam")
		if err != nil {
			t.Fatal(err)
		}
		// A valid change first: the manager adds sam as a responder.
		good, err := b.ChangeMembers(ctx, MemberChange{Op: MemberAdd, Card: sam.Card(), Roles: []string{roster.RoleResponder}}, true)
		if err != nil {
			t.Fatal(err)
		}
		if rep, _ := Verify(ctx, b.Dir(), nil); !rep.OK() {
			t.Fatalf("manager's roster change rejected: %v (commit %s)", rep.Problems, good.Commit)
		}
		raw2 := readAt(t, b, pathRoster)
		// Then sam, a responder, makes himself a manager.
		eve, err := bcrypto.NewIdentity("eve")
		if err != nil {
			t.Fatal(err)
		}
		r3 := addMember(t, mustParse(t, raw2), raw2, eve, roster.RoleManager)
		raw3, _ := r3.Marshal()
		bad := forge(t, b, sam, "gobag: roster\n\nRoster: serial 3\n", map[string][]byte{
			pathRoster: raw3, pathRosterSig: roster.Sign(raw3, sam), pathAllowedSigners: mustParse(t, raw3).AllowedSigners(),
		})
		expectProblem(t, b, bad, "", "not a manager")
	})
	t.Run("log must match the changes", func(t *testing.T) {
		b, id, r := setup(t)
		agePath, envPath := recordPath(r.ID)
		prev := readAt(t, b, envPath)
		ct, _ := bcrypto.Encrypt([]byte("x"), id.Recipient())
		env := &Envelope{ID: r.ID, Rev: 3, Prev: hashHex(prev), Ciphertext: hashHex(ct), Audience: []string{"all"}, Time: time.Now()}
		env.sign(id)
		bad := forge(t, b, id, "harmless\n", map[string][]byte{agePath: ct, envPath: env.Marshal()})
		expectProblem(t, b, bad, "", "commit message names records")
	})
}

func addMember(t *testing.T, r *roster.Roster, raw []byte, who *bcrypto.Identity, role string) *roster.Roster {
	t.Helper()
	n := *r
	n.Members = append(append([]roster.Member(nil), r.Members...), roster.Member{Handle: who.Handle, Recipient: who.Recipient().String(),
		SigningKey: who.SigningKey().String(), Roles: []string{role}, Since: time.Now().UTC().Truncate(time.Second)})
	n.Serial = r.Serial + 1
	n.Previous = bcrypto.Fingerprint(raw)
	return &n
}

func mustParse(t *testing.T, raw []byte) *roster.Roster {
	t.Helper()
	r, err := roster.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// commitAs writes a commit on the tip with tree and extra parents, signed
// by signer but naming author as its author.
func commitAs(t *testing.T, b *Binder, signer *bcrypto.Identity, author string, tree plumbing.Hash, extra []plumbing.Hash, msg string) plumbing.Hash {
	t.Helper()
	return commitAt(t, b, signer, author, tree, extra, msg, time.Time{})
}

// commitAt is commitAs with the commit's time (zero: after its parents').
func commitAt(t *testing.T, b *Binder, signer *bcrypto.Identity, author string, tree plumbing.Hash, extra []plumbing.Hash, msg string, when time.Time) plumbing.Hash {
	t.Helper()
	tip, _ := b.git.Head()
	parents := append([]plumbing.Hash{tip}, extra...)
	if when.IsZero() {
		when = time.Now()
		for _, p := range parents {
			if pc, err := b.git.ReadCommit(p); err == nil && !when.After(pc.Committer.When) {
				when = pc.Committer.When.Add(time.Second)
			}
		}
	}
	sig := object.Signature{Name: author, Email: author + "@gobag", When: when}
	c := &object.Commit{Author: sig, Committer: sig, Message: msg, TreeHash: tree, ParentHashes: parents}
	unsigned := &plumbing.MemoryObject{}
	c.EncodeWithoutSignature(unsigned)
	r, _ := unsigned.Reader()
	payload, _ := io.ReadAll(r)
	armored, _ := signer.SignSSH(bcrypto.GitNamespace, payload)
	c.PGPSignature = string(armored)
	o := &plumbing.MemoryObject{}
	if err := c.Encode(o); err != nil {
		t.Fatal(err)
	}
	rd, _ := o.Reader()
	data, _ := io.ReadAll(rd)
	h, err := b.git.PutObject(plumbing.CommitObject, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.git.SetHead(tip, h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestVerifyRejectsForgedHistoryShapes(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*Binder, *bcrypto.Identity, *Record, plumbing.Hash) {
		b, id := newTestBinder(t)
		first, _ := b.git.Head()
		r, err := b.Add(ctx, &Record{Kind: "contact", Title: "Priya"})
		if err != nil {
			t.Fatal(err)
		}
		return b, id, r, first
	}
	tipTree := func(b *Binder) plumbing.Hash {
		tip, _ := b.git.Head()
		c, _ := b.git.ReadCommit(tip)
		return c.TreeHash
	}
	t.Run("merge that drops a record", func(t *testing.T) {
		b, id, r, first := setup(t)
		fc, _ := b.git.ReadCommit(first)
		bad := commitAs(t, b, id, id.Handle, fc.TreeHash, []plumbing.Hash{first}, "merge\n")
		expectProblem(t, b, bad, r.ID, "record deleted without a tombstone")
	})
	t.Run("a second root", func(t *testing.T) {
		b, id, _, _ := setup(t)
		other, err := bcrypto.NewIdentity("eve")
		if err != nil {
			t.Fatal(err)
		}
		ob, err := Create(ctx, filepath.Join(t.TempDir(), "other"), other, "Other")
		if err != nil {
			t.Fatal(err)
		}
		ob.Close()
		out := gitCmd(t, b.Dir(), "fetch", "-q", ob.Dir(), "main:refs/heads/other")
		_ = out
		otherTip := plumbing.NewHash(strings.TrimSpace(gitCmd(t, b.Dir(), "rev-parse", "refs/heads/other")))
		bad := commitAs(t, b, id, id.Handle, tipTree(b), []plumbing.Hash{otherTip}, "merge\n")
		rep, _ := Verify(ctx, b.Dir(), nil)
		if rep.OK() || rep.Fingerprint != b.Fingerprint() {
			t.Fatalf("got %v, fingerprint %s; want problems and the real fingerprint %s (commit %s)", rep.Problems, rep.Fingerprint, b.Fingerprint(), bad)
		}
	})
	t.Run("roster signature replaced", func(t *testing.T) {
		b, id, _, _ := setup(t)
		bad := forge(t, b, id, "x\n", map[string][]byte{pathRosterSig: []byte("gobag-roster-signature 1\ngarbage\n")})
		expectProblem(t, b, bad, "", "roster signature rejected")
	})
	t.Run("commit time before its parent's", func(t *testing.T) {
		b, id, _, _ := setup(t)
		tip, _ := b.git.Head()
		c, _ := b.git.ReadCommit(tip)
		bad := commitAt(t, b, id, id.Handle, c.TreeHash, nil, "harmless\n", c.Committer.When.Add(-time.Hour))
		expectProblem(t, b, bad, "", "is not after its parent's")
	})
	t.Run("author is not the signer", func(t *testing.T) {
		b, id, _, _ := setup(t)
		tip, _ := b.git.Head()
		c, _ := b.git.ReadCommit(tip)
		bad := commitAs(t, b, id, "sam", c.TreeHash, nil, "harmless\n")
		expectProblem(t, b, bad, "", "signed by priya")
	})
	t.Run("commit message misreports the action", func(t *testing.T) {
		b, id, r, _ := setup(t)
		agePath, envPath := recordPath(r.ID)
		prev := readAt(t, b, envPath)
		ct, _ := bcrypto.Encrypt([]byte("x"), id.Recipient())
		env := &Envelope{ID: r.ID, Rev: 2, Prev: hashHex(prev), Ciphertext: hashHex(ct), Audience: []string{"all"}, Time: time.Now()}
		env.sign(id)
		bad := forge(t, b, id, "x\n\nRecord: "+r.ID+" rev 2 delete\n", map[string][]byte{agePath: ct, envPath: env.Marshal()})
		expectProblem(t, b, bad, r.ID, "the envelope says 2 edit")
	})
	t.Run("envelope not in canonical form", func(t *testing.T) {
		if _, err := ParseEnvelope([]byte("gobag-envelope 1\nid: x\nrev: 01\n")); err == nil {
			t.Fatal("accepted")
		}
		b, id, r, _ := setup(t)
		_ = id
		_, envPath := recordPath(r.ID)
		data := readAt(t, b, envPath)
		e, err := ParseEnvelope(data)
		if err != nil {
			t.Fatal(err)
		}
		loose := strings.Replace(string(data), "rev: 1\n", "rev: 01\n", 1)
		if _, err := ParseEnvelope([]byte(loose)); err == nil || e.Rev != 1 {
			t.Fatalf("non-canonical rev accepted: %v", err)
		}
	})
}

// Opening a binder whose branch was moved outside gobag to an unverifiable
// commit is refused; the index is not updated from it.
func TestOpenRefusesTamperedTip(t *testing.T) {
	ctx := context.Background()
	b, id := newTestBinder(t)
	r, err := b.Add(ctx, &Record{Kind: "note", Title: "before"})
	if err != nil {
		t.Fatal(err)
	}
	agePath, _ := recordPath(r.ID)
	forge(t, b, nil, "x", map[string][]byte{"notes.txt": []byte("x"), agePath: readAt(t, b, agePath)})
	dir := b.Dir()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, dir, id)
	if KindOf(err) != BadSignature || !strings.Contains(err.Error(), "changed outside gobag") {
		t.Fatalf("got %v; want a BadSignature refusal", err)
	}
}

// A client that skips the save path's rules cannot rewrite or delete an
// append-only record: its first version is sealed, and verify refuses
// any version after it, however well signed.
func TestVerifyRefusesRewrittenAppendOnlyRecord(t *testing.T) {
	for _, action := range []string{"edit", "delete"} {
		t.Run(action, func(t *testing.T) {
			b, id := newTestBinder(t)
			inc := mustAdd(t, b, &Record{Kind: "incident", Title: "Power cut"})
			entry := mustAdd(t, b, &Record{Kind: "timeline", Title: "generator started", Fields: map[string]any{"incident": inc.ID, "at": "2026-11-27T08:40:00Z"}})
			agePath, envPath := recordPath(entry.ID)
			first := readAt(t, b, envPath)
			pe, err := ParseEnvelope(first)
			if err != nil || !pe.Sealed {
				t.Fatalf("the first version of an append-only record is not sealed: %+v %v", pe, err)
			}
			// A signed second version, as a modified client would write it.
			env := &Envelope{ID: entry.ID, Rev: 2, Prev: hashHex(first), Audience: pe.Audience, Time: time.Now().UTC().Truncate(time.Second)}
			files := map[string][]byte{}
			if action == "edit" {
				forged := entry.Clone()
				forged.Title, forged.Rev = "generator never started", 2
				plain, err := forged.Marshal()
				if err != nil {
					t.Fatal(err)
				}
				ct, err := bcrypto.Encrypt(plain, id.Recipient())
				if err != nil {
					t.Fatal(err)
				}
				env.Ciphertext, files[agePath] = hashHex(ct), ct
			} else {
				env.Deleted, files[agePath] = true, nil
			}
			env.sign(id)
			files[envPath] = env.Marshal()
			bad := forge(t, b, id, "gobag: "+action+" 1 record\n\nRecord: "+entry.ID+" rev 2 "+action+"\n", files)
			expectProblem(t, b, bad, entry.ID, "append-only")
		})
	}
}

// forgeVersion writes, as a modified client would, the next version of
// rec (rev 1 if prev is nil), sealed or not, as a signed commit.
func forgeVersion(t *testing.T, b *Binder, id *bcrypto.Identity, rec *Record, prev []byte, sealed bool) []byte {
	t.Helper()
	agePath, envPath := recordPath(rec.ID)
	env := &Envelope{ID: rec.ID, Rev: 1, Audience: []string{"all", id.Handle}, Time: time.Now().UTC().Truncate(time.Second), Sealed: sealed}
	if prev != nil {
		pe, err := ParseEnvelope(prev)
		if err != nil {
			t.Fatal(err)
		}
		env.Rev, env.Prev = pe.Rev+1, hashHex(prev)
	}
	rec.Rev = env.Rev
	plain, err := rec.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ct, err := bcrypto.Encrypt(plain, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	env.Ciphertext = hashHex(ct)
	env.sign(id)
	action := "add"
	if prev != nil {
		action = "edit"
	}
	forge(t, b, id, fmt.Sprintf("gobag: %s 1 record\n\nRecord: %s rev %d %s\n", action, rec.ID, env.Rev, action), map[string][]byte{agePath: ct, envPath: env.Marshal()})
	return env.Marshal()
}

// What verify cannot see in a binder written before format 4 (a
// record's kind was only in its ciphertext), the readers check when they
// decrypt: an append-only entry a modified client left unsealed and then
// rewrote is refused, and so is a sealed record of a kind that is not
// append-only (which would stop every honest edit). From format 4 the
// envelope names the kind, and verify refuses both itself
// (TestVerifyHoldsKinds).
func TestReadersHoldAppendOnlyToItsKind(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		write func(t *testing.T, b *Binder, id *bcrypto.Identity)
		want  string
	}{
		{"unsealed entry rewritten", func(t *testing.T, b *Binder, id *bcrypto.Identity) {
			e := &Record{ID: NewID(), Kind: "timeline", Title: "generator started"}
			first := forgeVersion(t, b, id, e, nil, false)
			e.Title = "generator never started"
			forgeVersion(t, b, id, e, first, false)
		}, "append-only, but this is its rev 2"},
		{"sealed plan", func(t *testing.T, b *Binder, id *bcrypto.Identity) {
			forgeVersion(t, b, id, &Record{ID: NewID(), Kind: "plan", Title: "Locked plan"}, nil, true)
		}, "sealed as append-only, but a plan is not"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, id := newTestBinderOfFormat(t, "gobag-binder 3\n")
			dir := b.Dir()
			c.write(t, b, id)
			if rep, err := Verify(ctx, dir, nil); err != nil || !rep.OK() {
				t.Fatalf("verify (which cannot see kinds before format 4): %v %v", rep, err)
			}
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			// The branch moved outside this process: opening reads the
			// changed records, and refuses.
			_, err := Open(ctx, dir, id)
			if KindOf(err) != BadSignature || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("open: got %v; want a bad-signature error saying %q", err, c.want)
			}
		})
	}
}

// A tombstone over an append-only entry that was left unsealed is
// refused when it arrives, as the index knows what it deletes.
func TestReadersRefuseDeletedAppendOnlyEntry(t *testing.T) {
	ctx := context.Background()
	b, id := newTestBinderOfFormat(t, "gobag-binder 3\n")
	dir := b.Dir()
	e := &Record{ID: NewID(), Kind: "timeline", Title: "generator started"}
	first := forgeVersion(t, b, id, e, nil, false)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b2, err := Open(ctx, dir, id)
	if err != nil {
		t.Fatalf("an unsealed first entry (as before format 3) is read: %v", err)
	}
	agePath, envPath := recordPath(e.ID)
	tomb := &Envelope{ID: e.ID, Rev: 2, Prev: hashHex(first), Audience: []string{"all", id.Handle}, Time: time.Now().UTC().Truncate(time.Second), Deleted: true}
	tomb.sign(id)
	forge(t, b2, id, "gobag: delete 1 record\n\nRecord: "+e.ID+" rev 2 delete\n", map[string][]byte{agePath: nil, envPath: tomb.Marshal()})
	if err := b2.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, dir, id)
	if KindOf(err) != BadSignature || !strings.Contains(err.Error(), "rev 2 deletes it") {
		t.Fatalf("open: got %v; want the deleted entry refused", err)
	}
}

// A commit whose root tree names .gobag twice, the first with a forged
// roster that adds an outsider as a manager: verify and the readers
// read trees the one same way, and both refuse it (before, verify took
// the last entry, the readers the first).
func TestTreeWithADuplicateNameIsRefused(t *testing.T) {
	ctx := context.Background()
	for _, dup := range []string{".gobag", "records"} {
		t.Run(dup, func(t *testing.T) {
			b, id := newTestBinder(t)
			mustAdd(t, b, &Record{Kind: "note", Title: "kept"})
			tip, entries := tipTree(t, b)
			// The forged twin: for .gobag, a roster that adds an outsider
			// as manager; for records, an empty shard tree (a rollback).
			var twin plumbing.Hash
			switch dup {
			case ".gobag":
				eve, err := bcrypto.NewIdentity("eve")
				if err != nil {
					t.Fatal(err)
				}
				forged := addMember(t, b.Roster(), readAt(t, b, pathRoster), eve, roster.RoleManager)
				raw, err := forged.Marshal()
				if err != nil {
					t.Fatal(err)
				}
				blob, err := b.git.PutBlob(raw)
				if err != nil {
					t.Fatal(err)
				}
				gobagTree := b.git.EntryHash(entries, ".gobag")
				if twin, err = b.git.ApplyTree(gobagTree, map[string]plumbing.Hash{"roster.toml": blob}); err != nil {
					t.Fatal(err)
				}
			case "records":
				blob, err := b.git.PutBlob([]byte("x"))
				if err != nil {
					t.Fatal(err)
				}
				if twin, err = b.git.ApplyTree(plumbing.ZeroHash, map[string]plumbing.Hash{"a/b/empty": blob}); err != nil {
					t.Fatal(err)
				}
			}
			var twins []gitstore.Entry
			for _, e := range entries {
				if string(e.Name) == dup {
					// The forged one first, as a reader would take it.
					twins = append(twins, gitstore.Entry{Name: []byte(dup), IsDir: true, Hash: twin})
				}
				twins = append(twins, e)
			}
			root, err := b.git.PutObject(plumbing.TreeObject, gitstore.RenderTree(twins))
			if err != nil {
				t.Fatal(err)
			}
			commit, err := writeCommit(b.git, root, []plumbing.Hash{tip}, id, "gobag: edit 1 record\n", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if err := b.git.SetHead(tip, commit); err != nil {
				t.Fatal(err)
			}
			dir := b.Dir()
			rep, err := Verify(ctx, dir, nil)
			if err == nil && rep.OK() {
				t.Fatal("verify accepted a tree that names " + dup + " twice")
			}
			if err != nil && KindOf(err) != BadSignature {
				t.Fatalf("verify: %v (kind %v); want a bad-signature refusal", err, KindOf(err))
			}
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := Open(ctx, dir, id); KindOf(err) != BadSignature {
				t.Fatalf("open: got %v; want a bad-signature refusal", err)
			}
		})
	}
}

// A roster that gives one signing key to two handles is refused by
// verify, every time (before, a map's order picked the member, and verify
// answered 0 or 6 from run to run).
func TestRosterWithASharedKeyIsRefused(t *testing.T) {
	b, id := newTestBinder(t)
	r2 := addMember(t, b.Roster(), readAt(t, b, pathRoster), id, roster.RoleResponder)
	r2.Members[1].Handle = "alias" // the same keys under another handle
	raw, err := r2.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	bad := forge(t, b, id, "gobag: roster\n\nRoster: serial 2\n", map[string][]byte{
		pathRoster: raw, pathRosterSig: roster.Sign(raw, id),
	})
	for range 5 {
		expectProblem(t, b, bad, "", "same signing key")
	}
}

// What makes stock git show something else than what gobag verified —
// replace refs, grafts, alternates, a HEAD on another branch — is warned
// about by verify, which itself still reads the branch as it is.
func TestVerifyWarnsOfWhatStockGitWouldReadInstead(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	r := mustAdd(t, b, &Record{Kind: "note", Title: "real"})
	dir := b.Dir()
	rep, err := Verify(ctx, dir, nil)
	if err != nil || !rep.OK() || len(rep.Warnings) != 0 {
		t.Fatalf("a plain binder: %+v %v", rep, err)
	}
	forged := strings.TrimSpace(gitCmd(t, dir, "hash-object", "-w", "--stdin", "--path", "x"))
	real := strings.TrimSpace(gitCmd(t, dir, "rev-parse", "main:"+r.Path))
	gitCmd(t, dir, "replace", real, forged)
	gitCmd(t, dir, "symbolic-ref", "HEAD", "refs/heads/other")
	if err := os.MkdirAll(filepath.Join(dir, "info"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "info", "grafts"), []byte(real+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err = Verify(ctx, dir, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify of the branch itself: %+v %v", rep, err)
	}
	all := strings.Join(rep.Warnings, "\n")
	for _, want := range []string{"HEAD is", "replace refs", "grafts"} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning about %s in %q", want, all)
		}
	}
}

// Trees nested far past the format's depth, planted by someone who can
// write the binder's directory (or signed by a member), are refused by
// verify and open at the bound instead of overflowing the stack. The
// stack is held small here so that a walk that recursed without bound
// would crash the test, as 3,000,000 levels crash an unbounded one.
func TestDeepTreeInTheBinderIsRefused(t *testing.T) {
	ctx := context.Background()
	b, id := newTestBinder(t)
	mustAdd(t, b, &Record{Kind: "note", Title: "kept"})
	tip, entries := tipTree(t, b)
	deep, err := b.git.PutBlob([]byte("deep"))
	if err != nil {
		t.Fatal(err)
	}
	isDir := false
	for range 20000 {
		if deep, err = b.git.PutObject(plumbing.TreeObject, gitstore.RenderTree([]gitstore.Entry{{Name: []byte("d"), Hash: deep, IsDir: isDir}})); err != nil {
			t.Fatal(err)
		}
		isDir = true
	}
	recs := b.git.EntryHash(entries, recordsDir)
	recEntries, err := b.git.Tree(recs)
	if err != nil {
		t.Fatal(err)
	}
	recEntries = append(recEntries, gitstore.Entry{Name: []byte("zz"), Hash: deep, IsDir: true})
	recs, err = b.git.PutObject(plumbing.TreeObject, gitstore.RenderTree(recEntries))
	if err != nil {
		t.Fatal(err)
	}
	for i := range entries {
		if string(entries[i].Name) == recordsDir {
			entries[i].Hash = recs
		}
	}
	root, err := b.git.PutObject(plumbing.TreeObject, gitstore.RenderTree(entries))
	if err != nil {
		t.Fatal(err)
	}
	commit, err := writeCommit(b.git, root, []plumbing.Hash{tip}, id, "gobag: edit 1 record\n", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.git.SetHead(tip, commit); err != nil {
		t.Fatal(err)
	}
	dir := b.Dir()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	defer debug.SetMaxStack(debug.SetMaxStack(8 << 20))
	rep, err := Verify(ctx, dir, nil)
	if err == nil && rep.OK() {
		t.Fatal("verify accepted trees 20,000 levels deep")
	}
	if err != nil && KindOf(err) != BadSignature {
		t.Fatalf("verify: %v (kind %v); want a refusal", err, KindOf(err))
	}
	if _, err := Open(ctx, dir, id); KindOf(err) != BadSignature {
		t.Fatalf("open: got %v; want a refusal", err)
	}
}

// tipTree is the binder's tip and the entries of its root tree.
func tipTree(t *testing.T, b *Binder) (plumbing.Hash, []gitstore.Entry) {
	t.Helper()
	tip, err := b.git.Head()
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.git.ReadCommit(tip)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := b.git.Tree(c.TreeHash)
	if err != nil {
		t.Fatal(err)
	}
	return tip, entries
}

// trailer is the message of a commit that writes one record version.
func trailer(id string, rev int, action string) string {
	return fmt.Sprintf("gobag: %s 1 record\n\nRecord: %s rev %d %s\n", action, id, rev, action)
}
