package binder

import (
	"gobag/binder/roster"

	"gobag/binder/internal/gitstore"

	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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

// threeCopies is twoCopies with a third copy.
func threeCopies(t *testing.T) (a, b, c *Binder) {
	t.Helper()
	a, b = twoCopies(t)
	dir := filepath.Join(t.TempDir(), "c")
	gitCmd(t, t.TempDir(), "clone", "-q", "--bare", a.Dir(), dir)
	c, err := Open(context.Background(), dir, a.Identity())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return a, b, c
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
	got, err := b.Get(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
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
	if err := os.WriteFile(allowed, []byte(gitCmd(t, b.Dir(), "show", "HEAD:.gobag/allowed_signers")), 0o600); err != nil {
		t.Fatal(err)
	}
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
	other, err := bcrypto.NewIdentity("eve")
	if err != nil {
		t.Fatal(err)
	}
	ob, err := Create(ctx, filepath.Join(t.TempDir(), "other"), other, "Other")
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Integrate(ctx, fetch(t, b, ob), "other", nil)
	if KindOf(err) != BadSignature {
		t.Fatalf("another binder: got %v", err)
	}
}

// mergeAs writes, on b, a merge commit of b's tip and theirs whose tree is
// b's with the given records' files taken from theirs, bypassing merge().
func mergeAs(t *testing.T, b *Binder, theirs string, take []string, msg string) plumbing.Hash {
	t.Helper()
	ours, _ := b.git.Head()
	ot, _ := b.treeOf(ours)
	tt, _ := b.treeOf(plumbing.NewHash(theirs))
	changes := map[string]plumbing.Hash{}
	for _, id := range take {
		s, err := b.sideAt(tt, id)
		if err != nil {
			t.Fatal(err)
		}
		agePath, envPath := recordPath(id)
		changes[agePath], changes[envPath] = s.age, s.env
	}
	tree, err := b.git.ApplyTree(ot, changes)
	if err != nil {
		t.Fatal(err)
	}
	return commitAs(t, b, b.Identity(), b.Identity().Handle, tree, []plumbing.Hash{plumbing.NewHash(theirs)}, msg)
}

// A merge commit may take a record whole from one parent only if the
// other left it as it was where they parted (or deleted it while this
// side edited it); anything else drops someone's change without a trace.
func TestVerifyChecksMergeCommits(t *testing.T) {
	ctx := context.Background()
	a, b := twoCopies(t)
	x := mustAdd(t, a, &Record{Kind: "note", Title: "x"})
	y := mustAdd(t, a, &Record{Kind: "note", Title: "y"})
	z := mustAdd(t, a, &Record{Kind: "note", Title: "z"})
	if _, err := b.Integrate(ctx, fetch(t, b, a), "a", nil); err != nil {
		t.Fatal(err)
	}
	mustEdit(t, a, x.ID, func(r *Record) { r.Title = "x on a" })
	mustEdit(t, b, x.ID, func(r *Record) { r.Title = "x on b" })
	if err := a.Delete(ctx, y.ID); err != nil {
		t.Fatal(err)
	}
	mustEdit(t, b, y.ID, func(r *Record) { r.Title = "y on b" })
	mustEdit(t, a, z.ID, func(r *Record) { r.Title = "z on a" })
	theirs := fetch(t, b, a)
	ours, _ := b.git.Head()

	// x and y from a, z left as b has it (as it was before a's edit).
	bad := mergeAs(t, b, theirs, []string{x.ID, y.ID}, "merge\n")
	expectProblem(t, b, bad, x.ID, "dropping the other's rev 2")
	expectProblem(t, b, bad, y.ID, "dropping the other's rev 2")
	expectProblem(t, b, bad, z.ID, "dropping the other's rev 2")

	// Taking what only one side changed, and an edit over a delete, is
	// what a merge does: x is left out here (both changed it).
	b.git.SetHead(bad, ours)
	good := mergeAs(t, b, theirs, []string{z.ID}, "merge\n")
	rep, _ := Verify(ctx, b.Dir(), nil)
	for _, p := range rep.Problems {
		if p.Commit == good.String() && p.Record != x.ID {
			t.Errorf("a merge taking changes from one side: %v", p)
		}
	}

	// A new version must follow one parent's and be numbered after both.
	b.git.SetHead(good, ours)
	_, envPath := recordPath(x.ID)
	oursEnv := readAt(t, b, envPath)
	env, _ := ParseEnvelope(oursEnv)
	env.Rev, env.Prev = 7, hashHex(oursEnv)
	env.sign(b.Identity())
	ot, _ := b.treeOf(ours)
	h, _ := b.git.PutBlob(env.Marshal())
	badTree, _ := b.git.ApplyTree(ot, map[string]plumbing.Hash{envPath: h})
	badCommit := commitAs(t, b, b.Identity(), "priya", badTree, []plumbing.Hash{plumbing.NewHash(theirs)}, "merge\n\nRecord: "+x.ID+" rev 7 merge\n")
	expectProblem(t, b, badCommit, x.ID, "does not follow both parents")

	// gobag's own merge passes.
	b.git.SetHead(badCommit, ours)
	if _, err := b.Integrate(ctx, theirs, "a", nil); err != nil {
		t.Fatal(err)
	}
	if rep, _ := Verify(ctx, b.Dir(), nil); !rep.OK() {
		t.Fatalf("gobag's merge: %v", rep.Problems)
	}
}

// A merge cannot bring back the roster a manager replaced on the other
// side (a removed member merging their stale copy back in).
func TestVerifyRefusesMergeThatDropsRosterChange(t *testing.T) {
	ctx := context.Background()
	a, b := twoCopies(t)
	addSam(t, a)
	mustAdd(t, b, &Record{Kind: "note", Title: "on b"})
	theirs := fetch(t, b, a)
	ours, _ := b.git.Head()
	bad := mergeAs(t, b, theirs, nil, "merge\n")
	expectProblem(t, b, bad, "", "dropping the roster change (serial 2)")
	b.git.SetHead(bad, ours)
	res, err := b.Integrate(ctx, theirs, "a", nil)
	if err != nil || !res.Merged || b.Roster().Serial != 2 {
		t.Fatalf("merge: %+v %v (serial %d)", res, err, b.Roster().Serial)
	}
	if rep, _ := Verify(ctx, b.Dir(), nil); !rep.OK() {
		t.Fatalf("gobag's merge: %v", rep.Problems)
	}
}

// Both copies making the same edit still gives a merged version, which
// verifies (taking one side's whole would read as dropping the other's).
func TestMergeOfTheSameEdit(t *testing.T) {
	ctx := context.Background()
	a, b := twoCopies(t)
	x := mustAdd(t, a, &Record{Kind: "note", Title: "x"})
	if _, err := b.Integrate(ctx, fetch(t, b, a), "a", nil); err != nil {
		t.Fatal(err)
	}
	mustEdit(t, a, x.ID, func(r *Record) { r.Title = "same" })
	mustEdit(t, b, x.ID, func(r *Record) { r.Title = "same" })
	res, err := b.Integrate(ctx, fetch(t, b, a), "a", nil)
	if err != nil || !res.Merged || len(res.Conflicts) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	got, err := b.Get(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "same" || got.Rev != 3 {
		t.Fatalf("merged %q rev %d", got.Title, got.Rev)
	}
	if rep, _ := Verify(ctx, b.Dir(), nil); !rep.OK() {
		t.Fatal(rep.Problems)
	}
}

// Three copies give a field three values: every value stays in the
// record's conflicts; a conflict one copy resolved does not come back from
// another that still carried it.
func TestConflictsAcrossThreeCopies(t *testing.T) {
	ctx := context.Background()
	a, b, c := threeCopies(t)
	x := mustAdd(t, a, &Record{Kind: "note", Title: "x", Fields: map[string]any{"f": "base", "g": "base"}})
	if _, err := b.Integrate(ctx, fetch(t, b, a), "a", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Integrate(ctx, fetch(t, c, a), "a", nil); err != nil {
		t.Fatal(err)
	}
	for v, cp := range map[string]*Binder{"a": a, "b": b, "c": c} {
		mustEdit(t, cp, x.ID, func(r *Record) { r.Fields["f"] = v })
	}
	if _, err := b.Integrate(ctx, fetch(t, b, a), "a", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Integrate(ctx, fetch(t, b, c), "c", nil); err != nil {
		t.Fatal(err)
	}
	got, err := b.Get(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	var others []string
	for _, cf := range got.Conflicts {
		if cf.Field != "f" || cf.Ours != "b" {
			t.Fatalf("conflict %+v", cf)
		}
		others = append(others, cf.Theirs.(string))
	}
	if got.Fields["f"] != "b" || strings.Join(others, ",") != "c,a" {
		t.Fatalf("field %v, other values %v; want b, and c and a", got.Fields["f"], others)
	}
	if _, err := b.ResolveConflicts(ctx, x.ID, "theirs"); KindOf(err) != Invalid || !strings.Contains(err.Error(), "more than one other copy") {
		t.Fatalf("taking theirs of two others: %v", err)
	}
	// a takes b's history with the conflicts; b resolves; a edits another
	// field of the record meanwhile; their merge keeps b's resolution.
	if _, err := a.Integrate(ctx, fetch(t, a, b), "b", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ResolveConflicts(ctx, x.ID, "ours"); err != nil {
		t.Fatal(err)
	}
	mustEdit(t, a, x.ID, func(r *Record) { r.Fields["g"] = "a" })
	if _, err := b.Integrate(ctx, fetch(t, b, a), "a", nil); err != nil {
		t.Fatal(err)
	}
	got, _ = b.Get(ctx, x.ID)
	if len(got.Conflicts) != 0 || got.Fields["g"] != "a" || got.Fields["f"] != "b" {
		t.Fatalf("after the merge: %+v", got)
	}
	if rep, _ := Verify(ctx, b.Dir(), nil); !rep.OK() {
		t.Fatal(rep.Problems)
	}
}

func TestFormat1BinderIsUpgraded(t *testing.T) {
	ctx := context.Background()
	id, err := bcrypto.NewIdentity("priya")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "old")
	b, err := create(ctx, dir, id, "Old", "gobag-binder 1\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
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

// Copies whose clocks are wrong (hours behind, a year ahead) edit and
// merge at random: ancestry still finds exactly what each lacks and a best
// common ancestor (as git rev-list and merge-base say), and every copy's
// history verifies.
func TestAncestryWithWrongClocks(t *testing.T) {
	ctx := context.Background()
	a, b, c := threeCopies(t)
	copies := []*Binder{a, b, c}
	skew := []time.Duration{0, -7 * time.Hour, 365 * 24 * time.Hour}
	defer func() { clock = time.Now }()
	as := func(i int) { clock = func() time.Time { return time.Now().Add(skew[i]) } }
	var ids []string
	for i := range 4 {
		ids = append(ids, mustAdd(t, a, &Record{Kind: "note", Title: fmt.Sprint("n", i)}).ID)
	}
	for _, cp := range copies[1:] {
		if _, err := cp.Integrate(ctx, fetch(t, cp, a), "a", nil); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for step := range 60 {
		i, j := rng.IntN(3), rng.IntN(3)
		as(i)
		if i == j || rng.IntN(3) == 0 {
			mustEdit(t, copies[i], ids[rng.IntN(len(ids))], func(r *Record) { r.Body = fmt.Sprint("step ", step) })
			continue
		}
		theirs := fetch(t, copies[i], copies[j])
		ours := copies[i].Tip()
		ahead, behind, base, err := copies[i].Ancestry(ctx, theirs)
		if err != nil {
			t.Fatal(err)
		}
		count := func(x, y string) int {
			n, _ := strconv.Atoi(strings.TrimSpace(gitCmd(t, copies[i].Dir(), "rev-list", "--count", x, "^"+y)))
			return n
		}
		bases := strings.Fields(gitCmd(t, copies[i].Dir(), "merge-base", "--all", ours, theirs))
		if ahead != count(ours, theirs) || behind != count(theirs, ours) || !slices.Contains(bases, base) {
			t.Fatalf("step %d: ahead %d behind %d base %.8s; git: %d %d %v", step, ahead, behind, base, count(ours, theirs), count(theirs, ours), bases)
		}
		if _, err := copies[i].Integrate(ctx, theirs, "copy", nil); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
	}
	for _, cp := range copies {
		if rep, err := Verify(ctx, cp.Dir(), nil); err != nil || !rep.OK() {
			t.Fatalf("%s: %+v %v", cp.Dir(), rep, err)
		}
	}
}

// A remote's ref lock held by another machine's sync is waited for, then
// reported, never taken over; one left by a crash long ago is taken over.
func TestMoveBranchOfSharedRepository(t *testing.T) {
	a, b := twoCopies(t)
	old := b.Tip()
	mustAdd(t, a, &Record{Kind: "note", Title: "x"})
	fetch(t, b, a)
	lock := filepath.Join(b.Dir(), "refs", "heads", "main.lock")
	defer func(w time.Duration) { gitstore.SharedLockWait = w }(gitstore.SharedLockWait)
	gitstore.SharedLockWait = 100 * time.Millisecond
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := MoveBranch(b.Dir(), old, a.Tip()); KindOf(err) != Locked || !strings.Contains(HintOf(err), "another copy is syncing") {
		t.Fatalf("fresh lock: %v", err)
	}
	if tip, _ := BranchTip(b.Dir()); tip != old {
		t.Fatal("the branch moved under a lock")
	}
	long := time.Now().Add(-time.Hour)
	os.Chtimes(lock, long, long)
	if err := MoveBranch(b.Dir(), old, a.Tip()); err != nil {
		t.Fatalf("abandoned lock: %v", err)
	}
	if tip, _ := BranchTip(b.Dir()); tip != a.Tip() {
		t.Fatal("the branch did not move")
	}
}

// A version the merge writes is encrypted to the merged roster, taken as
// an argument: a member the other side added can read it, and the
// binder's own roster is not swapped while merging.
func TestMergedVersionIsForTheMergedRoster(t *testing.T) {
	ctx := context.Background()
	a, b := twoCopies(t)
	x := mustAdd(t, a, &Record{Kind: "note", Title: "x"})
	if _, err := b.Integrate(ctx, fetch(t, b, a), "a", nil); err != nil {
		t.Fatal(err)
	}
	sam := addSam(t, a)
	mustEdit(t, a, x.ID, func(r *Record) { r.Body = "from a" })
	mustEdit(t, b, x.ID, func(r *Record) { r.Title = "from b" })
	before := b.Roster()
	res, err := b.Integrate(ctx, fetch(t, b, a), "a", nil)
	if err != nil || !res.Merged {
		t.Fatalf("merge: %+v %v", res, err)
	}
	if b.Roster() == before || b.Roster().Serial != 2 {
		t.Fatalf("roster after the merge: serial %d", b.Roster().Serial)
	}
	agePath, envPath := recordPath(x.ID)
	env, err := ParseEnvelope(readAt(t, b, envPath))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(env.Audience, " "); !strings.Contains(got, "sam") {
		t.Fatalf("merged version's audience %q lacks the new member", got)
	}
	plain, err := bcrypto.Decrypt(readAt(t, b, agePath), sam.AgeIdentity())
	if err != nil {
		t.Fatalf("the new member cannot read the merged version: %v", err)
	}
	if r, err := ParseRecord(plain); err != nil || r.Title != "from b" || strings.TrimSpace(r.Body) != "from a" {
		t.Fatalf("merged version: %+v %v", r, err)
	}
}

// A record's audience is its own: an edit and a merge keep the one its
// last version had, rather than taking the binder's default.
func TestAudienceIsKeptByEditsAndMerges(t *testing.T) {
	ctx := context.Background()
	a, b := twoCopies(t)
	r := &Record{ID: NewID(), Kind: "note", Title: "for managers"}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	err := a.commit(ctx, []change{{rec: r, action: "add", audience: roster.RoleManager}})
	a.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	_, envPath := recordPath(r.ID)
	audience := func(bd *Binder) string {
		env, err := ParseEnvelope(readAt(t, bd, envPath))
		if err != nil {
			t.Fatal(err)
		}
		return env.Audience[0]
	}
	if got := audience(a); got != roster.RoleManager {
		t.Fatalf("added with audience %q", got)
	}
	mustEdit(t, a, r.ID, func(r *Record) { r.Body = "edited" })
	if got := audience(a); got != roster.RoleManager {
		t.Fatalf("after an edit the audience is %q", got)
	}
	if _, err := b.Integrate(ctx, fetch(t, b, a), "a", nil); err != nil {
		t.Fatal(err)
	}
	mustEdit(t, a, r.ID, func(r *Record) { r.Body = "edited on a" })
	mustEdit(t, b, r.ID, func(r *Record) { r.Title = "edited on b" })
	res, err := b.Integrate(ctx, fetch(t, b, a), "a", nil)
	if err != nil || !res.Merged {
		t.Fatalf("merge: %+v %v", res, err)
	}
	if got := audience(b); got != roster.RoleManager {
		t.Fatalf("after a merge the audience is %q", got)
	}
}

// addSam has a's manager add a new member, sam, as a responder: a signed
// roster change that re-encrypts every record for him. It returns sam.
func addSam(t *testing.T, a *Binder) *bcrypto.Identity {
	t.Helper()
	sam, err := bcrypto.NewIdentity("sam")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ChangeMembers(context.Background(), MemberChange{Op: MemberAdd, Card: sam.Card(), Roles: []string{roster.RoleResponder}}, true); err != nil {
		t.Fatal(err)
	}
	return sam
}
