package binder

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"gobag/binder/roster"
	bcrypto "gobag/crypto"
)

// syncFrom takes from's history into to.
func syncFrom(t *testing.T, to, from *Binder) *MergeResult {
	t.Helper()
	res, err := to.Integrate(context.Background(), fetch(t, to, from), from.Identity().Handle, nil)
	if err != nil {
		t.Fatalf("%s takes %s's history: %v", to.Identity().Handle, from.Identity().Handle, err)
	}
	return res
}

// team is a binder with a manager (priya), three custodians and a
// responder, each with their own copy.
type team struct {
	priya, ana, ben, chen, dora *Binder
}

func newTeam(t *testing.T) *team {
	t.Helper()
	a, _ := newTestBinder(t)
	ids := map[string]*bcrypto.Identity{}
	for _, h := range []string{"ana", "ben", "chen"} {
		ids[h] = newMember(t, a, h, roster.RoleCustodian)
	}
	ids["dora"] = newMember(t, a, "dora", roster.RoleResponder)
	return &team{priya: a, ana: copyAs(t, a, ids["ana"]), ben: copyAs(t, a, ids["ben"]), chen: copyAs(t, a, ids["chen"]), dora: copyAs(t, a, ids["dora"])}
}

func TestEscrowRound(t *testing.T) {
	ctx := context.Background()
	tm := newTeam(t)
	value := []byte("root: correct horse battery staple")
	if _, err := tm.priya.PutSecret(ctx, SecretSpec{Name: "db-root", Custodians: []string{"ana", "ben", "chen"}, Threshold: 1}, value); KindOf(err) != Invalid {
		t.Fatalf("threshold 1 without the binder allowing it: %v", err)
	}
	if _, err := tm.priya.PutSecret(ctx, SecretSpec{Name: "db-root", Custodians: []string{"ana", "ben", "dora"}, Threshold: 2}, value); err == nil || !strings.Contains(err.Error(), "dora is not a custodian") {
		t.Fatalf("a responder as custodian: %v", err)
	}
	if _, err := tm.dora.PutSecret(ctx, SecretSpec{Name: "db-root", Custodians: []string{"ana", "ben"}, Threshold: 2}, value); KindOf(err) != Permission {
		t.Fatalf("a responder escrows: %v", err)
	}
	s, err := tm.priya.PutSecret(ctx, SecretSpec{Name: "db-root", Custodians: []string{"ana", "ben", "chen"}, Threshold: 2}, value)
	if err != nil || s.Generation != 1 || s.Threshold != 2 {
		t.Fatalf("put: %+v %v", s, err)
	}
	mustVerify(t, tm.priya.Dir())
	// No plaintext of the value anywhere in the repository.
	if out, _ := exec.Command("git", "-C", tm.priya.Dir(), "grep", "-c", "horse", "main", "--").CombinedOutput(); len(out) != 0 {
		t.Fatalf("the value is in the repository: %s", out)
	}

	syncFrom(t, tm.dora, tm.priya)
	req, err := tm.dora.RequestSecret(ctx, "db-root", "restore after the storage failure")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.dora.OpenSecret(ctx, "db-root"); KindOf(err) != Permission || !strings.Contains(err.Error(), "2 of db-root's custodians must approve; none has") {
		t.Fatalf("opening with no approval: %v", err)
	}
	// ana approves through sync.
	syncFrom(t, tm.ana, tm.dora)
	if reason, err := tm.ana.RequestReason(ctx, req.ID); err != nil || reason != "restore after the storage failure" {
		t.Fatalf("the reason as ana reads it: %q %v", reason, err)
	}
	if _, err := tm.ana.ApproveRequest(ctx, req.ID[:8]); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.ana.ApproveRequest(ctx, req.ID); KindOf(err) != Conflict {
		t.Fatalf("a second approval by ana: %v", err)
	}
	if _, err := tm.dora.ApproveRequest(ctx, req.ID); KindOf(err) != Permission {
		t.Fatalf("dora approves her own request: %v", err)
	}
	syncFrom(t, tm.dora, tm.ana)
	if _, err := tm.dora.OpenSecret(ctx, "db-root"); KindOf(err) != Permission || !strings.Contains(err.Error(), "ana approved") {
		t.Fatalf("opening with one approval: %v", err)
	}
	// chen has no network: the request goes to him as text, his approval
	// comes back the same way.
	out, err := tm.dora.Handover(ctx, req.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.chen.ImportHandover(ctx, out); KindOf(err) != Conflict {
		t.Fatalf("chen, never synced, takes in the request: %v", err)
	}
	if _, err := tm.chen.ApproveHandover(ctx, out); KindOf(err) != NotExist {
		t.Fatalf("chen approves without the secret's generation: %v", err)
	}
	syncFrom(t, tm.chen, tm.priya) // before he left the office
	back, err := tm.chen.ApproveHandover(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	// A forged approval: ben's share re-signed by dora, and an approval
	// changed on the way.
	forged := bytes.Replace(back, []byte("actor: chen"), []byte("actor: ben"), 1)
	if _, err := tm.dora.ImportHandover(ctx, forged); KindOf(err) != BadSignature {
		t.Fatalf("an approval forged in ben's name: %v", err)
	}
	ids, err := tm.dora.ImportHandover(ctx, back)
	if err != nil || len(ids) != 1 {
		t.Fatalf("dora takes in chen's approval: %v %v", ids, err)
	}
	got, err := tm.dora.OpenSecret(ctx, "db-root")
	if err != nil || !bytes.Equal(got, value) {
		t.Fatalf("open: %q %v", got, err)
	}
	mustVerify(t, tm.dora.Dir())
	st, err := tm.dora.SecretByName(ctx, "db-root")
	if err != nil || len(st.Rotate) != 1 || !strings.Contains(st.Rotate[0], "opened by dora") {
		t.Fatalf("after the opening: %+v %v", st, err)
	}
	// Rotation: a new value, new shares; the flag is gone, the old
	// approvals open nothing.
	syncFrom(t, tm.priya, tm.dora)
	st, err = tm.priya.RotateSecret(ctx, "db-root", SecretSpec{}, []byte("new value"))
	if err != nil || st.Generation != 2 || len(st.Rotate) != 0 {
		t.Fatalf("rotate: %+v %v", st, err)
	}
	syncFrom(t, tm.dora, tm.priya)
	if _, err := tm.dora.OpenSecret(ctx, "db-root"); KindOf(err) != Permission {
		t.Fatalf("opening the new generation with the old request: %v", err)
	}
	audit, err := tm.dora.Audit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, it := range audit {
		if it.Secret == "db-root" {
			actions = append(actions, it.Actor+" "+it.Action)
		}
		if it.Verified != "verified" {
			t.Errorf("entry %s: %s", it.ID, it.Verified)
		}
	}
	// The two approvals follow the request alike: their order is by time.
	order := strings.Join(actions, ", ")
	if order != "priya put, dora request, ana approve, chen approve, dora open, priya rotate" &&
		order != "priya put, dora request, chen approve, ana approve, dora open, priya rotate" {
		t.Fatalf("audit: %s", order)
	}
	mustVerify(t, tm.dora.Dir())
}

// A custodian removed mid-way: their approval afterwards is refused, and
// the secrets they could reach are flagged for rotation.
func TestRemovedCustodianCannotApprove(t *testing.T) {
	ctx := context.Background()
	tm := newTeam(t)
	if _, err := tm.priya.PutSecret(ctx, SecretSpec{Name: "backup-key", Custodians: []string{"ana", "ben", "chen"}, Threshold: 2}, []byte("k")); err != nil {
		t.Fatal(err)
	}
	syncFrom(t, tm.dora, tm.priya)
	req, err := tm.dora.RequestSecret(ctx, "backup-key", "test restore")
	if err != nil {
		t.Fatal(err)
	}
	syncFrom(t, tm.ben, tm.dora)
	syncFrom(t, tm.priya, tm.dora)
	preview, err := tm.priya.ChangeMembers(ctx, MemberChange{Op: MemberRemove, Handle: "ben"}, false)
	if err != nil || len(preview.Rotate) != 1 || preview.Rotate[0] != "backup-key" {
		t.Fatalf("the removal's account: %+v %v", preview, err)
	}
	if _, err := tm.priya.ChangeMembers(ctx, MemberChange{Op: MemberRemove, Handle: "ben"}, true); err != nil {
		t.Fatal(err)
	}
	st, _ := tm.priya.SecretByName(ctx, "backup-key")
	if len(st.Rotate) != 1 || !strings.Contains(st.Rotate[0], "ben, who could reach it, was removed") {
		t.Fatalf("flag after ben's removal: %q", st.Rotate)
	}
	// ben, on his copy that has not heard of it, approves.
	if _, err := tm.ben.ApproveRequest(ctx, req.ID); err != nil {
		t.Fatal(err)
	}
	res := syncFrom(t, tm.priya, tm.ben)
	if len(res.Refused) == 0 || !strings.Contains(strings.Join(res.Refused, "\n"), "approve) by ben") {
		t.Fatalf("ben's approval was not refused: %q", res.Refused)
	}
	mustVerify(t, tm.priya.Dir())
	syncFrom(t, tm.dora, tm.priya)
	st, _ = tm.dora.SecretByName(ctx, "backup-key")
	if len(st.Requests) != 1 || len(st.Requests[0].Approvals) != 0 {
		t.Fatalf("the request after ben's refused approval: %+v", st.Requests)
	}
}

// A generation older than the binder's rotation period (12 months by
// default), or its credential's rotate_every, is overdue.
func TestSecretOverdueForRotation(t *testing.T) {
	ctx := context.Background()
	clock = func() time.Time { return time.Now().AddDate(0, -13, 0) }
	t.Cleanup(func() { clock = time.Now })
	tm := newTeam(t)
	_, err := tm.priya.PutSecret(ctx, SecretSpec{Name: "old", Custodians: []string{"ana", "ben"}, Threshold: 2}, []byte("v"))
	clock = time.Now
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.priya.PutSecret(ctx, SecretSpec{Name: "new", Custodians: []string{"ana", "ben"}, Threshold: 2}, []byte("v")); err != nil {
		t.Fatal(err)
	}
	old, _ := tm.priya.SecretByName(ctx, "old")
	fresh, _ := tm.priya.SecretByName(ctx, "new")
	if len(old.Rotate) != 1 || !strings.HasPrefix(old.Rotate[0], "overdue since") || len(fresh.Rotate) != 0 {
		t.Fatalf("rotation: old %q, new %q", old.Rotate, fresh.Rotate)
	}
}
