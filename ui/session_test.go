package ui

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// Another process asking for the binder gets it while the app is open, and
// what it saved shows in the app once the app has it back.
func TestAppLendsTheBinderToAnotherProcess(t *testing.T) {
	a := test.NewTempApp(t)
	opts := newBinder(t, false)
	u := New(a, opts)
	defer u.Close()
	u.tasks.wait()
	changes := make(chan bool, 10)
	opened := u.session.b != nil
	u.session.onChange = func() {
		u.shell.binderChanged()
		changes <- u.session.lent()
	}
	if !opened {
		t.Fatal("binder not opened")
	}
	br := u.shell.goTo("records").(*browser)
	want := func(lent bool) {
		t.Helper()
		// The test's goroutine is the UI goroutine: it runs the
		// session's callbacks as they come.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			u.tasks.wait()
			select {
			case got := <-changes:
				if got != lent {
					t.Fatalf("binder lent = %v; want %v", got, lent)
				}
				return
			default:
			}
		}
		t.Fatalf("the app did not change the binder's state to lent = %v", lent)
	}

	// What the CLI does: fail to open, ask, and open when it is free.
	data, err := os.ReadFile(opts.IdentityPath)
	if err != nil {
		t.Fatal(err)
	}
	id, err := bcrypto.OpenIdentity(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := binder.Open(ctx, opts.BinderDir, id); binder.KindOf(err) != binder.Locked {
		t.Fatalf("open while the app has it: %v; want Locked", err)
	}
	end, err := binder.Ask(opts.BinderDir)
	if err != nil {
		t.Fatal(err)
	}
	want(true)
	var b *binder.Binder
	for deadline := time.Now().Add(5 * time.Second); ; {
		b, err = binder.Open(ctx, opts.BinderDir, id)
		if binder.KindOf(err) != binder.Locked || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("open after asking: %v", err)
	}
	if _, err := b.Add(ctx, &binder.Record{Kind: "contact", Title: "Added from a terminal"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	end()
	want(false)
	found := false
	for _, it := range br.items {
		found = found || it.Title == "Added from a terminal"
	}
	if !found || u.shell.bannerBox.Visible() {
		t.Fatalf("after the binder came back: records %+v, banner shown %v", br.items, u.shell.bannerBox.Visible())
	}
}

// When the binder cannot be opened again after a command had it, the
// window stays as it was, an editor's unsaved changes with it, and says
// so with a way to try again; once the cause is gone, trying again opens
// it and the changes can be saved.
func TestReopenFailureKeepsTheWindowAndItsEdits(t *testing.T) {
	opts := newBinder(t, false)
	u := openApp(t, opts)
	priya := recordTitled(t, u.Binder(), "contact", "Priya Raman")
	s := editing(t, u, priya, "")
	s.title.SetText("Priya Raman (typed during an incident)")

	end, err := binder.Ask(opts.BinderDir)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); (u.Binder() != nil || u.session.closing) && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		u.tasks.wait()
	}
	// What the command did makes the next open fail: here the binder's
	// directory is gone (a drive unplugged).
	moved := opts.BinderDir + ".away"
	if err := os.Rename(opts.BinderDir, moved); err != nil {
		t.Fatal(err)
	}
	end()
	for deadline := time.Now().Add(5 * time.Second); !u.shell.retry.Visible() && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		u.tasks.wait()
	}
	if u.view != u.shell || !u.shell.retry.Visible() || !strings.Contains(u.shell.banner.Text, "could not be opened again") {
		t.Fatalf("after a failed reopen the window shows %T, banner %q", u.view, u.shell.banner.Text)
	}
	if s.title.Text != "Priya Raman (typed during an incident)" {
		t.Fatalf("the editor lost its text: %q", s.title.Text)
	}
	if err := os.Rename(moved, opts.BinderDir); err != nil {
		t.Fatal(err)
	}
	test.Tap(u.shell.retry)
	for deadline := time.Now().Add(5 * time.Second); u.Binder() == nil && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		u.tasks.wait()
	}
	if u.Binder() == nil || u.shell.bannerBox.Visible() {
		t.Fatal("trying again did not open the binder")
	}
	u.shell.goTo("edit")
	s.save()
	u.tasks.wait()
	r, err := u.Binder().Get(context.Background(), priya)
	if err != nil || r.Title != "Priya Raman (typed during an incident)" {
		t.Fatalf("saved after the binder came back: %v, %q", err, r.Title)
	}
}

// A second window on the same binder waits for the first to close: it
// does not take the binder while the first has lent it to a command.
func TestSecondWindowWaitsForTheFirst(t *testing.T) {
	opts := newBinder(t, false)
	u1 := openApp(t, opts)
	u2 := New(test.NewTempApp(t), opts)
	t.Cleanup(u2.Close)
	v2, ok := u2.view.(*unlockView)
	if !ok {
		t.Fatalf("second window shows %T", u2.view)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(v2.progress.Text, "another gobag window") && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		testOnlyQueue.run()
	}
	if !strings.Contains(v2.progress.Text, "another gobag window") {
		t.Fatalf("second window says %q", v2.progress.Text)
	}
	// A command asks, and is done.
	end, err := binder.Ask(opts.BinderDir)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); u1.Binder() != nil && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		testOnlyQueue.run()
	}
	time.Sleep(500 * time.Millisecond) // the second window's tries meanwhile
	end()
	for deadline := time.Now().Add(5 * time.Second); u1.Binder() == nil && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		testOnlyQueue.run()
	}
	if u1.Binder() == nil || u2.session != nil {
		t.Fatalf("after the command: first window has the binder %v, second window opened %v", u1.Binder() != nil, u2.session != nil)
	}
	// The first window closes: the second opens.
	u1.Close()
	for deadline := time.Now().Add(10 * time.Second); u2.Binder() == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		testOnlyQueue.run()
	}
	if u2.Binder() == nil {
		t.Fatal("the second window did not open once the first closed")
	}
}
