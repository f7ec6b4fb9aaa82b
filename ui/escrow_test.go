package ui

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"gobag/binder"
	"gobag/binder/qr"
	"gobag/binder/roster"
	bcrypto "gobag/crypto"
)

// teamBinder makes a binder whose manager is priya, with custodians ana
// and ben and a 2-of-2 secret, and returns how to open it as priya and as
// each custodian (a copy of their own), and the custodians' identities.
func teamBinder(t *testing.T) (priya Options, copies map[string]Options) {
	t.Helper()
	ids := map[string]*bcrypto.Identity{}
	priya = newBinderWith(t, func(ctx context.Context, b *binder.Binder) {
		for _, h := range []string{"ana", "ben"} {
			id, err := bcrypto.NewIdentity(h)
			if err != nil {
				t.Fatal(err)
			}
			ids[h] = id
			if _, err := b.ChangeMembers(ctx, binder.MemberChange{Op: binder.MemberAdd, Card: id.Card(), Roles: []string{roster.RoleCustodian}}, true); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.PutSecret(ctx, binder.SecretSpec{Name: "db-root", Custodians: []string{"ana", "ben"}, Threshold: 2}, []byte("hunter2-root")); err != nil {
			t.Fatal(err)
		}
	})
	copies = map[string]Options{}
	for h, id := range ids {
		copies[h] = copyFor(t, priya, id)
	}
	return priya, copies
}

// copyFor clones opts's binder for id.
func copyFor(t *testing.T, opts Options, id *bcrypto.Identity) Options {
	t.Helper()
	dir := filepath.Join(t.TempDir(), id.Handle)
	if out, err := exec.Command("git", "clone", "-q", "--bare", opts.BinderDir, dir).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	idPath := filepath.Join(t.TempDir(), id.Handle+".id")
	if err := os.WriteFile(idPath, id.MarshalText(), 0o600); err != nil {
		t.Fatal(err)
	}
	return Options{BinderDir: dir, IdentityPath: idPath}
}

// pull takes from's history into the binder u has open, as a sync would.
func pull(t *testing.T, u *App, from string) {
	t.Helper()
	b := u.Binder()
	if out, err := exec.Command("git", "-C", b.Dir(), "fetch", "-q", from, "+main:refs/remotes/other/main").CombinedOutput(); err != nil {
		t.Fatalf("fetch: %v\n%s", err, out)
	}
	tip, err := exec.Command("git", "-C", b.Dir(), "rev-parse", "refs/remotes/other/main").Output()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Integrate(context.Background(), strings.TrimSpace(string(tip)), "other", nil); err != nil {
		t.Fatal(err)
	}
	u.changed()
	u.tasks.wait()
}

func escrowOf(t *testing.T, u *App) *escrowScreen {
	t.Helper()
	s := u.shell.goTo("escrow").(*escrowScreen)
	u.tasks.wait()
	return s
}

// The break-glass flow in the app: priya requests; ana approves through
// sync; the second approval comes from ben as a QR code read back from an
// image; priya opens, sees the value only while the button is held, and
// copies it, which the clipboard loses after the time allowed.
func TestEscrowBreakGlassFlow(t *testing.T) {
	priyaOpts, copies := teamBinder(t)
	p := openApp(t, priyaOpts)
	s := escrowOf(t, p)
	if !strings.Contains(s.summary.Text, "1 secret; 0 due for rotation") || !strings.Contains(textOf(s.detail), "2 of them must approve") {
		t.Fatalf("escrow screen: %q\n%s", s.summary.Text, textOf(s.detail))
	}
	test.Type(s.reason, "restore the database after the storage failure")
	s.request()
	p.tasks.wait()
	if !strings.Contains(s.progress.Text, "0 of 2 approvals") || !s.openBtn.Disabled() {
		t.Fatalf("after the request: %q", s.progress.Text)
	}

	// ana, on her copy, syncs and approves, after reading the reason.
	a := openApp(t, copies["ana"])
	pull(t, a, priyaOpts.BinderDir)
	as := escrowOf(t, a)
	if !strings.Contains(textOf(as.detail), "Request") {
		t.Fatalf("ana sees no request:\n%s", textOf(as.detail))
	}
	req := as.secret().Requests[0].ID
	as.approve(req)
	a.tasks.wait()
	if as.confirm == nil {
		t.Fatal("approving does not show the reason first")
	}
	as.confirm.Confirm()
	a.tasks.wait()
	pull(t, p, copies["ana"].BinderDir)
	if s = escrowOf(t, p); !strings.Contains(s.progress.Text, "1 of 2 approvals (ana)") || !s.openBtn.Disabled() {
		t.Fatalf("after ana's approval: %q", s.progress.Text)
	}

	// ben has no network: the request reaches him as a QR image and his
	// approval comes back the same way.
	s.showHandover(req)
	p.tasks.wait()
	reqImg := filepath.Join(t.TempDir(), "request.png")
	writeQR(t, s.handover, reqImg)
	bn := openApp(t, copies["ben"])
	bs := escrowOf(t, bn)
	bs.takePath.SetText(reqImg)
	bs.approveHandover()
	bn.tasks.wait()
	if bs.status.Text != "" || !bytes.Contains(bs.handover, []byte("action: approve")) {
		t.Fatalf("ben's approval from the QR code: %q", bs.status.Text)
	}
	backImg := filepath.Join(t.TempDir(), "approval.png")
	writeQR(t, bs.handover, backImg)
	s.takePath.SetText(backImg)
	s.takeIn()
	p.tasks.wait()
	if s = escrowOf(t, p); s.status.Text != "" || !strings.Contains(s.progress.Text, "2 of 2 approvals") || s.openBtn.Disabled() {
		t.Fatalf("after ben's approval: %q %q", s.status.Text, s.progress.Text)
	}

	// Open: the value is masked until the button is held.
	s.open()
	p.tasks.wait()
	s = escrowOf(t, p)
	if s.shownVal == nil || strings.Contains(s.shownVal.Text, "hunter2") {
		t.Fatalf("the value shows unmasked: %v", s.shownVal)
	}
	s.reveal.MouseDown(&desktop.MouseEvent{})
	if s.shownVal.Text != "hunter2-root" {
		t.Fatalf("held: %q", s.shownVal.Text)
	}
	s.reveal.MouseUp(&desktop.MouseEvent{})
	s.reveal.Tapped(nil) // the click that a press and release make
	if strings.Contains(s.shownVal.Text, "hunter2") {
		t.Fatal("released, the value still shows")
	}
	// From the keyboard (space), a tap shows it for a few seconds.
	savedReveal := revealFor
	revealFor = 20 * time.Millisecond
	t.Cleanup(func() { revealFor = savedReveal })
	s.reveal.Tapped(nil)
	if s.shownVal.Text != "hunter2-root" {
		t.Fatalf("tapped: %q", s.shownVal.Text)
	}
	p.tasks.wait()
	if strings.Contains(s.shownVal.Text, "hunter2") {
		t.Fatal("the value still shows after the tap's time")
	}
	saved := clipboardClearAfter
	clipboardClearAfter = 50 * time.Millisecond
	t.Cleanup(func() { clipboardClearAfter = saved })
	p.copySecret(string(s.value), "db-root")
	if got := p.fyneApp.Clipboard().Content(); got != "hunter2-root" {
		t.Fatalf("copied: %q", got)
	}
	p.tasks.wait()
	if got := p.fyneApp.Clipboard().Content(); got != "" {
		t.Fatalf("the clipboard still holds the value: %q", got)
	}
	if !strings.Contains(textOf(s.detail), "Due for rotation: opened by priya") {
		t.Fatalf("after opening:\n%s", textOf(s.detail))
	}
	// Rotation clears the flag.
	s.rotateNew.SetText("new-root")
	s.rotateRep.SetText("new-root")
	s.rotate("db-root")
	p.tasks.wait()
	if s = escrowOf(t, p); s.status.Text != "" || strings.Contains(textOf(s.detail), "Due for rotation") || s.value != nil {
		t.Fatalf("after rotation: %q\n%s", s.status.Text, textOf(s.detail))
	}
	// The audit log shows every step.
	au := p.shell.goTo("audit").(*auditScreen)
	p.tasks.wait()
	var steps []string
	for _, it := range au.items {
		steps = append(steps, it.Actor+" "+it.Action)
		if it.Verified != "verified" {
			t.Errorf("%s %s: %s", it.Actor, it.Action, it.Verified)
		}
	}
	got := strings.Join(steps, ", ")
	for _, want := range []string{"priya rotate", "priya open", "ana approve", "ben approve", "priya request", "priya put"} {
		if !strings.Contains(got, want) {
			t.Errorf("the audit log lacks %q: %s", want, got)
		}
	}
	if !strings.HasPrefix(got, "priya rotate, priya open") {
		t.Errorf("the audit log is not newest first: %s", got)
	}
}

func writeQR(t *testing.T, text []byte, path string) {
	t.Helper()
	png, err := qr.PNG(text, 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A forged approval handed over is refused, and named.
func TestEscrowRefusesAForgedHandover(t *testing.T) {
	priyaOpts, copies := teamBinder(t)
	p := openApp(t, priyaOpts)
	s := escrowOf(t, p)
	test.Type(s.reason, "drill")
	s.request()
	p.tasks.wait()
	s.showHandover(s.secret().Requests[0].ID)
	p.tasks.wait()
	a := openApp(t, copies["ana"])
	as := escrowOf(t, a)
	as.takeText.SetText(string(s.handover))
	as.approveHandover()
	a.tasks.wait()
	forged := bytes.Replace(as.handover, []byte("actor: ana "), []byte("actor: ben "), 1)
	s.takeText.SetText(string(forged))
	s.takeIn()
	p.tasks.wait()
	if !strings.Contains(s.status.Text, "Not taken in") {
		t.Fatalf("a forged approval was taken in: %q", s.status.Text)
	}
}
