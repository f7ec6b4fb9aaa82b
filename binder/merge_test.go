package binder

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	bcrypto "gobag/crypto"
)

// twoCopies makes a binder and a second copy of it (git clone --bare), both
// open with the same identity, as on a member's two machines.
func twoCopies(t *testing.T) (a, b *Binder) {
	t.Helper()
	a, id := newTestBinder(t)
	dir := filepath.Join(t.TempDir(), "copy")
	gitCmd(t, t.TempDir(), "clone", "-q", "--bare", a.Dir(), dir)
	b, err := Open(context.Background(), dir, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

// fetch brings from's branch into to's repository (as sync's fetch does)
// and returns its tip.
func fetch(t *testing.T, to, from *Binder) string {
	t.Helper()
	gitCmd(t, to.Dir(), "fetch", "-q", from.Dir(), "+main:refs/remotes/other/main")
	return strings.TrimSpace(gitCmd(t, to.Dir(), "rev-parse", "refs/remotes/other/main"))
}

func mustAdd(t *testing.T, b *Binder, r *Record) *Record {
	t.Helper()
	out, err := b.Add(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustEdit(t *testing.T, b *Binder, id string, edit func(r *Record)) {
	t.Helper()
	ctx := context.Background()
	r, err := b.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	edit(r)
	if _, err := b.Update(ctx, r); err != nil {
		t.Fatal(err)
	}
}

func TestIntegrateFastForward(t *testing.T) {
	ctx := context.Background()
	a, b := twoCopies(t)
	r := mustAdd(t, a, &Record{Kind: "contact", Title: "Priya Raman", Fields: map[string]any{"location": "HQ"}})
	res, err := b.Integrate(ctx, fetch(t, b, a), "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.FastForward || res.Merged || res.Received != 1 || res.Changed != 1 || b.Tip() != a.Tip() {
		t.Fatalf("result %+v; tips %s %s", res, b.Tip(), a.Tip())
	}
	if got, err := b.Get(ctx, r.ID); err != nil || got.Fields["location"] != "HQ" {
		t.Fatalf("record after fast-forward: %v %v", got, err)
	}
	res, err = b.Integrate(ctx, fetch(t, b, a), "a", nil)
	if err != nil || !res.UpToDate {
		t.Fatalf("again: %+v %v", res, err)
	}
}

func TestIntegrateMergesRecordByRecord(t *testing.T) {
	ctx := context.Background()
	a, b := twoCopies(t)
	x := mustAdd(t, a, &Record{Kind: "contact", Title: "Priya Raman", Fields: map[string]any{"location": "HQ", "organisation": "ICT"}, Body: "Head of ICT."})
	z := mustAdd(t, a, &Record{Kind: "note", Title: "Generator log"})
	w := mustAdd(t, a, &Record{Kind: "note", Title: "To delete here"})
	if _, err := b.Integrate(ctx, fetch(t, b, a), "a", nil); err != nil {
		t.Fatal(err)
	}
	// Apart: both edit x in different fields, and the same field
	// differently; a deletes z, b edits it; b deletes w; each adds one.
	mustEdit(t, a, x.ID, func(r *Record) { r.Fields["location"] = "HQ, 3rd floor"; r.Fields["escalation"] = int64(1) })
	mustEdit(t, b, x.ID, func(r *Record) { r.Fields["organisation"] = "ICT Division"; r.Fields["escalation"] = int64(2) })
	if err := a.Delete(ctx, z.ID); err != nil {
		t.Fatal(err)
	}
	mustEdit(t, b, z.ID, func(r *Record) { r.Body = "Started at 10:05." })
	if err := b.Delete(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	onlyA := mustAdd(t, a, &Record{Kind: "note", Title: "Made on a"})
	onlyB := mustAdd(t, b, &Record{Kind: "note", Title: "Made on b"})

	res, err := b.Integrate(ctx, fetch(t, b, a), "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Merged || len(res.Conflicts) != 1 || res.Conflicts[0] != x.ID || len(res.Notices) != 1 || !strings.Contains(res.Notices[0], "deleted in a: the edit is kept") {
		t.Fatalf("result %+v", res)
	}
	got, _ := b.Get(ctx, x.ID)
	if got.Fields["location"] != "HQ, 3rd floor" || got.Fields["organisation"] != "ICT Division" || got.Fields["escalation"] != int64(2) {
		t.Fatalf("merged fields %v", got.Fields)
	}
	if len(got.Conflicts) != 1 || got.Conflicts[0].Field != "escalation" || got.Conflicts[0].Ours != int64(2) || got.Conflicts[0].Theirs != int64(1) {
		t.Fatalf("conflicts %+v", got.Conflicts)
	}
	if z2, err := b.Get(ctx, z.ID); err != nil || z2.Body != "Started at 10:05.\n" {
		t.Fatalf("edit against delete: %+v %v", z2, err)
	}
	for id, wantLive := range map[string]bool{onlyA.ID: true, onlyB.ID: true, w.ID: false} {
		if _, err := b.Get(ctx, id); (err == nil) != wantLive {
			t.Errorf("record %s: got %v; live %v", id, err, wantLive)
		}
	}
	rep, err := Verify(ctx, b.Dir(), nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify after merge: %+v %v", rep, err)
	}
	// git accepts the merge, and its signature.
	gitCmd(t, b.Dir(), "fsck", "--strict")
	allowed := filepath.Join(t.TempDir(), "allowed")
	os.WriteFile(allowed, []byte(gitCmd(t, b.Dir(), "show", "HEAD:.gobag/allowed_signers")), 0o600)
	gitCmd(t, b.Dir(), "-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile="+allowed, "verify-commit", "HEAD")
	// The other copy takes the merge as it is: both copies are the same.
	res, err = a.Integrate(ctx, fetch(t, a, b), "b", nil)
	if err != nil || !res.FastForward || a.Tip() != b.Tip() {
		t.Fatalf("a takes the merge: %+v %v", res, err)
	}
	if sa, sb := snapshot(t, a), snapshot(t, b); len(sa) != len(sb) {
		t.Fatalf("copies differ: %d and %d records", len(sa), len(sb))
	}
	log, err := b.Log(ctx, x.ID, 0)
	if err != nil || log[0].Action != "merge" {
		t.Fatalf("log %+v %v", log, err)
	}
	// The conflict, both versions side by side, then resolved.
	cs, err := b.Conflicts(ctx)
	if err != nil || len(cs) != 1 || cs[0].ID != x.ID || cs[0].Theirs.Fields["escalation"] != int64(1) || cs[0].Ours.Fields["escalation"] != int64(2) {
		t.Fatalf("conflicts %+v %v", cs, err)
	}
	if _, err := b.ResolveConflicts(ctx, x.ID, "theirs"); err != nil {
		t.Fatal(err)
	}
	got, _ = b.Get(ctx, x.ID)
	if got.Fields["escalation"] != int64(1) || len(got.Conflicts) != 0 || got.Fields["organisation"] != "ICT Division" {
		t.Fatalf("resolved %+v", got)
	}
	if cs, _ := b.Conflicts(ctx); len(cs) != 0 {
		t.Fatalf("conflicts after resolving: %+v", cs)
	}
	if _, err := b.ResolveConflicts(ctx, x.ID, "ours"); KindOf(err) != Invalid {
		t.Fatalf("resolving again: %v", err)
	}
}

func TestIntegrateRefusesForgedHistory(t *testing.T) {
	ctx := context.Background()
	a, b := twoCopies(t)
	mustAdd(t, a, &Record{Kind: "note", Title: "fine"})
	// A commit no member signed, on a.
	agePath, _ := recordPath(NewID())
	forge(t, a, nil, "x", map[string][]byte{agePath: []byte("junk")})
	before := b.Tip()
	_, err := b.Integrate(ctx, fetch(t, b, a), "a", nil)
	if KindOf(err) != BadSignature || !strings.Contains(err.Error(), "commit is not signed") {
		t.Fatalf("got %v; want a bad-signature error naming the unsigned commit", err)
	}
	if b.Tip() != before {
		t.Fatal("the branch moved")
	}
	if l, _ := b.List(ctx, "note"); len(l) != 0 {
		t.Fatalf("records taken from a refused history: %+v", l)
	}
	// Someone else's binder is not merged either.
	other, _ := bcrypto.NewIdentity("eve")
	ob, err := Create(ctx, filepath.Join(t.TempDir(), "other"), other, "Other")
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Integrate(ctx, fetch(t, b, ob), "other", nil)
	if KindOf(err) != BadSignature {
		t.Fatalf("another binder: got %v", err)
	}
}

func TestVerifyChecksMergeCommits(t *testing.T) {
	ctx := context.Background()
	a, b := twoCopies(t)
	x := mustAdd(t, a, &Record{Kind: "note", Title: "x"})
	b.Integrate(ctx, fetch(t, b, a), "a", nil)
	mustEdit(t, a, x.ID, func(r *Record) { r.Title = "x on a" })
	mustEdit(t, b, x.ID, func(r *Record) { r.Title = "x on b" })
	theirs := fetch(t, b, a)
	ours, _ := b.git.head()
	// A merge commit that takes a's tree whole, dropping b's edit, is
	// authentic (a's version is signed) and verifies; one whose record
	// version follows neither parent does not.
	at, _ := b.treeOf(plumbing.NewHash(theirs))
	good := commitAs(t, b, b.Identity(), "priya", at, []plumbing.Hash{plumbing.NewHash(theirs)}, "merge\n")
	if rep, _ := Verify(ctx, b.Dir(), nil); !rep.OK() {
		t.Fatalf("a merge taking one side: %v", rep.Problems)
	}
	b.git.setHead(good, ours)
	_, envPath := recordPath(x.ID)
	oursEnv := readAt(t, b, envPath)
	env, _ := ParseEnvelope(oursEnv)
	env.Rev, env.Prev = 7, hashHex(oursEnv)
	env.sign(b.Identity())
	ot, _ := b.treeOf(ours)
	h, _ := b.git.putBlob(env.Marshal())
	bad, _ := b.git.applyTree(ot, map[string]plumbing.Hash{envPath: h})
	badCommit := commitAs(t, b, b.Identity(), "priya", bad, []plumbing.Hash{plumbing.NewHash(theirs)}, "merge\n\nRecord: "+x.ID+" rev 7 merge\n")
	expectProblem(t, b, badCommit, x.ID, "does not follow both parents")
}

func TestFormat1BinderIsUpgraded(t *testing.T) {
	ctx := context.Background()
	id, _ := bcrypto.NewIdentity("priya")
	dir := filepath.Join(t.TempDir(), "old")
	b, err := create(ctx, dir, id, "Old", "gobag-binder 1\n")
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	b, err = Open(ctx, dir, id)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got := gitCmd(t, dir, "show", "HEAD:.gobag/format"); got != formatLine {
		t.Fatalf("format after open: %q", got)
	}
	if rep, err := Verify(ctx, dir, nil); err != nil || !rep.OK() {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

// Saves in the same second give commits of equal times: ancestry must
// still find exactly what each side lacks.
func TestAncestryWithEqualTimes(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	var tips []string
	for i := range 30 {
		mustAdd(t, b, &Record{Kind: "note", Title: "n" + strings.Repeat("x", i)})
		tips = append(tips, b.Tip())
	}
	for _, i := range []int{0, 5, 28} {
		ahead, behind, base, err := b.Ancestry(ctx, tips[i])
		if err != nil || ahead != 29-i || behind != 0 || base != tips[i] {
			t.Errorf("against commit %d: ahead %d behind %d base %.8s, %v; want %d, 0, %.8s", i, ahead, behind, base, err, 29-i, tips[i])
		}
		if ok, err := b.Descends(ctx, tips[29], tips[i]); !ok || err != nil {
			t.Errorf("commit 29 descends from %d: %v %v", i, ok, err)
		}
		if ok, _ := b.Descends(ctx, tips[i], tips[29]); ok {
			t.Errorf("commit %d descends from 29", i)
		}
	}
}
