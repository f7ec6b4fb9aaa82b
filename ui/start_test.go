package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// The first run creates an identity and a binder from the start screen,
// opens it, and remembers it (in the config dir, not the binder) for the
// next start with no binder given.
func TestFirstRunCreatesIdentityAndBinder(t *testing.T) {
	testOnlyScryptWorkFactor = 10
	defer func() { testOnlyScryptWorkFactor = 0 }()
	a := test.NewTempApp(t)
	tmp := t.TempDir()
	config := filepath.Join(tmp, "config")
	opts := Options{IdentityPath: filepath.Join(tmp, "id.age"), ConfigDir: config}
	u := New(a, opts)
	defer u.Close()
	v, ok := u.view.(*startView)
	if !ok {
		t.Fatalf("got %T; want the start screen", u.view)
	}
	c := &v.create
	if got := u.Window().Canvas().Focused(); got != c.id.handle {
		t.Fatalf("got focus on %T; want the name field", got)
	}
	c.id.handle.SetText("")
	test.Type(c.id.handle, "priya")
	test.Type(c.id.pass, "abc")
	if !strings.HasPrefix(c.id.strength.Text, "Weak") {
		t.Fatalf("got strength %q; want Weak", c.id.strength.Text)
	}
	test.Type(c.id.pass, "-correct-horse-battery")
	test.Type(c.id.again, "abc-correct-horse")
	test.Tap(c.button)
	if c.id.againErr.Text == "" || c.nameErr.Text == "" || c.dirErr.Text == "" {
		t.Fatalf("got errors again %q, name %q, dir %q; want each at its field", c.id.againErr.Text, c.nameErr.Text, c.dirErr.Text)
	}
	if _, err := os.Stat(opts.IdentityPath); !os.IsNotExist(err) {
		t.Fatal("an identity was written from a form with errors")
	}
	test.Type(c.id.again, "-battery")
	test.Type(c.name, "Example Office")
	dir := filepath.Join(tmp, "binder")
	test.Type(c.dir, dir)
	test.Tap(c.button)
	u.tasks.wait()
	if u.view != u.shell || u.Binder() == nil {
		t.Fatalf("got view %T (progress %q, dir error %q); want the shell on the new binder", u.view, c.progress.Text, c.dirErr.Text)
	}
	if got := u.Binder().Name(context.Background()); got != "Example Office" {
		t.Fatalf("got binder name %q; want Example Office", got)
	}
	if got := u.Binder().Identity().Handle; got != "priya" {
		t.Fatalf("got handle %q; want priya", got)
	}
	last, err := loadRemembered(config)
	if err != nil || last.Binder != dir || last.Identity != opts.IdentityPath {
		t.Fatalf("got remembered %+v, %v; want %s with %s", last, err, dir, opts.IdentityPath)
	}
	fi, err := os.Stat(rememberedFile(config))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("got remembered file %v, %v; want mode 0600", fi, err)
	}
	filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error {
		if filepath.Base(p) == "desktop.toml" {
			t.Errorf("got %s inside the binder; want it only in the config dir", p)
		}
		return nil
	})
	u.Close()

	// Next start, nothing given: the binder opened last, asking for the
	// passphrase of the identity it was opened with.
	u2 := New(a, Options{IdentityPath: filepath.Join(tmp, "elsewhere.age"), ConfigDir: config})
	defer u2.Close()
	uv, ok := u2.view.(*unlockView)
	if !ok {
		t.Fatalf("second start: got %T; want the unlock screen", u2.view)
	}
	test.Type(uv.entry, "wrong")
	uv.entry.OnSubmitted(uv.entry.Text)
	u2.tasks.wait()
	if uv.status.Text != "Wrong passphrase. Try again." {
		t.Fatalf("got status %q; want the wrong passphrase said", uv.status.Text)
	}
	test.Type(uv.entry, "abc-correct-horse-battery")
	uv.entry.OnSubmitted(uv.entry.Text)
	u2.tasks.wait()
	if u2.Binder() == nil || u2.Binder().Dir() != dir {
		t.Fatalf("second start did not open the remembered binder")
	}
}

