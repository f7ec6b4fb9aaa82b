package binder

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	bcrypto "gobag/crypto"
)

// forge writes a commit on top of the binder's tip with the given file
// changes (nil data removes a file), signed by signer (unsigned if nil),
// bypassing every check a Binder makes.
func forge(t *testing.T, b *Binder, signer *bcrypto.Identity, msg string, files map[string][]byte) plumbing.Hash {
	t.Helper()
	g := b.git
	tip, err := g.head()
	if err != nil {
		t.Fatal(err)
	}
	parent, err := g.readCommit(tip)
	if err != nil {
		t.Fatal(err)
	}
	changes := map[string]plumbing.Hash{}
	for p, data := range files {
		if data == nil {
			changes[p] = plumbing.ZeroHash
			continue
		}
		h, err := g.putBlob(data)
		if err != nil {
			t.Fatal(err)
		}
		changes[p] = h
	}
	tree, err := g.applyTree(parent.TreeHash, changes)
	if err != nil {
		t.Fatal(err)
	}
	var c plumbing.Hash
	if signer != nil {
		c, err = g.writeCommit(tree, []plumbing.Hash{tip}, signer, msg, time.Now())
		if err != nil {
			t.Fatal(err)
		}
	} else {
		// git's own commit-tree writes an unsigned commit.
		out := gitCmd(t, b.Dir(), "commit-tree", tree.String(), "-p", tip.String(), "-m", msg)
		c = plumbing.NewHash(strings.TrimSpace(out))
	}
	if err := g.setHead(tip, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func readAt(t *testing.T, b *Binder, p string) []byte {
	t.Helper()
	tip, _ := b.git.head()
	c, _ := b.git.readCommit(tip)
	data, ok, err := b.git.readFile(c.TreeHash, p)
	if err != nil || !ok {
		t.Fatalf("read %s: %v", p, err)
	}
	return data
}

func expectProblem(t *testing.T, b *Binder, bad plumbing.Hash, record, reason string) {
	t.Helper()
	rep, err := Verify(context.Background(), b.Dir())
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
	outsider, _ := bcrypto.NewIdentity("mallory")

	setup := func(t *testing.T) (*Binder, *bcrypto.Identity, *Record) {
		b, id := newTestBinder(t)
		r, err := b.Add(ctx, &Record{Kind: "contact", Title: "Priya", Fields: map[string]any{"phone": "1"}})
		if err != nil {
			t.Fatal(err)
		}
		r.Title = "Priya R."
		if r, err = b.Update(ctx, r); err != nil {
			t.Fatal(err)
		}
		if rep, err := Verify(ctx, b.Dir()); err != nil || !rep.OK() {
			t.Fatalf("clean binder: %+v %v", rep, err)
		}
		return b, id, r
	}
	trailer := func(id string, rev int, action string) string {
		return "tamper\n\nRecord: " + id + " rev " + strconv.Itoa(rev) + " " + action + "\n"
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
		b, id, _ := setup(t)
		sam, _ := bcrypto.NewIdentity("sam")
		// A valid change first: the manager adds sam as a responder.
		r2 := addMember(t, b.Roster(), readAt(t, b, pathRoster), sam, RoleResponder)
		raw2, _ := r2.Marshal()
		good := forge(t, b, id, "gobag: roster\n\nRoster: serial 2\n", map[string][]byte{
			pathRoster: raw2, pathRosterSig: signRoster(raw2, id), pathAllowedSigners: mustParse(t, raw2).AllowedSigners(),
		})
		if rep, _ := Verify(ctx, b.Dir()); !rep.OK() {
			t.Fatalf("manager's roster change rejected: %v (commit %s)", rep.Problems, good)
		}
		// Then sam, a responder, makes himself a manager.
		eve, _ := bcrypto.NewIdentity("eve")
		r3 := addMember(t, mustParse(t, raw2), raw2, eve, RoleManager)
		raw3, _ := r3.Marshal()
		bad := forge(t, b, sam, "gobag: roster\n\nRoster: serial 3\n", map[string][]byte{
			pathRoster: raw3, pathRosterSig: signRoster(raw3, sam), pathAllowedSigners: mustParse(t, raw3).AllowedSigners(),
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

func addMember(t *testing.T, r *Roster, raw []byte, who *bcrypto.Identity, role string) *Roster {
	t.Helper()
	n := *r
	n.Members = append(append([]Member(nil), r.Members...), Member{Handle: who.Handle, Recipient: who.Recipient().String(),
		SigningKey: who.SigningKey().String(), Roles: []string{role}, Since: time.Now().UTC().Truncate(time.Second)})
	n.Serial = r.Serial + 1
	n.Previous = bcrypto.Fingerprint(raw)
	return &n
}

func mustParse(t *testing.T, raw []byte) *Roster {
	t.Helper()
	r, err := ParseRoster(raw)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
