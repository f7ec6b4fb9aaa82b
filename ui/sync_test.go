package ui

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"gobag/binder"
	bcrypto "gobag/crypto"
	gitsync "gobag/sync"
)

// openWith opens the binder of opts with its identity (sealed with "pw"
// or not), for a test to change it as another copy would.
func openWith(t *testing.T, opts Options) *binder.Binder {
	t.Helper()
	b, err := binder.Open(context.Background(), opts.BinderDir, loadID(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadID reads the identity of opts, sealed with "pw" or not.
func loadID(t *testing.T, opts Options) *bcrypto.Identity {
	t.Helper()
	data, err := os.ReadFile(opts.IdentityPath)
	if err != nil {
		t.Fatal(err)
	}
	id, err := bcrypto.OpenIdentity(data, func() ([]byte, error) { return []byte("pw"), nil })
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// pushTo sends the binder of opts to a new directory remote.
func pushTo(t *testing.T, opts Options, remote string) {
	t.Helper()
	b := openWith(t, opts)
	defer b.Close()
	ctx := context.Background()
	if _, err := gitsync.AddRemote(ctx, opts.BinderDir, &gitsync.Remote{Name: "hub", URL: remote}, gitsync.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := gitsync.Sync(ctx, b, "hub", gitsync.Options{Identity: b.Identity()}); err != nil {
		t.Fatal(err)
	}
}

func openSync(t *testing.T, u *App) *syncScreen {
	t.Helper()
	u.tasks.wait()
	if u.shell == nil {
		t.Fatal("binder not opened")
	}
	s, ok := u.shell.goTo("sync").(*syncScreen)
	if !ok {
		t.Fatalf("got %T; want the sync screen", u.shell.screens["sync"])
	}
	u.tasks.wait()
	return s
}

// A directory remote added and synced from the sync screen, with
// progress and Cancel shown meanwhile: the other copy then has the record.
func TestSyncScreenSyncsDirectoryRemote(t *testing.T) {
	a := test.NewTempApp(t)
	opts := newBinder(t, false)
	u := New(a, opts)
	defer u.Close()
	s := openSync(t, u)
	if !s.empty.Visible() || !s.syncAll.Disabled() {
		t.Fatal("got no empty note with no remote")
	}
	remote := filepath.Join(t.TempDir(), "usb.git")
	test.Type(s.url, remote)
	test.Tap(s.add)
	if s.addErr.Text == "" {
		t.Fatal("got no error for a remote with no name")
	}
	test.Type(s.name, "usb")
	test.Tap(s.add)
	u.tasks.wait()
	if len(s.statuses) != 1 || s.statuses[0].Name != "usb" || s.statuses[0].Kind != "local" {
		t.Fatalf("got remotes %+v (error %q); want usb", s.statuses, s.addErr.Text)
	}
	gate := make(chan struct{})
	u.tasks.testOnlyGate = gate
	test.Tap(s.syncAll)
	if !s.cancel.Visible() || s.progress.Text == "" || !s.syncAll.Disabled() {
		t.Fatalf("while syncing: cancel shown %v, progress %q", s.cancel.Visible(), s.progress.Text)
	}
	close(gate)
	u.tasks.wait()
	u.tasks.testOnlyGate = nil
	if s.cancel.Visible() || !strings.Contains(s.result.Text, "usb: the remote was empty") {
		t.Fatalf("got result %q; want the whole binder sent", s.result.Text)
	}
	u.tasks.wait()
	if s.statuses[0].LastSync.IsZero() || s.statuses[0].Ahead != 0 {
		t.Fatalf("got state %+v; want synced, nothing ahead", s.statuses[0].Remote)
	}

	// The other copy has the record; what it adds comes back by Sync.
	id := loadID(t, opts)
	other, err := gitsync.Clone(context.Background(), remote, filepath.Join(t.TempDir(), "other"), id, gitsync.CloneOptions{ExpectFingerprint: u.Binder().Fingerprint(), Options: gitsync.Options{Identity: id}})
	if err != nil {
		t.Fatal(err)
	}
	list, _ := other.List(context.Background(), "system")
	if len(list) != 1 || list[0].Title != "Data platform" {
		t.Fatalf("got other copy's systems %+v; want Data platform", list)
	}
	if _, err := other.Add(context.Background(), &binder.Record{Kind: "note", Title: "Written on the other copy"}); err != nil {
		t.Fatal(err)
	}
	if _, err := gitsync.Sync(context.Background(), other, "origin", gitsync.Options{Identity: id}); err != nil {
		t.Fatal(err)
	}
	other.Close()
	s.sync([]string{"usb"})
	u.tasks.wait()
	notes, _ := u.Binder().List(context.Background(), "note")
	if len(notes) != 1 || !strings.Contains(s.result.Text, "received") {
		t.Fatalf("got notes %+v, result %q; want the other copy's note received", notes, s.result.Text)
	}

	// Removing asks first; confirmed, the remote is gone.
	s.remove("usb")
	if s.confirm == nil {
		t.Fatal("removing did not ask")
	}
	s.confirm.Confirm()
	u.tasks.wait()
	if len(s.statuses) != 0 {
		t.Fatalf("got remotes %+v after removing; want none", s.statuses)
	}
}

// sshd runs OpenSSH's sshd on loopback letting in id's signing key, as
// the sync package's tests do; it returns the URL of a bare repository
// on it and the host key's file.
type sshd struct {
	dir, hostKey, user string
	port               int
	cmd                *exec.Cmd
}

func startSSHD(t *testing.T, id *bcrypto.Identity) *sshd {
	t.Helper()
	for _, bin := range []string{"sshd", "ssh-keygen", "git"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed: no SSH server to add as a remote", bin)
		}
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sshd{dir: t.TempDir(), user: me.Username, port: l.Addr().(*net.TCPAddr).Port}
	l.Close()
	os.WriteFile(filepath.Join(s.dir, "authorized_keys"), []byte(id.SigningKey().String()+"\n"), 0o600)
	s.newHostKey(t)
	s.start(t)
	return s
}

func (s *sshd) newHostKey(t *testing.T) {
	t.Helper()
	key := filepath.Join(s.dir, "host_ed25519")
	os.Remove(key)
	os.Remove(key + ".pub")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	s.hostKey = key
}

func (s *sshd) start(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		os.MkdirAll("/run/sshd", 0o755)
	}
	conf := filepath.Join(s.dir, "sshd_config")
	os.WriteFile(conf, []byte(fmt.Sprintf("Port %d\nListenAddress 127.0.0.1\nHostKey %s\nPidFile %s/sshd.pid\nAuthorizedKeysFile %s/authorized_keys\nStrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin prohibit-password\nAllowUsers %s\nLogLevel ERROR\n",
		s.port, s.hostKey, s.dir, s.dir, s.user)), 0o600)
	bin, _ := exec.LookPath("sshd")
	s.cmd = exec.Command(bin, "-D", "-e", "-f", conf)
	if err := s.cmd.Start(); err != nil {
		t.Skipf("sshd cannot run here: %v", err)
	}
	t.Cleanup(s.stop)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port)); err == nil {
			c.Close()
			return
		}
	}
	t.Skip("sshd did not start listening: no SSH server to add as a remote")
}

func (s *sshd) stop() {
	if s.cmd != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

func (s *sshd) fingerprint(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("ssh-keygen", "-l", "-E", "sha256", "-f", s.hostKey+".pub").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(out))[1]
}

func (s *sshd) repo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "binder.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", "--initial-branch=main", path).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	return fmt.Sprintf("ssh://%s@127.0.0.1:%d%s", s.user, s.port, path)
}

