package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

func newBinder(t *testing.T, sealed bool) Options {
	t.Helper()
	id, err := bcrypto.NewIdentity("priya")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	b, err := binder.Create(context.Background(), filepath.Join(dir, "binder"), id, "Example Statistics Office")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, r := range []*binder.Record{
		{Kind: "contact", Title: "Priya Raman", Fields: map[string]any{"location": "HQ, 3rd floor"}, Body: "Head of **ICT**."},
		{Kind: "system", Title: "Data platform", Fields: map[string]any{"rto": "3h"}},
	} {
		if _, err := b.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	data := id.MarshalText()
	if sealed {
		if data, err = bcrypto.SealIdentity(id, []byte("pw"), 10); err != nil {
			t.Fatal(err)
		}
	}
	idPath := filepath.Join(dir, "id")
	if err := os.WriteFile(idPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return Options{BinderDir: filepath.Join(dir, "binder"), IdentityPath: idPath}
}

func TestBrowserListsAndShowsRecords(t *testing.T) {
	a := test.NewTempApp(t)
	u := New(a, newBinder(t, false))
	defer u.Close()
	u.tasks.wait()
	if u.Binder() == nil {
		t.Fatal("binder not opened")
	}
	if got := u.Window().Title(); got != "gobag — Example Statistics Office" {
		t.Fatalf("title %q", got)
	}
	if u.view != u.shell {
		t.Fatalf("content is %T; want the main window", u.view)
	}
	br, ok := u.shell.goTo("records").(*browser)
	if !ok {
		t.Fatalf("records screen is %T; want the browser", u.shell.screens["records"])
	}
	if len(br.items) != 2 || br.items[0].Kind != "contact" || br.items[1].Kind != "system" {
		t.Fatalf("items = %+v", br.items)
	}
	br.list.Select(0)
	if br.title.Text != "Priya Raman" {
		t.Fatalf("detail title %q; want Priya Raman", br.title.Text)
	}
	if len(br.form.Items) != 1 || br.form.Items[0].Text != "location" {
		t.Fatalf("fields = %+v", br.form.Items)
	}
	// Another record replaces every row (a form keeps its rows' widgets).
	br.list.Select(1)
	if len(br.form.Items) != 1 || br.form.Items[0].Text != "rto" || br.form.Items[0].Widget.(*widget.Label).Text != "3h" {
		t.Fatalf("second record's fields = %+v", br.form.Items[0])
	}
	br.kinds.SetSelected("system")
	if len(br.items) != 1 || br.items[0].Title != "Data platform" {
		t.Fatalf("filtered items = %+v", br.items)
	}
}

func TestUnlockAsksAgainOnWrongPassphrase(t *testing.T) {
	a := test.NewTempApp(t)
	u := New(a, newBinder(t, true))
	defer u.Close()
	v, ok := u.view.(*unlockView)
	if !ok {
		t.Fatalf("content is %T; want the unlock view", u.view)
	}
	// Typing goes to the passphrase field at once.
	if f := u.Window().Canvas().Focused(); f != v.entry {
		t.Fatalf("focused %T; want the passphrase field", f)
	}
	test.Type(v.entry, "nope")
	gate := make(chan struct{})
	u.tasks.testOnlyGate = gate
	v.entry.OnSubmitted(v.entry.Text)
	if !v.entry.Disabled() || !v.button.Disabled() || v.progress.Text == "" {
		t.Fatalf("while unlocking: field enabled %v, progress %q", !v.entry.Disabled(), v.progress.Text)
	}
	close(gate)
	u.tasks.wait()
	u.tasks.testOnlyGate = nil
	if v.status.Text != "Wrong passphrase. Try again." || u.Binder() != nil {
		t.Fatalf("status %q", v.status.Text)
	}
	if v.entry.Disabled() || u.Window().Canvas().Focused() != v.entry || v.entry.Text != "" {
		t.Fatalf("after a wrong passphrase the field is not ready for another try")
	}
	test.Type(v.entry, "pw")
	v.entry.OnSubmitted(v.entry.Text)
	u.tasks.wait()
	if u.Binder() == nil {
		t.Fatal("not unlocked with the right passphrase")
	}
	if u.view != u.shell {
		t.Fatalf("after unlock content is %T", u.view)
	}
}

func TestNoBinderShowsStart(t *testing.T) {
	a := test.NewTempApp(t)
	u := New(a, Options{})
	defer u.Close()
	if _, ok := u.view.(*startView); !ok {
		t.Fatalf("content is %T; want the start screen", u.view)
	}
}

// A wrong passphrase from a file is no dead end: the app asks for it.
func TestWrongPassphraseFromFileAsks(t *testing.T) {
	a := test.NewTempApp(t)
	opts := newBinder(t, true)
	opts.Passphrase = func() ([]byte, error) { return []byte("wrong"), nil }
	u := New(a, opts)
	defer u.Close()
	u.tasks.wait()
	v, ok := u.view.(*unlockView)
	if !ok || !v.entry.Visible() || !v.button.Visible() || v.entry.Disabled() {
		t.Fatalf("after a wrong passphrase from a file: view %T, field shown %v", u.view, ok && v.entry.Visible())
	}
	if !strings.Contains(v.status.Text, "passphrase file") || u.Window().Canvas().Focused() != v.entry {
		t.Fatalf("status %q, focused %v", v.status.Text, u.Window().Canvas().Focused())
	}
	test.Type(v.entry, "pw")
	v.entry.OnSubmitted(v.entry.Text)
	u.tasks.wait()
	if u.Binder() == nil {
		t.Fatal("not unlocked with the passphrase typed")
	}
}

// The About box shows the version the app was given (gobag version's).
func TestAboutShowsTheVersion(t *testing.T) {
	a := test.NewTempApp(t)
	opts := newBinder(t, false)
	opts.Version = "0.1.0 (commit 0123456789ab)"
	u := New(a, opts)
	defer u.Close()
	u.tasks.wait()
	var about *fyne.MenuItem
	for _, m := range u.Window().MainMenu().Items {
		for _, it := range m.Items {
			if it.Label == "About gobag" {
				about = it
			}
		}
	}
	if about == nil {
		t.Fatal("no About item in the main menu")
	}
	about.Action()
	found := false
	for _, o := range u.Window().Canvas().Overlays().List() {
		found = found || strings.Contains(textOf(o), "Version 0.1.0 (commit 0123456789ab)")
	}
	if !found {
		t.Fatal("the About box does not show the version")
	}
}

// textOf is the text of every label under o.
func textOf(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case fyne.Widget:
			r := test.WidgetRenderer(w)
			for _, c := range r.Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}

// openApp opens the app on opts, waits for the binder to open, and sizes
// the window as a laptop's.
func openApp(t *testing.T, opts Options) *App {
	t.Helper()
	a := test.NewTempApp(t)
	u := New(a, opts)
	t.Cleanup(u.Close)
	u.tasks.wait()
	if u.Binder() == nil || u.shell == nil {
		t.Fatalf("binder not opened; the window shows %T", u.view)
	}
	u.tasks.wait()
	u.Window().Resize(fyne.NewSize(1100, 720))
	return u
}

// demoOptions opens a binder holding the demo records (newDemoBinder).
func demoOptions(t *testing.T) Options {
	t.Helper()
	opts, _ := newDemoBinder(t)
	return opts
}

// The trace (GOBAG_TRACE) gives the moments the budget is measured at and
// how long each search took, and never what was searched for.
func TestTraceHoldsTimingsNotContent(t *testing.T) {
	var trace bytes.Buffer
	opts := demoOptions(t)
	opts.Trace = &trace
	u := openApp(t, opts)
	u.shell.search()
	br := u.shell.screens["records"].(*browser)
	test.Type(br.search, "okafor")
	u.tasks.wait()
	got := trace.String()
	for _, want := range []string{" unlock ", " binder-open ", " first-screen dashboard", " dashboard-complete ", " search chars=6 results=1 ms="} {
		if !strings.Contains(got, want) {
			t.Errorf("trace lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(strings.ToLower(got), "okaf") {
		t.Errorf("the trace holds what was searched for:\n%s", got)
	}
}

// Opening can be cancelled: the unlock view asks again, and nothing is
// opened.
func TestOpeningCanBeCancelled(t *testing.T) {
	a := test.NewTempApp(t)
	u := New(a, newBinder(t, true))
	defer u.Close()
	v := u.view.(*unlockView)
	gate := make(chan struct{})
	u.tasks.testOnlyGate = gate
	test.Type(v.entry, "pw")
	v.entry.OnSubmitted(v.entry.Text)
	if !v.cancel.Visible() {
		t.Fatal("no Cancel while unlocking")
	}
	test.Tap(v.cancel)
	close(gate)
	u.tasks.testOnlyGate = nil
	u.tasks.wait()
	if u.Binder() != nil || u.shell != nil {
		t.Fatal("the binder was opened after Cancel")
	}
	v, ok := u.view.(*unlockView)
	if !ok || v.status.Text != "Opening the binder was cancelled." || v.entry.Disabled() || v.cancel.Visible() {
		t.Fatalf("after Cancel: view %T", u.view)
	}
	test.Type(v.entry, "pw")
	v.entry.OnSubmitted(v.entry.Text)
	u.tasks.wait()
	if u.Binder() == nil {
		t.Fatal("not opened on the next try")
	}
}

// newBinderWith makes a binder, lets fill add to it, and writes an
// unsealed identity for it.
func newBinderWith(t *testing.T, fill func(ctx context.Context, b *binder.Binder)) Options {
	t.Helper()
	id, err := bcrypto.NewIdentity("priya")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx := context.Background()
	b, err := binder.Create(ctx, filepath.Join(dir, "binder"), id, "Example Statistics Office")
	if err != nil {
		t.Fatal(err)
	}
	fill(ctx, b)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	idPath := filepath.Join(dir, "id")
	if err := os.WriteFile(idPath, id.MarshalText(), 0o600); err != nil {
		t.Fatal(err)
	}
	return Options{BinderDir: filepath.Join(dir, "binder"), IdentityPath: idPath}
}

// demoBinder makes a binder of the demo's records, after change (if not
// nil) has altered them, and returns how to open it.
func demoBinder(t *testing.T, change func(recs []*binder.Record)) Options {
	t.Helper()
	return newBinderWith(t, func(ctx context.Context, b *binder.Binder) {
		recs, err := binder.DemoRecords(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if change != nil {
			change(recs)
		}
		if _, err := b.Import(ctx, recs); err != nil {
			t.Fatal(err)
		}
	})
}

// newDemoBinder is demoBinder of the demo's records as they are, with the
// identity that opens it.
func newDemoBinder(t *testing.T) (Options, *bcrypto.Identity) {
	t.Helper()
	opts := demoBinder(t, nil)
	return opts, loadID(t, opts)
}
