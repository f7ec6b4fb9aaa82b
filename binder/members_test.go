package binder

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gobag/binder/roster"
	bcrypto "gobag/crypto"
)

// copyAs clones b's repository and opens the copy as id.
func copyAs(t *testing.T, b *Binder, id *bcrypto.Identity) *Binder {
	t.Helper()
	dir := filepath.Join(t.TempDir(), id.Handle)
	gitCmd(t, t.TempDir(), "clone", "-q", "--bare", b.Dir(), dir)
	c, err := Open(context.Background(), dir, id)
	if err != nil {
		t.Fatalf("open as %s: %v", id.Handle, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newMember(t *testing.T, b *Binder, handle string, roles ...string) *bcrypto.Identity {
	t.Helper()
	id, err := bcrypto.NewIdentity(handle)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ChangeMembers(context.Background(), MemberChange{Op: MemberAdd, Card: id.Card(), Roles: roles}, true); err != nil {
		t.Fatalf("add %s: %v", handle, err)
	}
	return id
}

// ageDecrypt runs the stock age CLI on a record's ciphertext with id's key.
func ageDecrypt(t *testing.T, b *Binder, id *bcrypto.Identity, recordID string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("age"); err != nil {
		t.Skip("the age CLI is not installed")
	}
	key := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(key, id.ExportAge(), 0o600); err != nil {
		t.Fatal(err)
	}
	agePath, _ := recordPath(recordID)
	ct := filepath.Join(t.TempDir(), "ct.age")
	if err := os.WriteFile(ct, readAt(t, b, agePath), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("age", "-d", "-i", key, ct).CombinedOutput()
	return string(out), err
}

// A member added later reads every record meant for them (the change
// re-encrypts them), sees a record restricted to others only by its kind
// and id, and cannot open it, with gobag or with the stock age CLI.
func TestAddedMemberReadsWhatIsForThem(t *testing.T) {
	ctx := context.Background()
	a, priya := newTestBinder(t)
	open := mustAdd(t, a, &Record{Kind: "contact", Title: "Duty officer"})
	closed := mustAdd(t, a, &Record{Kind: "note", Title: "Salary of the director", Audience: "managers"})
	// An append-only entry is never written again: it keeps the audience
	// it was written for, so a member who joins later cannot read it.
	logged := mustAdd(t, a, &Record{Kind: "timeline", Title: "Generator started"})
	if closed.Audience != roster.RoleManager {
		t.Fatalf("saved with audience %q", closed.Audience)
	}
	sam := newMember(t, a, "sam", roster.RoleResponder)
	mustVerify(t, a.Dir())
	s := copyAs(t, a, sam)
	if r, err := s.Get(ctx, open.ID); err != nil || r.Title != "Duty officer" {
		t.Fatalf("sam reads the team's record: %v %v", r, err)
	}
	if _, err := s.Get(ctx, logged.ID); KindOf(err) != CannotDecrypt {
		t.Fatalf("sam reads a timeline entry from before he joined: %v", err)
	}
	_, err := s.Get(ctx, closed.ID)
	if KindOf(err) != CannotDecrypt || !strings.Contains(err.Error(), "the managers") {
		t.Fatalf("sam opens the managers' note: %v", err)
	}
	list, err := s.List(ctx, "note")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(list, func(x Summary) bool { return x.ID == closed.ID })
	if i < 0 || !list[i].Unreadable || list[i].Title != "" || list[i].Kind != "note" || list[i].Audience != roster.RoleManager {
		t.Fatalf("sam's listing of the managers' note: %+v", list)
	}
	if hits, err := s.Search(ctx, "salary", "", 10); err != nil || len(hits) != 0 {
		t.Fatalf("sam's search finds the managers' note: %v %v", hits, err)
	}
	if _, err := ageDecrypt(t, a, sam, closed.ID); err == nil {
		t.Fatal("the age CLI decrypts the managers' note with sam's key")
	}
	if out, err := ageDecrypt(t, a, priya, closed.ID); err != nil || !strings.Contains(out, "Salary of the director") {
		t.Fatalf("the age CLI with the manager's key: %v %s", err, out)
	}
	if out, err := ageDecrypt(t, a, sam, open.ID); err != nil || !strings.Contains(out, "Duty officer") {
		t.Fatalf("the age CLI with sam's key on a team record: %v %s", err, out)
	}
}

// Removing a member re-encrypts, in one signed commit, every current
// record they could read; anything they sign afterwards is refused.
func TestRemovedMemberIsLockedOut(t *testing.T) {
	ctx := context.Background()
	a, _ := newTestBinder(t)
	r := mustAdd(t, a, &Record{Kind: "contact", Title: "Duty officer"})
	sam := newMember(t, a, "sam", roster.RoleResponder, roster.RoleCustodian)
	mustAdd(t, a, &Record{Kind: "timeline", Title: "Sam logged this"})
	forCustodians := mustAdd(t, a, &Record{Kind: "note", Title: "Safe combination location", Audience: "custodians"})
	if _, err := ageDecrypt(t, a, sam, forCustodians.ID); err != nil {
		t.Fatalf("sam, a custodian, cannot read the custodians' note: %v", err)
	}
	preview, err := a.ChangeMembers(ctx, MemberChange{Op: MemberRemove, Handle: "sam"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if preview.Commit != "" || len(preview.Reencrypt) != 3 { // the binder's own record, the contact, the note
		t.Fatalf("preview: %+v", preview)
	}
	before := a.Tip()
	done, err := a.ChangeMembers(ctx, MemberChange{Op: MemberRemove, Handle: "sam"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(strings.Fields(gitCmd(t, a.Dir(), "rev-list", before+"..main"))) != 1 {
		t.Fatal("the removal is not one commit")
	}
	if len(done.Reencrypt) != len(preview.Reencrypt) || a.Roster().Member("sam") != nil {
		t.Fatalf("removal: %+v", done)
	}
	mustVerify(t, a.Dir())
	for _, id := range []string{r.ID, forCustodians.ID} {
		if _, err := ageDecrypt(t, a, sam, id); err == nil {
			t.Fatalf("sam still decrypts %s after his removal", id)
		}
	}
	// The custodians' note lost its only custodian: the managers keep it.
	if got, _ := a.Get(ctx, forCustodians.ID); got == nil || got.Audience != roster.RoleCustodian {
		t.Fatalf("custodians' note after removal: %+v", got)
	}
	// sam signs a version after his removal (a modified client).
	_, envPath := recordPath(r.ID)
	rec, _ := a.Get(ctx, r.ID)
	rec.Title = "Sam was here"
	forgeVersionBy(t, a, sam, rec, readAt(t, a, envPath))
	rep, err := Verify(ctx, a.Dir(), nil)
	if err != nil || rep.OK() || !strings.Contains(rep.Problems[0].String(), "not a member") {
		t.Fatalf("verify after sam signs: %v %v", rep.Problems, err)
	}
}

// forgeVersionBy writes the next version of rec, as signer, encrypted to
// every member, in a commit signed by signer.
func forgeVersionBy(t *testing.T, b *Binder, signer *bcrypto.Identity, rec *Record, prev []byte) {
	t.Helper()
	agePath, envPath := recordPath(rec.ID)
	pe, err := ParseEnvelope(prev)
	if err != nil {
		t.Fatal(err)
	}
	rec.Rev = pe.Rev + 1
	plain, _ := rec.Marshal()
	rs, _ := b.Roster().Recipients([]string{roster.AudienceAll})
	ct, _ := bcrypto.Encrypt(plain, rs...)
	env := &Envelope{ID: rec.ID, Kind: rec.Kind, Rev: rec.Rev, Prev: hashHex(prev), Ciphertext: hashHex(ct), Audience: pe.Audience, Time: time.Now().UTC().Truncate(time.Second)}
	env.sign(signer)
	forge(t, b, signer, trailer(rec.ID, rec.Rev, "edit"), map[string][]byte{agePath: ct, envPath: env.Marshal()})
}

// Who may change the roster, through the binder: a manager only, who may
// not raise their own role nor remove the last manager.
func TestRosterChangeRefusals(t *testing.T) {
	ctx := context.Background()
	a, _ := newTestBinder(t)
	sam := newMember(t, a, "sam", roster.RoleResponder)
	s := copyAs(t, a, sam)
	eve, _ := bcrypto.NewIdentity("eve")
	for name, c := range map[string]struct {
		b    *Binder
		ch   MemberChange
		kind Kind
		want string
	}{
		"a responder adds someone":        {s, MemberChange{Op: MemberAdd, Card: eve.Card(), Roles: []string{roster.RoleManager}}, Permission, "only a manager"},
		"a responder raises their role":   {s, MemberChange{Op: MemberRoles, Handle: "sam", Roles: []string{roster.RoleManager}}, Permission, "only a manager"},
		"a manager raises their own role": {a, MemberChange{Op: MemberRoles, Handle: "priya", Roles: []string{roster.RoleCustodian}}, Permission, "gave themselves the role custodian"},
		"the last manager removed":        {a, MemberChange{Op: MemberRemove, Handle: "priya"}, Permission, "no manager left"},
		"a member added twice":            {a, MemberChange{Op: MemberAdd, Card: sam.Card(), Roles: []string{roster.RoleResponder}}, Invalid, "member already"},
		"an unknown role":                 {a, MemberChange{Op: MemberRoles, Handle: "sam", Roles: []string{"admin"}}, Invalid, "unknown role"},
		"nobody removed":                  {a, MemberChange{Op: MemberRemove, Handle: "dora"}, Invalid, "not a member"},
	} {
		t.Run(name, func(t *testing.T) {
			tip := c.b.Tip()
			_, err := c.b.ChangeMembers(ctx, c.ch, true)
			if KindOf(err) != c.kind || err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v (%v); want a %v error saying %q", err, KindOf(err), c.kind, c.want)
			}
			if c.b.Tip() != tip {
				t.Fatal("the refused change moved the branch")
			}
		})
	}
}

// A roster change written by a modified client without re-encrypting the
// records it concerns, or a record encrypted for fewer or more than its
// audience, is refused by verify.
func TestVerifyHoldsAudiences(t *testing.T) {
	t.Run("removal without re-encryption", func(t *testing.T) {
		a, priya := newTestBinder(t)
		r := mustAdd(t, a, &Record{Kind: "note", Title: "x"})
		newMember(t, a, "sam", roster.RoleResponder)
		raw := readAt(t, a, pathRoster)
		next := a.Roster().Next(raw, time.Now().UTC().Truncate(time.Second))
		if err := next.Remove("sam"); err != nil {
			t.Fatal(err)
		}
		raw2, _ := next.Marshal()
		bad := forge(t, a, priya, "gobag: roster\n\nRoster: serial 3\n", map[string][]byte{
			pathRoster: raw2, pathRosterSig: roster.Sign(raw2, priya), pathAllowedSigners: mustParse(t, raw2).AllowedSigners(),
		})
		expectProblem(t, a, bad, r.ID, "not re-encrypted when the roster changed")
	})
	// A version for priya and sam encrypted to priya alone, its envelope
	// naming either priya only (the audience says both) or both (the
	// ciphertext has one recipient short).
	for _, c := range []struct {
		name, want string
		named      []string
	}{
		{"encrypted for fewer than its audience", "its audience all is priya sam", []string{"all", "priya"}},
		{"ciphertext with a recipient short", "ciphertext has 1 recipients, but its audience 2", []string{"all", "priya", "sam"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, priya := newTestBinder(t)
			r := mustAdd(t, a, &Record{Kind: "note", Title: "x"})
			newMember(t, a, "sam", roster.RoleResponder)
			agePath, envPath := recordPath(r.ID)
			prev := readAt(t, a, envPath)
			rec, _ := a.Get(context.Background(), r.ID)
			rec.Rev++
			plain, _ := rec.Marshal()
			ct, _ := bcrypto.Encrypt(plain, priya.Recipient())
			env := &Envelope{ID: r.ID, Kind: "note", Rev: rec.Rev, Prev: hashHex(prev), Ciphertext: hashHex(ct), Audience: c.named, Time: time.Now().UTC().Truncate(time.Second)}
			env.sign(priya)
			bad := forge(t, a, priya, trailer(r.ID, rec.Rev, "edit"), map[string][]byte{agePath: ct, envPath: env.Marshal()})
			expectProblem(t, a, bad, r.ID, c.want)
		})
	}
}

// Kinds, named in envelopes from format 4, are checked by verify: a kind
// never changes, only append-only kinds are sealed, and those always are.
func TestVerifyHoldsKinds(t *testing.T) {
	for _, c := range []struct {
		name, kind, was string
		sealed          bool
		want            string
	}{
		{"kind changed", "plan", "note", false, "makes a note a plan"},
		{"sealed note", "note", "", true, "sealed as append-only, but a note is not"},
		{"unsealed timeline entry", "timeline", "", false, "is not sealed"},
		{"unknown kind", "spaceship", "", false, "unknown kind"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, priya := newTestBinder(t)
			id := NewID()
			var prev []byte
			rev := 1
			if c.was != "" {
				r := mustAdd(t, a, &Record{Kind: c.was, Title: "x"})
				id = r.ID
				_, envPath := recordPath(id)
				prev = readAt(t, a, envPath)
				rev = 2
			}
			rec := &Record{ID: id, Kind: c.kind, Title: "x", Rev: rev, Updated: time.Now().UTC().Truncate(time.Second)}
			plain, _ := rec.Marshal()
			ct, _ := bcrypto.Encrypt(plain, priya.Recipient())
			env := &Envelope{ID: id, Kind: c.kind, Rev: rev, Ciphertext: hashHex(ct), Audience: []string{"all", "priya"}, Time: rec.Updated, Sealed: c.sealed}
			action := "add"
			if prev != nil {
				env.Prev, action = hashHex(prev), "edit"
			}
			env.sign(priya)
			agePath, envPath := recordPath(id)
			bad := forge(t, a, priya, trailer(id, rev, action), map[string][]byte{agePath: ct, envPath: env.Marshal()})
			expectProblem(t, a, bad, id, c.want)
		})
	}
}

// Copies with different rosters merge to the merged roster: what the
// stale copy wrote is re-encrypted for it, and a version by a member the
// merged roster removed is refused and reported, not silently dropped.
func TestMergeAcrossRosters(t *testing.T) {
	ctx := context.Background()
	a, priya := newTestBinder(t)
	x := mustAdd(t, a, &Record{Kind: "note", Title: "x"})
	y := mustAdd(t, a, &Record{Kind: "note", Title: "y"})
	sam := newMember(t, a, "sam", roster.RoleResponder)
	stale := copyAs(t, a, priya) // priya's laptop, not synced since
	s := copyAs(t, a, sam)       // sam's laptop
	// While apart: sam edits x and adds a record; priya, on her laptop,
	// edits y; the office copy removes sam.
	mustEdit(t, s, x.ID, func(r *Record) { r.Title = "x by sam" })
	bySam := mustAdd(t, s, &Record{Kind: "note", Title: "sam's note"})
	mustEdit(t, stale, y.ID, func(r *Record) { r.Title = "y on the laptop" })
	if _, err := a.ChangeMembers(ctx, MemberChange{Op: MemberRemove, Handle: "sam"}, true); err != nil {
		t.Fatal(err)
	}
	// The office takes sam's copy in: his versions are refused, and said so.
	res, err := a.Integrate(ctx, fetch(t, a, s), "sam's laptop", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Refused) != 2 || !strings.Contains(strings.Join(res.Refused, "\n"), "by sam") {
		t.Fatalf("refused: %q", res.Refused)
	}
	mustVerify(t, a.Dir())
	if got, _ := a.Get(ctx, x.ID); got.Title != "x" {
		t.Fatalf("x after the merge: %q", got.Title)
	}
	if _, err := a.Get(ctx, bySam.ID); KindOf(err) != NotExist {
		t.Fatalf("sam's new note after the merge: %v", err)
	}
	// Then priya's laptop: her edit of y, written for a roster with sam,
	// is encrypted again for the merged one.
	res, err = a.Integrate(ctx, fetch(t, a, stale), "priya's laptop", nil)
	if err != nil || !res.Merged || len(res.Refused) != 0 {
		t.Fatalf("merge of the laptop: %+v %v", res, err)
	}
	mustVerify(t, a.Dir())
	if got, _ := a.Get(ctx, y.ID); got.Title != "y on the laptop" {
		t.Fatalf("y after the merge: %q", got.Title)
	}
	if _, err := ageDecrypt(t, a, sam, y.ID); err == nil {
		t.Fatal("sam decrypts the merged y")
	}
	// The laptop, syncing the other way, takes the office's roster.
	res, err = stale.Integrate(ctx, fetch(t, stale, a), "office", nil)
	if err != nil || stale.Roster().Member("sam") != nil {
		t.Fatalf("the laptop takes the office's history: %+v %v", res, err)
	}
	mustVerify(t, stale.Dir())
}