// Adding an SSH remote shows the server's host key in a dialog: refused,
// nothing is added; accepted, the key is pinned and a sync works. A
// changed host key is then refused loudly.
func TestSyncScreenSSHHostKey(t *testing.T) {
	a := test.NewTempApp(t)
	opts := newBinder(t, false)
	u := New(a, opts)
	defer u.Close()
	u.tasks.wait()
	srv := startSSHD(t, u.session.id)
	s := openSync(t, u)
	url := srv.repo(t)
	test.Type(s.name, "office")
	test.Type(s.url, url)
	test.Tap(s.add)
	u.tasks.wait()
	if s.hostKey == nil {
		t.Fatalf("got no host key dialog (error %q)", s.addErr.Text)
	}
	s.hostKey.Dismiss()
	u.tasks.wait()
	if len(s.statuses) != 0 || !strings.Contains(s.addErr.Text, "not accepted") {
		t.Fatalf("got remotes %+v, error %q after refusing the key; want none", s.statuses, s.addErr.Text)
	}
	test.Tap(s.add)
	u.tasks.wait()
	if s.hostKey == nil {
		t.Fatal("got no host key dialog the second time")
	}
	s.hostKey.Confirm()
	u.tasks.wait()
	if len(s.statuses) != 1 {
		t.Fatalf("got remotes %+v (error %q); want office", s.statuses, s.addErr.Text)
	}
	rs, _ := gitsync.Remotes(opts.BinderDir)
	if len(rs) != 1 || !strings.HasPrefix(rs[0].HostKey, "ssh-ed25519 ") {
		t.Fatalf("got remotes %+v; want the host key pinned", rs)
	}
	s.sync(nil)
	u.tasks.wait()
	if !strings.Contains(s.result.Text, "office: the remote was empty") {
		t.Fatalf("got result %q; want the binder sent over SSH", s.result.Text)
	}

	// The server's key changes: the sync is refused, and says so.
	srv.stop()
	srv.newHostKey(t)
	srv.start(t)
	s.sync(nil)
	u.tasks.wait()
	if !strings.Contains(s.result.Text, "CHANGED") {
		t.Fatalf("got result %q; want the changed host key refused", s.result.Text)
	}
	// Adding another remote on it shows the new key, given as the old
	// one's fingerprint is refused outright.
	test.Type(s.name, "again")
	test.Type(s.url, srv.repo(t))
	s.addRemote("SHA256:not-the-servers-key")
	u.tasks.wait()
	if !strings.HasPrefix(s.addErr.Text, "REFUSED") {
		t.Fatalf("got %q; want a loud refusal", s.addErr.Text)
	}
	if rs, _ := gitsync.Remotes(opts.BinderDir); len(rs) != 1 {
		t.Fatalf("got %d remotes; want only office", len(rs))
	}
}

// Closing the window while a sync waits for a password in a dialog ends
// the sync and closes the app: nothing waits for an answer that can no
// longer come, and the binder is released.
func TestCloseWhileTheSyncAsksForAPassword(t *testing.T) {
	a := test.NewTempApp(t)
	opts := newBinder(t, false)
	b := openWith(t, opts)
	if _, err := gitsync.AddRemote(context.Background(), opts.BinderDir, &gitsync.Remote{Name: "srv", URL: "https://127.0.0.1:9/binder.git", User: "alice"}, gitsync.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	u := New(a, opts)
	s := openSync(t, u)
	test.Tap(s.syncAll)
	for deadline := time.Now().Add(10 * time.Second); len(u.win.Canvas().Overlays().List()) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no password dialog")
		}
		testOnlyQueue.run()
	}
	closed := make(chan struct{})
	go func() {
		u.win.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("closing the window waits for the password dialog's answer")
	}
	testOnlyQueue.run()
	if b, err := binder.Open(context.Background(), opts.BinderDir, loadID(t, opts)); err != nil {
		t.Fatalf("the binder is still held after the app closed: %v", err)
	} else {
		b.Close()
	}
}