// A remembered binder that is gone leads to the start screen, saying so.
func TestRememberedBinderGone(t *testing.T) {
	a := test.NewTempApp(t)
	config := t.TempDir()
	if err := saveRemembered(config, remembered{Binder: filepath.Join(config, "gone"), Identity: "/nowhere"}); err != nil {
		t.Fatal(err)
	}
	u := New(a, Options{ConfigDir: config})
	defer u.Close()
	v, ok := u.view.(*startView)
	if !ok || !strings.Contains(v.note.Text, "not there any more") {
		t.Fatalf("got %T; want the start screen saying the binder is gone", u.view)
	}
}

// The demo is made the first time and opened with its identity.
func TestStartOpensDemo(t *testing.T) {
	a := test.NewTempApp(t)
	made := 0
	opts := newBinder(t, true)
	demoDir, demoID := opts.BinderDir, opts.IdentityPath
	u := New(a, Options{DemoDir: demoDir, Demo: func(ctx context.Context, dir string) (string, error) {
		made++
		if dir != demoDir {
			t.Errorf("got demo dir %s; want %s", dir, demoDir)
		}
		return demoID, nil
	}})
	defer u.Close()
	v := u.view.(*startView)
	test.Tap(v.demo.button)
	u.tasks.wait()
	uv, ok := u.view.(*unlockView)
	if !ok || made != 1 || !strings.Contains(uv.progress.Text, `"demo"`) {
		t.Fatalf("got %T, made %d; want the unlock screen with the demo's passphrase", u.view, made)
	}
	test.Type(uv.entry, "pw")
	uv.entry.OnSubmitted(uv.entry.Text)
	u.tasks.wait()
	if u.Binder() == nil {
		t.Fatal("demo not opened")
	}
}

// Joining by cloning a directory remote, trusting on first use when the
// user says so, and refusing without a fingerprint otherwise.
func TestJoinClonesBinder(t *testing.T) {
	testOnlyScryptWorkFactor = 10
	defer func() { testOnlyScryptWorkFactor = 0 }()
	a := test.NewTempApp(t)
	src := newBinder(t, true)
	remote := filepath.Join(t.TempDir(), "remote.git")
	pushTo(t, src, remote)

	tmp := t.TempDir()
	u := New(a, Options{IdentityPath: src.IdentityPath, ConfigDir: filepath.Join(tmp, "config")})
	defer u.Close()
	v := u.view.(*startView)
	j := &v.join
	if !j.id.exists {
		t.Fatal("the join form asks for a new identity though one exists")
	}
	test.Type(j.url, remote)
	test.Type(j.dir, filepath.Join(tmp, "copy"))
	test.Type(j.id.pass, "pw")
	test.Tap(j.button)
	if j.fpErr.Text == "" {
		t.Fatal("got no error at the fingerprint; want one asking for it")
	}
	test.Tap(j.tofu)
	test.Tap(j.button)
	u.tasks.wait()
	if u.Binder() == nil {
		t.Fatalf("not joined: %q", j.progress.Text)
	}
	recs, err := u.Binder().List(context.Background(), "contact")
	if err != nil || len(recs) != 1 || recs[0].Title != "Priya Raman" {
		t.Fatalf("got %+v, %v; want the source's contact", recs, err)
	}
	if !strings.Contains(u.shell.status.Text, u.Binder().Fingerprint()) {
		t.Fatalf("got status %q; want the fingerprint to check", u.shell.status.Text)
	}
	// And a dialog that stays until the user has read it.
	top := u.Window().Canvas().Overlays().Top()
	if top == nil || !strings.Contains(textOf(top), u.Binder().Fingerprint()) {
		t.Fatal("no dialog with the fingerprint to check after joining on first use")
	}
}
